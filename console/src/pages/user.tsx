import { useEffect, useState } from "preact/hooks";
import { Assignment, EvaluatedRole, Organization, Token, User, client, minRevision, ok, t } from "../api";
import { href } from "../nav";
import { HistoryItem, history } from "../pending";
import { CopyButton, Dialog, Input, Pager, ProblemBox, ScopeText, When, splitList, toRFC3339, usePaged } from "../ui";
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

function Tokens({ id }: { id: string }) {
  const [nonce, setNonce] = useState(0);
  const list = usePaged<Token>(
    (cursor) => ok(client.GET("/v1/tenants/{tenant_id}/users/{user_id}/tokens", { params: { path: { ...t(), user_id: id }, query: { limit: 20, cursor } } })),
    [id, nonce],
  );
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState("");
  const [expires, setExpires] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [secret, setSecret] = useState<string | null>(null);

  async function create(e: Event) {
    e.preventDefault();
    setError(null);
    const ex = toRFC3339(expires);
    const sc = splitList(scopes);
    try {
      const tok = await ok(
        client.POST("/v1/tenants/{tenant_id}/users/{user_id}/tokens", {
          params: { path: { ...t(), user_id: id } },
          body: { name, ...(sc.length ? { scopes: sc } : {}), ...(ex ? { expires_at: ex } : {}) },
        }),
      );
      setSecret(tok.token);
      setName("");
      setScopes("");
      setExpires("");
      setNonce((n) => n + 1);
    } catch (err) {
      setError(err);
    }
  }

  async function revoke(tok: Token) {
    setError(null);
    try {
      await ok(client.DELETE("/v1/tenants/{tenant_id}/users/{user_id}/tokens/{token_id}", { params: { path: { ...t(), user_id: id, token_id: tok.id } } }));
      setNonce((n) => n + 1);
    } catch (err) {
      setError(err);
    }
  }

  return (
    <section aria-labelledby="tokens-h">
      <h2 id="tokens-h">Tokens</h2>
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Scopes</th>
            <th>Expires</th>
            <th>Last used</th>
            <th>Created</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.items.map((tok) => (
            <tr key={tok.id}>
              <td>
                {tok.name} <code>{tok.id}</code>
              </td>
              <td>{tok.scopes?.map((s) => <code class="perm" key={s}>{s}</code>) ?? <span class="muted">all of the user's</span>}</td>
              <td>
                <When at={tok.expires_at} />
              </td>
              <td>
                <When at={tok.last_used_at} />
              </td>
              <td>
                <When at={tok.created_at} />
              </td>
              <td>
                <button type="button" onClick={() => revoke(tok)} aria-label={`Revoke ${tok.name}`}>
                  Revoke
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ProblemBox error={list.error} />
      <Pager p={list} label="Tokens" />
      <form onSubmit={create} class="card" aria-label="Create token">
        <h3>Create a token</h3>
        <div class="row">
          <Input label="Name" name="name" value={name} set={setName} error={error} required />
          <Input label="Scopes (optional)" name="scopes" value={scopes} set={setScopes} error={error} hint="permission patterns, separated by spaces" />
          <Input label="Expires at (optional)" name="expires_at" type="datetime-local" value={expires} set={setExpires} error={error} />
        </div>
        <ProblemBox error={error} fields={["name", "scopes", "expires_at"]} />
        <button type="submit">Create token</button>
      </form>
      <Dialog title="New token" open={secret !== null} onClose={() => setSecret(null)}>
        <p>This is the token's secret. It is shown this once: copy it now.</p>
        <p>
          <code class="secret" data-testid="secret">
            {secret}
          </code>
        </p>
        <CopyButton text={secret ?? ""} label="Copy token" />
      </Dialog>
    </section>
  );
}

// History is the user's grant timeline (GET …/roles/history), loaded on demand.
function History({ id }: { id: string }) {
  const [open, setOpen] = useState(false);
  const list = usePaged<HistoryItem>((cursor) => (open ? history(id, cursor) : Promise.resolve({ items: [], next_cursor: null })), [id, open]);
  return (
    <section aria-labelledby="history-h">
      <h2 id="history-h">History</h2>
      {!open ? (
        <button type="button" onClick={() => setOpen(true)}>
          Show the roles history
        </button>
      ) : (
        <>
          <ProblemBox error={list.error} />
          <ol class="timeline" data-testid="history">
            {list.items.map((h, i) => (
              <li key={i} data-role={h.role_id}>
                <strong>
                  <a href={href("roles", h.role_id)}>{h.role_id}</a>
                </strong>{" "}
                <ScopeText scope={h.scope} />, {h.source === "group" ? <>through group <a href={href("groups", h.group_id ?? "")}>{h.group_id}</a></> : "direct"}:{" "}
                <When at={h.from} /> → {h.until ? <When at={h.until} /> : <em>now</em>}; granted by {h.granted_by}
                {h.revoked_by ? `, revoked by ${h.revoked_by}` : ""}
                {h.reason ? <> — “{h.reason}”</> : null}
              </li>
            ))}
          </ol>
          {open && !list.error && list.items.length === 0 && !list.loading && <p class="muted">No grants yet.</p>}
          {!list.error && <Pager p={list} label="History" />}
        </>
      )}
    </section>
  );
}
