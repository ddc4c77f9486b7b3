import { useState } from "preact/hooks";
import { CheckResult, EvaluatedRole, User, client, minRevision, ok, t } from "../api";
import { href } from "../nav";
import { Input, Pager, ProblemBox, ScopeText, When, toRFC3339, usePaged } from "../ui";
import { resolveUser } from "./users";
import { useOrganizations } from "./user";

interface WhyNot {
  user: User;
  roles: EvaluatedRole[];
  permissions: string[];
}

// Check answers "may U do P?": allowed with the granting role, or denied
// with what the user does hold, at present or at a past instant.
export function Check() {
  const orgs = useOrganizations();
  const [who, setWho] = useState("");
  const [permission, setPermission] = useState("");
  const [org, setOrg] = useState("");
  const [owner, setOwner] = useState("");
  const [at, setAt] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<(CheckResult & { user_id: string; who: string; permission: string }) | null>(null);
  const [why, setWhy] = useState<WhyNot | null>(null);

  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    setResult(null);
    setWhy(null);
    try {
      const user_id = await resolveUser(who.trim());
      const when = toRFC3339(at);
      const body = {
        user_id,
        permission: permission.trim(),
        ...(org ? { organization_id: org } : {}),
        ...(owner.trim() ? { owner: owner.trim() } : {}),
        ...(when ? { at: when } : {}),
      };
      // A past instant has its own revision: the server refuses min_revision with `at`.
      const res = await ok(client.POST("/v1/tenants/{tenant_id}/check", { params: { path: t(), query: when ? {} : minRevision() }, body }));
      setResult({ ...res, user_id, who: who.trim(), permission: body.permission });
      if (!res.allowed && !when) {
        const q = { ...minRevision(), ...(org ? { organization_id: org } : {}) };
        const path = { ...t(), user_id };
        const [user, roles, perms] = await Promise.all([
          ok(client.GET("/v1/tenants/{tenant_id}/users/{user_id}", { params: { path } })),
          ok(client.GET("/v1/tenants/{tenant_id}/users/{user_id}/roles/evaluated", { params: { path, query: q } })),
          ok(client.GET("/v1/tenants/{tenant_id}/users/{user_id}/permissions", { params: { path, query: q } })),
        ]);
        setWhy({ user, roles: roles.items, permissions: perms.permissions });
      }
    } catch (err) {
      setError(err);
    }
  }

  const resource = result?.permission.split(":")[0];
  return (
    <section>
      <h1 tabIndex={-1}>Check</h1>
      <p class="muted">May a user do something? The answer names the granting role, or shows what the user holds instead.</p>
      <form onSubmit={submit} class="card" aria-label="Check a permission">
        <div class="row">
          <Input label="User (id or email)" name="user_id" value={who} set={setWho} error={error} required />
          <Input label="Permission" name="permission" value={permission} set={setPermission} error={error} required hint="resource:action, e.g. documents:read" />
          <div class="field">
            <label for="check-org">Organization</label>
            <select id="check-org" value={org} onChange={(e) => setOrg((e.target as HTMLSelectElement).value)}>
              <option value="">global assignments only</option>
              {orgs.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
            </select>
          </div>
          <Input label="Owner (optional)" name="owner" value={owner} set={setOwner} error={error} hint="for :own grants: who owns the resource" />
          <Input label="At (optional)" name="at" type="datetime-local" value={at} set={setAt} error={error} hint="answer as of this past instant" />
        </div>
        <ProblemBox error={error} fields={["user_id", "permission", "owner", "at"]} />
        <button type="submit" class="primary">
          Check
        </button>
      </form>

      {result && (
        <section class={result.allowed ? "verdict allowed" : "verdict denied"} aria-live="polite" data-testid="verdict">
          <h2>{result.allowed ? "Allowed" : "Denied"}</h2>
          <p>
            <a href={href("users", result.user_id)}>{result.who}</a> {result.allowed ? "may" : "may not"} <code>{result.permission}</code>
            {result.as_of ? <> as of <When at={result.as_of} /></> : null} (revision {result.revision}).
          </p>
          {result.matched && (
            <p data-testid="granted-by">
              Granted by role <a href={href("roles", result.matched.role_id)}>{result.matched.role_id}</a> through <code>{result.matched.permission}</code>.
            </p>
          )}
          {why && (
            <div data-testid="why-not">
              <h3>Why not</h3>
              {why.user.status === "disabled" ? (
                <p>The user is disabled: a disabled user holds no roles.</p>
              ) : (
                <p>
                  None of the {why.roles.length} role{why.roles.length === 1 ? "" : "s"} the user holds grants <code>{result.permission}</code>
                  {org ? " globally or in this organization" : " globally"}.
                  {why.permissions.some((p) => p.startsWith(resource + ":") || p.startsWith("*:")) ? " Close patterns it does hold are marked." : ""}
                </p>
              )}
              <ul>
                {why.roles.map((r) => (
                  <li key={r.role_id + (r.scope.organization_id ?? "")}>
                    <a href={href("roles", r.role_id)}>{r.display_name}</a> <code>{r.role_id}</code> <ScopeText scope={r.scope} /> ({r.sources.map((s) => s.type).join(", ")})
                  </li>
                ))}
              </ul>
              <p>
                Effective permissions:{" "}
                {why.permissions.length
                  ? why.permissions.map((p) => (
                      <code key={p} class={p.startsWith(resource + ":") || p.startsWith("*:") ? "perm near" : "perm"}>
                        {p}
                      </code>
                    ))
                  : "none"}
              </p>
            </div>
          )}
        </section>
      )}
      <WhoHolds />
    </section>
  );
}

// WhoHolds lists the users granted a permission (reverse evaluation, paged).
function WhoHolds() {
  const orgs = useOrganizations();
  const [permission, setPermission] = useState("");
  const [org, setOrg] = useState("");
  const [query, setQuery] = useState<{ holds_permission: string; organization_id?: string } | null>(null);
  const list = usePaged<User>(
    (cursor) =>
      query
        ? ok(client.GET("/v1/tenants/{tenant_id}/users", { params: { path: t(), query: { ...query, limit: 20, cursor, ...minRevision() } } }))
        : Promise.resolve({ items: [], next_cursor: null }),
    [query],
  );
  return (
    <section aria-labelledby="who-h">
      <h2 id="who-h">Who holds a permission?</h2>
      <form
        class="card"
        aria-label="Who holds a permission"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ holds_permission: permission.trim(), ...(org ? { organization_id: org } : {}) });
        }}
      >
        <div class="row">
          <Input label="Permission" name="holds_permission" value={permission} set={setPermission} error={list.error} required />
          <div class="field">
            <label for="who-org">Organization</label>
            <select id="who-org" value={org} onChange={(e) => setOrg((e.target as HTMLSelectElement).value)}>
              <option value="">global assignments only</option>
              {orgs.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
            </select>
          </div>
        </div>
        <ProblemBox error={list.error} fields={["holds_permission"]} />
        <button type="submit">List holders</button>
      </form>
      {query && (
        <>
          <ul data-testid="holders">
            {list.items.map((u) => (
              <li key={u.id}>
                <a href={href("users", u.id)}>{u.email}</a> <code>{u.id}</code>
              </li>
            ))}
          </ul>
          {!list.loading && !list.error && list.items.length === 0 && <p class="muted">Nobody holds it.</p>}
          <Pager p={list} label="Holders" />
        </>
      )}
    </section>
  );
}
