import { useEffect, useState } from "preact/hooks";
import { Assignment, EvaluatedRole, Organization, User, client, minRevision, ok, t } from "../api";
import { href } from "../nav";
import { Input, Pager, ProblemBox, ScopeText, When, toRFC3339, usePaged } from "../ui";
import { History } from "./history";
import { Tokens } from "./tokens";
import { useAllRoles } from "./roles";

// useOrganizations reads the first 100 organizations, for scope pickers.
export function useOrganizations(): Organization[] {
  const [orgs, setOrgs] = useState<Organization[]>([]);
  useEffect(() => {
    ok(client.GET("/v1/tenants/{tenant_id}/organizations", { params: { path: t(), query: { limit: 100 } } })).then(
      (p) => setOrgs(p.items),
      () => setOrgs([]),
    );
  }, []);
  return orgs;
}

export function UserDetail({ id }: { id: string }) {
  const [user, setUser] = useState<User | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [nonce, setNonce] = useState(0);
  const changed = () => setNonce((n) => n + 1);
  useEffect(() => {
    ok(client.GET("/v1/tenants/{tenant_id}/users/{user_id}", { params: { path: { ...t(), user_id: id } } })).then(setUser, setError);
  }, [id, nonce]);

  async function setStatus(status: "active" | "disabled") {
    try {
      setUser(await ok(client.PATCH("/v1/tenants/{tenant_id}/users/{user_id}", { params: { path: { ...t(), user_id: id } }, body: { status } })));
      setError(null);
      changed();
    } catch (e) {
      setError(e);
    }
  }

  if (!user) return error ? <ProblemBox error={error} /> : <p class="muted">Loading…</p>;
  return (
    <section>
      <p class="crumbs">
        <a href={href("users")}>Users</a> /
      </p>
      <h1 tabIndex={-1}>
        {user.email} <code>{user.id}</code>
      </h1>
      <p>
        {[user.first_name, user.last_name].filter(Boolean).join(" ")} {user.external_user_id ? <>external id <code>{user.external_user_id}</code>, </> : null}
        status <strong>{user.status}</strong>{" "}
        <button type="button" onClick={() => setStatus(user.status === "active" ? "disabled" : "active")}>
          {user.status === "active" ? "Disable" : "Enable"}
        </button>
      </p>
      <ProblemBox error={error} />
      <Evaluated id={id} nonce={nonce} />
      <Assignments id={id} nonce={nonce} onChange={changed} />
      <Tokens id={id} />
      <History id={id} />
    </section>
  );
}

function sourceText(s: EvaluatedRole["sources"][number]) {
  switch (s.type) {
    case "group":
      return (
        <>
          group <a href={href("groups", s.group_id ?? "")}>{s.group_id}</a>
        </>
      );
    case "inherited":
      return (
        <>
          inherited via <a href={href("roles", s.via_role_id ?? "")}>{s.via_role_id}</a>
        </>
      );
    case "default":
      return <>default role</>;
    default:
      return <>direct</>;
  }
}

function Evaluated({ id, nonce }: { id: string; nonce: number }) {
  const orgs = useOrganizations();
  const [org, setOrg] = useState("");
  const [roles, setRoles] = useState<EvaluatedRole[]>([]);
  const [perms, setPerms] = useState<string[]>([]);
  const [revision, setRevision] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const query = { ...minRevision(), ...(org ? { organization_id: org } : {}) };
    Promise.all([
      ok(client.GET("/v1/tenants/{tenant_id}/users/{user_id}/roles/evaluated", { params: { path: { ...t(), user_id: id }, query } })),
      ok(client.GET("/v1/tenants/{tenant_id}/users/{user_id}/permissions", { params: { path: { ...t(), user_id: id }, query } })),
    ]).then(([r, p]) => {
      setRoles(r.items);
      setPerms(p.permissions);
      setRevision(r.revision);
      setError(null);
    }, setError);
  }, [id, org, nonce]);
  return (
    <section aria-labelledby="evaluated-h">
      <h2 id="evaluated-h">Evaluated roles</h2>
      <div class="field inline-field">
        <label for="eval-org">Organization</label>
        <select id="eval-org" value={org} onChange={(e) => setOrg((e.target as HTMLSelectElement).value)}>
          <option value="">global only</option>
          {orgs.map((o) => (
            <option key={o.id} value={o.id}>
              global + {o.name}
            </option>
          ))}
        </select>
        {revision !== null && <span class="muted"> at revision {revision}</span>}
      </div>
      <ProblemBox error={error} />
      <table data-testid="evaluated">
        <thead>
          <tr>
            <th>Role</th>
            <th>Scope</th>
            <th>Held because</th>
          </tr>
        </thead>
        <tbody>
          {roles.map((r) => (
            <tr key={r.role_id + (r.scope.organization_id ?? "")} data-role={r.role_id}>
              <td>
                <a href={href("roles", r.role_id)}>{r.display_name}</a> <code>{r.role_id}</code>
              </td>
              <td>
                <ScopeText scope={r.scope} />
              </td>
              <td>
                {r.sources.map((s, i) => (
                  <span class="source" key={i} data-source={s.type}>
                    {sourceText(s)}
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Effective permissions</h3>
      <p data-testid="permissions">
        {perms.length ? perms.map((p) => <code class="perm" key={p}>{p}</code>) : <span class="muted">none</span>}
      </p>
    </section>
  );
}

function Assignments({ id, nonce, onChange }: { id: string; nonce: number; onChange: () => void }) {
  const list = usePaged<Assignment>(
    (cursor) => ok(client.GET("/v1/tenants/{tenant_id}/users/{user_id}/roles", { params: { path: { ...t(), user_id: id }, query: { limit: 20, cursor } } })),
    [id, nonce],
  );
  const all = useAllRoles(nonce);
  const orgs = useOrganizations();
  const [roleId, setRoleId] = useState("");
  const [org, setOrg] = useState("");
  const [notBefore, setNotBefore] = useState("");
  const [expires, setExpires] = useState("");
  const [reason, setReason] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [removeError, setRemoveError] = useState<unknown>(null);

  async function assign(e: Event) {
    e.preventDefault();
    setError(null);
    const nb = toRFC3339(notBefore), ex = toRFC3339(expires);
    try {
      await ok(
        client.POST("/v1/tenants/{tenant_id}/users/{user_id}/roles", {
          params: { path: { ...t(), user_id: id } },
          body: {
            role_id: roleId,
            ...(org ? { scope: { type: "organization" as const, organization_id: org } } : {}),
            ...(nb ? { not_before: nb } : {}),
            ...(ex ? { expires_at: ex } : {}),
            ...(reason ? { reason } : {}),
          },
        }),
      );
      setReason("");
      setNotBefore("");
      setExpires("");
      onChange();
    } catch (err) {
      setError(err);
    }
  }

  async function remove(a: Assignment) {
    setRemoveError(null);
    try {
      await ok(
        client.DELETE("/v1/tenants/{tenant_id}/users/{user_id}/roles/{role_id}", {
          params: { path: { ...t(), user_id: id, role_id: a.role_id }, query: a.scope.organization_id ? { organization_id: a.scope.organization_id } : {} },
        }),
      );
      onChange();
    } catch (err) {
      setRemoveError(err);
    }
  }

  return (
    <section aria-labelledby="assign-h">
      <h2 id="assign-h">Direct assignments</h2>
      <ProblemBox error={list.error ?? removeError} />
      <table data-testid="assignments">
        <thead>
          <tr>
            <th>Role</th>
            <th>Scope</th>
            <th>Status</th>
            <th>From</th>
            <th>Until</th>
            <th>Reason</th>
            <th>Assigned</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.items.map((a) => (
            <tr key={a.role_id + (a.scope.organization_id ?? "")} data-role={a.role_id}>
              <td>
                <a href={href("roles", a.role_id)}>{a.display_name}</a> <code>{a.role_id}</code>
              </td>
              <td>
                <ScopeText scope={a.scope} />
              </td>
              <td>{a.status}</td>
              <td>
                <When at={a.not_before} />
              </td>
              <td data-testid="expires">
                <When at={a.expires_at} />
              </td>
              <td>{a.reason}</td>
              <td>
                <When at={a.assigned_at} /> by {a.assigned_by}
              </td>
              <td>
                <button type="button" onClick={() => remove(a)} aria-label={`Remove ${a.role_id}`}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager p={list} label="Assignments" />
      <form onSubmit={assign} class="card" aria-label="Assign role">
        <h3>Assign a role</h3>
        <div class="row">
          <div class="field">
            <label for="assign-role">Role</label>
            <select id="assign-role" name="role_id" required value={roleId} onChange={(e) => setRoleId((e.target as HTMLSelectElement).value)}>
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
            <label for="assign-org">Scope</label>
            <select id="assign-org" value={org} onChange={(e) => setOrg((e.target as HTMLSelectElement).value)}>
              <option value="">global</option>
              {orgs.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
            </select>
          </div>
          <Input label="Not before" name="not_before" type="datetime-local" value={notBefore} set={setNotBefore} error={error} />
          <Input label="Expires at" name="expires_at" type="datetime-local" value={expires} set={setExpires} error={error} />
          <Input label="Reason" name="reason" value={reason} set={setReason} error={error} maxLength={500} />
        </div>
        <ProblemBox error={error} fields={["not_before", "expires_at", "reason"]} />
        <button type="submit">Assign</button>
      </form>
    </section>
  );
}
