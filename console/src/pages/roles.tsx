import { useEffect, useState } from "preact/hooks";
import { Role, client, ok, t } from "../api";
import { RoleGraph } from "../graph";
import { go, href } from "../nav";
import { Input, Pager, ProblemBox, TextArea, splitList, usePaged } from "../ui";

// maxGraphRoles bounds how many roles the graph fetches (100 a page).
const maxGraphRoles = 2000;

// allRoles reads every role, page by page, for the graph and role pickers.
export async function allRoles(): Promise<{ roles: Role[]; truncated: boolean }> {
  const roles: Role[] = [];
  let cursor: string | undefined;
  do {
    const page = await ok(client.GET("/v1/tenants/{tenant_id}/roles", { params: { path: t(), query: { limit: 100, cursor } } }));
    roles.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor && roles.length < maxGraphRoles);
  return { roles, truncated: !!cursor };
}

export function useAllRoles(nonce = 0) {
  const [state, setState] = useState<{ roles: Role[]; truncated: boolean; error: unknown }>({ roles: [], truncated: false, error: null });
  useEffect(() => {
    allRoles().then(
      (r) => setState({ ...r, error: null }),
      (error) => setState({ roles: [], truncated: false, error }),
    );
  }, [nonce]);
  return state;
}

export function Roles() {
  const [nonce, setNonce] = useState(0);
  const all = useAllRoles(nonce);
  const [search, setSearch] = useState("");
  const [query, setQuery] = useState("");
  const [type, setType] = useState<"" | "system" | "custom">("");
  const list = usePaged<Role>(
    (cursor) =>
      ok(
        client.GET("/v1/tenants/{tenant_id}/roles", {
          params: { path: t(), query: { limit: 20, cursor, search: query || undefined, type: type || undefined } },
        }),
      ),
    [query, type, nonce],
  );

  return (
    <section>
      <h1 tabIndex={-1}>Roles</h1>
      <h2>Inheritance</h2>
      <ProblemBox error={all.error} />
      {all.truncated && <p class="notice">The graph shows the first {maxGraphRoles} roles.</p>}
      <RoleGraph roles={all.roles} />

      <h2>All roles</h2>
      <form
        class="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(search);
        }}
      >
        <Input label="Search" name="search" type="search" value={search} set={setSearch} />
        <div class="field">
          <label for="role-type">Type</label>
          <select id="role-type" value={type} onChange={(e) => setType((e.target as HTMLSelectElement).value as "" | "system" | "custom")}>
            <option value="">any</option>
            <option value="system">system</option>
            <option value="custom">custom</option>
          </select>
        </div>
        <button type="submit">Search</button>
      </form>
      <ProblemBox error={list.error} />
      <table>
        <thead>
          <tr>
            <th>Role</th>
            <th>Type</th>
            <th>Permissions</th>
            <th>Inherits from</th>
            <th>Direct holders</th>
          </tr>
        </thead>
        <tbody>
          {list.items.map((r) => (
            <tr key={r.id}>
              <td>
                <a href={href("roles", r.id)}>{r.display_name}</a> <code>{r.id}</code>
              </td>
              <td>{r.type}</td>
              <td>{r.permissions.map((p) => <code class="perm" key={p}>{p}</code>)}</td>
              <td>{r.inherits_from.join(", ")}</td>
              <td>{r.user_count}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager p={list} label="Roles" />
      <CreateRole roles={all.roles} onCreated={() => setNonce((n) => n + 1)} />
    </section>
  );
}

function CreateRole({ roles, onCreated }: { roles: Role[]; onCreated: () => void }) {
  const [name, setName] = useState("");
  const [display, setDisplay] = useState("");
  const [description, setDescription] = useState("");
  const [perms, setPerms] = useState("");
  const [inherits, setInherits] = useState<string[]>([]);
  const [assignable, setAssignable] = useState(true);
  const [error, setError] = useState<unknown>(null);

  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    try {
      const r = await ok(
        client.POST("/v1/tenants/{tenant_id}/roles", {
          params: { path: t() },
          body: {
            name,
            display_name: display || name,
            ...(description ? { description } : {}),
            permissions: splitList(perms),
            inherits_from: inherits,
            assignable,
          },
        }),
      );
      onCreated();
      go("roles", r.id);
    } catch (err) {
      setError(err);
    }
  }

  return (
    <form onSubmit={submit} class="card" aria-label="Create role">
      <h2>Create a role</h2>
      <div class="row">
        <Input label="Name" name="name" value={name} set={setName} error={error} required hint="letters, digits, _ and -; the id is role_ + name" />
        <Input label="Display name" name="display_name" value={display} set={setDisplay} error={error} />
        <Input label="Description" name="description" value={description} set={setDescription} error={error} />
      </div>
      <TextArea label="Permissions" name="permissions" value={perms} set={setPerms} error={error} hint="resource:action, separated by spaces, commas or lines (documents:read, todos:*:own)" />
      <fieldset>
        <legend>Inherits from</legend>
        <div class="checks">
          {roles
            .filter((r) => r.assignable)
            .map((r) => (
              <label key={r.id}>
                <input
                  type="checkbox"
                  name="inherits_from"
                  value={r.id}
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
        {error && (error as { fieldError?: (f: string) => string | undefined }).fieldError?.("inherits_from") ? (
          <small class="field-error" data-field="inherits_from">
            {(error as { fieldError: (f: string) => string | undefined }).fieldError("inherits_from")}
          </small>
        ) : null}
      </fieldset>
      <label class="inline">
        <input type="checkbox" checked={assignable} onChange={(e) => setAssignable((e.target as HTMLInputElement).checked)} /> Assignable
      </label>
      <ProblemBox error={error} fields={["name", "display_name", "description", "permissions", "inherits_from"]} />
      <button type="submit">Create role</button>
    </form>
  );
}
