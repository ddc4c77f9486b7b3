import { useEffect, useState } from "preact/hooks";
import { Group, User, client, ok, t } from "../api";
import { go, href } from "../nav";
import { Input, Pager, ProblemBox, ScopeText, When, usePaged } from "../ui";
import { useAllRoles } from "./roles";
import { useOrganizations } from "./user";
import { resolveUser } from "./users";

export function Groups() {
  const [nonce, setNonce] = useState(0);
  const list = usePaged<Group>((cursor) => ok(client.GET("/v1/tenants/{tenant_id}/groups", { params: { path: t(), query: { limit: 20, cursor } } })), [nonce]);
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [error, setError] = useState<unknown>(null);
  async function create(e: Event) {
    e.preventDefault();
    setError(null);
    try {
      const g = await ok(client.POST("/v1/tenants/{tenant_id}/groups", { params: { path: t() }, body: { name, ...(description ? { description } : {}) } }));
      setNonce((n) => n + 1);
      go("groups", g.id);
    } catch (err) {
      setError(err);
    }
  }
  return (
    <section>
      <h1 tabIndex={-1}>Groups</h1>
      <ProblemBox error={list.error} />
      <table>
        <thead>
          <tr>
            <th>Group</th>
            <th>Description</th>
            <th>Members</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {list.items.map((g) => (
            <tr key={g.id}>
              <td>
                <a href={href("groups", g.id)}>{g.name}</a> <code>{g.id}</code>
              </td>
              <td>{g.description}</td>
              <td>{g.member_count}</td>
              <td>
                <When at={g.created_at} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager p={list} label="Groups" />
      <form onSubmit={create} class="card" aria-label="Create group">
        <h2>Create a group</h2>
        <div class="row">
          <Input label="Name" name="name" value={name} set={setName} error={error} required />
          <Input label="Description" name="description" value={description} set={setDescription} error={error} />
        </div>
        <ProblemBox error={error} fields={["name", "description"]} />
        <button type="submit">Create group</button>
      </form>
    </section>
  );
}

export function GroupDetail({ id }: { id: string }) {
  const [group, setGroup] = useState<Group | null>(null);
  const [nonce, setNonce] = useState(0);
  const changed = () => setNonce((n) => n + 1);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    ok(client.GET("/v1/tenants/{tenant_id}/groups/{group_id}", { params: { path: { ...t(), group_id: id } } })).then(setGroup, setError);
  }, [id, nonce]);
  const members = usePaged<User>(
    (cursor) => ok(client.GET("/v1/tenants/{tenant_id}/groups/{group_id}/members", { params: { path: { ...t(), group_id: id }, query: { limit: 20, cursor } } })),
    [id, nonce],
  );
  const roles = usePaged(
    (cursor) => ok(client.GET("/v1/tenants/{tenant_id}/groups/{group_id}/roles", { params: { path: { ...t(), group_id: id }, query: { limit: 20, cursor } } })),
    [id, nonce],
  );
  const all = useAllRoles();
  const orgs = useOrganizations();
  const [member, setMember] = useState("");
  const [memberError, setMemberError] = useState<unknown>(null);
  const [roleId, setRoleId] = useState("");
  const [org, setOrg] = useState("");
  const [roleError, setRoleError] = useState<unknown>(null);

  async function members_(method: "POST" | "DELETE", who: string) {
    setMemberError(null);
    try {
      const userId = await resolveUser(who, "data");
      const opts = { params: { path: { ...t(), group_id: id } }, body: { data: [{ type: "users" as const, id: userId }] } };
      await ok(method === "POST" ? client.POST("/v1/tenants/{tenant_id}/groups/{group_id}/relationships/members", opts) : client.DELETE("/v1/tenants/{tenant_id}/groups/{group_id}/relationships/members", opts));
      setMember("");
      changed();
    } catch (err) {
      setMemberError(err);
    }
  }
  async function addRole(e: Event) {
    e.preventDefault();
    setRoleError(null);
    try {
      await ok(
        client.POST("/v1/tenants/{tenant_id}/groups/{group_id}/roles", {
          params: { path: { ...t(), group_id: id } },
          body: { role_id: roleId, ...(org ? { scope: { type: "organization" as const, organization_id: org } } : {}) },
        }),
      );
      changed();
    } catch (err) {
      setRoleError(err);
    }
  }
  async function removeRole(rid: string, orgId?: string) {
    setRoleError(null);
    try {
      await ok(client.DELETE("/v1/tenants/{tenant_id}/groups/{group_id}/roles/{role_id}", { params: { path: { ...t(), group_id: id, role_id: rid }, query: orgId ? { organization_id: orgId } : {} } }));
      changed();
    } catch (err) {
      setRoleError(err);
    }
  }

  if (!group) return error ? <ProblemBox error={error} /> : <p class="muted">Loading…</p>;
  return (
    <section>
      <p class="crumbs">
        <a href={href("groups")}>Groups</a> /
      </p>
      <h1 tabIndex={-1}>
        {group.name} <code>{group.id}</code>
      </h1>
      {group.description && <p>{group.description}</p>}
      <h2>Roles every member holds</h2>
      <ProblemBox error={roles.error ?? roleError} fields={[]} />
      <ul>
        {roles.items.map((a) => (
          <li key={a.role_id + (a.scope.organization_id ?? "")}>
            <a href={href("roles", a.role_id)}>{a.display_name}</a> <code>{a.role_id}</code> <ScopeText scope={a.scope} />{" "}
            <button type="button" onClick={() => removeRole(a.role_id, a.scope.organization_id)}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      {!roles.loading && roles.items.length === 0 && <p class="muted">None yet.</p>}
      <Pager p={roles} label="Group roles" />
      <form onSubmit={addRole} class="card row" aria-label="Add group role">
        <div class="field">
          <label for="group-role">Role</label>
          <select id="group-role" required value={roleId} onChange={(e) => setRoleId((e.target as HTMLSelectElement).value)}>
            <option value="">choose…</option>
            {all.roles
              .filter((r) => r.assignable && !r.default)
              .map((r) => (
                <option key={r.id} value={r.id}>
                  {r.display_name} ({r.id})
                </option>
              ))}
          </select>
        </div>
        <div class="field">
          <label for="group-org">Scope</label>
          <select id="group-org" value={org} onChange={(e) => setOrg((e.target as HTMLSelectElement).value)}>
            <option value="">global</option>
            {orgs.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Add role</button>
      </form>

      <h2>Members</h2>
      <ProblemBox error={members.error ?? memberError} fields={[]} />
      <ul>
        {members.items.map((u) => (
          <li key={u.id}>
            <a href={href("users", u.id)}>{u.email}</a> <code>{u.id}</code>{" "}
            <button type="button" onClick={() => members_("DELETE", u.id)} aria-label={`Remove ${u.email} from the group`}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      {!members.loading && members.items.length === 0 && <p class="muted">No members yet.</p>}
      <Pager p={members} label="Members" />
      <form
        class="card row"
        aria-label="Add member"
        onSubmit={(e) => {
          e.preventDefault();
          members_("POST", member.trim());
        }}
      >
        <Input label="User (id or email)" name="data" value={member} set={setMember} error={memberError} required />
        <button type="submit">Add member</button>
      </form>
    </section>
  );
}
