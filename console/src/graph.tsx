// RoleGraph draws the tenant's roles and their inheritance, laid out by
// dagre (a layered layout: a role sits below the roles it inherits from).
// Each role is a link to its page, so the graph works with the keyboard.
import { Graph, layout } from "@dagrejs/dagre";
import { useMemo } from "preact/hooks";
import type { Role } from "./api";
import { href } from "./nav";

const charWidth = 7.5;
const nodeHeight = 44;

export function RoleGraph({ roles, highlight }: { roles: Role[]; highlight?: string }) {
  const laid = useMemo(() => {
    const g = new Graph();
    g.setGraph({ rankdir: "BT", nodesep: 24, ranksep: 48, marginx: 8, marginy: 8 });
    g.setDefaultEdgeLabel(() => ({}));
    const ids = new Set(roles.map((r) => r.id));
    for (const r of roles) {
      const w = Math.max(r.display_name.length, r.id.length) * charWidth + 24;
      g.setNode(r.id, { width: Math.min(w, 260), height: nodeHeight });
    }
    for (const r of roles) for (const p of r.inherits_from) if (ids.has(p)) g.setEdge(r.id, p);
    layout(g);
    const gl = g.graph();
    return {
      width: gl.width ?? 0,
      height: gl.height ?? 0,
      nodes: roles.map((r) => ({ role: r, ...g.node(r.id) })),
      edges: g.edges().map((e) => ({ from: e.v, to: e.w, points: g.edge(e).points ?? [] })),
    };
  }, [roles]);

  if (roles.length === 0) return <p class="muted">No roles.</p>;
  return (
    <figure class="graph">
      <svg
        role="img"
        aria-label={`Role inheritance: ${laid.edges.length} edges between ${roles.length} roles`}
        viewBox={`0 0 ${laid.width} ${laid.height}`}
        width={laid.width}
        height={laid.height}
      >
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead" />
          </marker>
        </defs>
        {laid.edges.map((e) => (
          <path
            key={`${e.from}>${e.to}`}
            class="edge"
            data-edge={`${e.from}>${e.to}`}
            d={e.points.map((p: { x: number; y: number }, i: number) => `${i ? "L" : "M"} ${p.x} ${p.y}`).join(" ")}
            marker-end="url(#arrow)"
          >
            <title>
              {e.from} inherits from {e.to}
            </title>
          </path>
        ))}
        {laid.nodes.map((n) => (
          <a key={n.role.id} href={href("roles", n.role.id)} data-role={n.role.id} class={n.role.id === highlight ? "node current" : "node"}>
            <rect x={n.x - n.width / 2} y={n.y - n.height / 2} width={n.width} height={n.height} rx="6" class={n.role.type === "system" ? "system" : ""} />
            <text x={n.x} y={n.y - 4} text-anchor="middle" class="name">
              {n.role.display_name}
            </text>
            <text x={n.x} y={n.y + 12} text-anchor="middle" class="id">
              {n.role.id}
            </text>
          </a>
        ))}
      </svg>
      <figcaption>An arrow goes from a role to each role it inherits from (and so holds the permissions of).</figcaption>
    </figure>
  );
}
