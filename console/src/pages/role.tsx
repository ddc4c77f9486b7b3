import { useEffect, useMemo, useState } from "preact/hooks";
import { BulkResult, Role, User, client, minRevision, ok, okWith, t } from "../api";
import { RoleGraph } from "../graph";
import { go, href } from "../nav";
import { Dialog, Input, Pager, ProblemBox, TextArea, splitList, usePaged } from "../ui";
import { useAllRoles } from "./roles";

// related is the role with every role it inherits from (transitively) and
// every role that inherits from it: the part of the graph that matters here.
function related(roles: Role[], id: string): Role[] {
  const byId = new Map(roles.map((r) => [r.id, r]));
  const keep = new Set([id]);
  const up = [id];
  while (up.length) for (const p of byId.get(up.pop()!)?.inherits_from ?? []) if (!keep.has(p)) keep.add(p), up.push(p);
  let grew = true;
  const down = new Set([id]);
  while (grew) {
    grew = false;
    for (const r of roles) if (!down.has(r.id) && r.inherits_from.some((p) => down.has(p))) down.add(r.id), (grew = true);
  }
  return roles.filter((r) => keep.has(r.id) || down.has(r.id));
}

export function RoleDetail({ id }: { id: string }) {
  const [role, setRole] = useState<Role | null>(null);
  const [etag, setEtag] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [nonce, setNonce] = useState(0);
  const all = useAllRoles(nonce);

  const [display, setDisplay] = useState("");
  const [description, setDescription] = useState("");
  const [perms, setPerms] = useState("");
  const [inherits, setInherits] = useState<string[]>([]);
  const [assignable, setAssignable] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState("");
  const [impact, setImpact] = useState<BulkResult | null>(null);
  const [impactError, setImpactError] = useState<unknown>(null);
  const [emails, setEmails] = useState<Map<string, string>>(new Map());
  const [previewing, setPreviewing] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);

  useEffect(() => {
    okWith(client.GET("/v1/tenants/{tenant_id}/roles/{role_id}", { params: { path: { ...t(), role_id: id } } })).then(
      ([r, resp]) => {
        setRole(r);
        setEtag(resp.headers.get("ETag"));
        setDisplay(r.display_name);
        setDescription(r.description ?? "");
        setPerms(r.permissions.join("\n"));
        setInherits(r.inherits_from);
        setAssignable(r.assignable);
        setLoadError(null);
      },
      setLoadError,
    );
  }, [id, nonce]);

  const holders = usePaged<User>(
    (cursor) => ok(client.GET("/v1/tenants/{tenant_id}/users", { params: { path: t(), query: { holds_role: id, limit: 20, cursor, ...minRevision() } } })),
    [id, nonce],
  );
  const neighbourhood = useMemo(() => related(all.roles, id), [all.roles, id]);

  if (loadError) return <ProblemBox error={loadError} />;
  if (!role) return <p class="muted">Loading…</p>;
  const system = role.type === "system";

  // update is the PUT body: only what changed, since system roles refuse
  // any change to fields other than permissions.
  function update() {
    const b: Record<string, unknown> = {};
    const p = splitList(perms);
    if (p.join("\n") !== role!.permissions.join("\n")) b.permissions = p;
    if (display !== role!.display_name) b.display_name = display;
    if (description !== (role!.description ?? "")) b.description = description;
    if (inherits.slice().sort().join() !== role!.inherits_from.slice().sort().join()) b.inherits_from = inherits;
    if (assignable !== role!.assignable) b.assignable = assignable;
    return b;
  }

  async function preview() {
    setImpact(null);
    setImpactError(null);
    setPreviewing(true);
    try {
      const operations = [{ method: "PUT" as const, path: `/roles/${encodeURIComponent(id)}`, body: update(), ...(etag ? { if_match: etag } : {}) }];
      const res = await ok(client.POST("/v1/tenants/{tenant_id}/bulk", { params: { path: t() }, body: { operations, atomic: true, dry_run: true } }));
      setImpact(res);
      // The impact names users by id: look up the emails of the first ones
      // so the preview reads as people (an id stays when a lookup fails).
      const ids = [...new Set((res.impact ?? []).map((i) => i.user_id))].slice(0, 50);
      const found = await Promise.all(
        ids.map((user_id) => ok(client.GET("/v1/tenants/{tenant_id}/users/{user_id}", { params: { path: { ...t(), user_id } } })).then((u) => [user_id, u.email] as const, () => null)),
      );
      setEmails(new Map(found.filter((f) => f !== null)));
    } catch (e) {
      setImpactError(e);
    } finally {
      setPreviewing(false);
    }
  }

  async function save(e: Event) {
    e.preventDefault();
    setError(null);
    setSaved("");
    try {
      await ok(
        client.PUT("/v1/tenants/{tenant_id}/roles/{role_id}", {
          params: { path: { ...t(), role_id: id }, header: etag ? { "If-Match": etag } : {} },
          body: update(),
        }),
      );
      setSaved("Saved.");
      setImpact(null);
      setNonce((n) => n + 1);
    } catch (err) {
      setError(err);
    }
  }

  async function remove() {
    try {
      await ok(client.DELETE("/v1/tenants/{tenant_id}/roles/{role_id}", { params: { path: { ...t(), role_id: id }, header: etag ? { "If-Match": etag } : {} } }));
      go("roles");
    } catch (err) {
      setConfirmDelete(false);
      setError(err);
    }
  }

  const opResult = impact?.results[0];
  return (
    <section>
      <p class="crumbs">
        <a href={href("roles")}>Roles</a> /
      </p>
      <h1 tabIndex={-1}>
        {role.display_name} <code>{role.id}</code>
      </h1>
      <p>
        {role.type} role{role.default ? ", the tenant's default role (every active user holds it)" : ""}
        {role.assignable ? "" : ", not assignable"}; {role.user_count} direct holder{role.user_count === 1 ? "" : "s"}.
      </p>
      {role.description && <p>{role.description}</p>}
      <div class="cols">
        <div>
          <h2>Inheritance</h2>
          <RoleGraph roles={neighbourhood} highlight={id} />
        </div>
        <div>
          <h2>Permissions</h2>
          {role.permissions.length ? (
            <ul class="perms">
              {role.permissions.map((p) => (
                <li key={p}>
                  <code>{p}</code>
                </li>
              ))}
            </ul>
          ) : (
            <p class="muted">No permissions of its own.</p>
          )}
        </div>
      </div>

      {system && !role.default ? (
        <p class="notice">This system role cannot be changed.</p>
      ) : (
        <form onSubmit={save} class="card" aria-label="Edit role">
          <h2>Edit</h2>
          <div class="row">
            <Input label="Display name" name="display_name" value={display} set={setDisplay} error={error} disabled={system} />
            <Input label="Description" name="description" value={description} set={setDescription} error={error} disabled={system} />
          </div>
          <TextArea label="Permissions" name="permissions" value={perms} set={setPerms} error={error} rows={5} hint="one per line (or separated by spaces or commas)" />
          {!system && (
            <fieldset>
              <legend>Inherits from</legend>
              <div class="checks">
                {all.roles
                  .filter((r) => r.id !== id && (r.assignable || inherits.includes(r.id)))
                  .map((r) => (
                    <label key={r.id}>
                      <input
                        type="checkbox"
                        name="inherits_from"
                        checked={inherits.includes(r.id)}
                        onChange={(e) => {
                          const on = (e.target as HTMLInputElement).checked;
                          setInherits((xs) => (on ? [...xs, r.id] : xs.filter((x) => x !== r.id)));
                        }}
                      />{" "}
                      {r.display_name} <code>{r.id}</code>
                    </label>
                  ))}
              </div>
            </fieldset>
          )}
          {!system && (
            <label class="inline">
              <input type="checkbox" checked={assignable} onChange={(e) => setAssignable((e.target as HTMLInputElement).checked)} /> Assignable
            </label>
          )}
          <ProblemBox error={error} fields={["display_name", "description", "permissions"]} />
          {saved && (
            <p class="ok" role="status">
              {saved}
            </p>
          )}
          <div class="actions">
            <button type="button" onClick={preview} disabled={previewing}>
              Preview impact
            </button>
            <button type="submit" class="primary">
              Save
            </button>
            {!system && (
              <button type="button" class="danger" onClick={() => setConfirmDelete(true)}>
                Delete role…
              </button>
            )}
          </div>
        </form>
      )}

      <ProblemBox error={impactError} />
      {impact && (
        <section class="card impact" aria-label="Impact preview" data-testid="impact">
          <h2>Impact of this edit (nothing saved yet)</h2>
          {opResult && opResult.status >= 400 ? (
            <p class="problem">
              The edit would fail ({opResult.status}): {(opResult.body as { detail?: string } | undefined)?.detail ?? ""}
            </p>
          ) : (impact.impact ?? []).length === 0 ? (
            <p>No user's effective permissions would change.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>User</th>
                  <th>Organization</th>
                  <th>Would gain</th>
                  <th>Would lose</th>
                </tr>
              </thead>
              <tbody>
                {(impact.impact ?? []).map((i) => (
                  <tr key={i.user_id + (i.organization_id ?? "")} data-user={i.user_id}>
                    <td>
                      <a href={href("users", i.user_id)}>{emails.get(i.user_id) ?? i.user_id}</a> {emails.has(i.user_id) && <code>{i.user_id}</code>}
                    </td>
                    <td>{i.organization_id ?? "global"}</td>
                    <td class="gained">{i.gained.map((p) => <code class="perm" key={p}>{p}</code>)}</td>
                    <td class="lost">{i.lost.map((p) => <code class="perm" key={p}>{p}</code>)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {impact.impact_truncated && <p class="notice">Only the first 10,000 users are listed.</p>}
        </section>
      )}

      <h2>Holders</h2>
      <p class="muted">Users who hold this role in evaluation: directly, through a group, by inheritance or as the default role.</p>
      <ProblemBox error={holders.error} />
      <ul class="holders">
        {holders.items.map((u) => (
          <li key={u.id}>
            <a href={href("users", u.id)}>{u.email}</a> <code>{u.id}</code>
          </li>
        ))}
      </ul>
      <Pager p={holders} label="Holders" />

      <Dialog title="Delete role" open={confirmDelete} onClose={() => setConfirmDelete(false)}>
        <p>
          Delete <code>{id}</code> and remove all its assignments?
        </p>
        <button type="button" class="danger" onClick={remove}>
          Delete
        </button>
      </Dialog>
    </section>
  );
}
