// The README quick start, run by a second, independent client: types generated
// from openapi.yaml by openapi-typescript (src/roster.d.ts, `npm run gen`) and
// requests sent by openapi-fetch. It proves that a non-Go user gets a working,
// typed client from the spec alone.
//
//   ROSTER_SERVER=http://127.0.0.1:8080 ROSTER_TOKEN=<operator token> npm run quickstart
//
// It creates a fresh tenant (QUICKSTART_TENANT, default a unique "ts-…" id, so
// that it can run again against the same server) with an admin, then as that
// admin a role, a user, an assignment, lists the user's roles and checks a
// permission. Any unexpected answer ends the program with exit status 1.
import createClient from "openapi-fetch";
import type { components, paths } from "./roster.js";

type Problem = components["schemas"]["Problem"];

const server = process.env.ROSTER_SERVER ?? "http://localhost:8080";
const operatorToken = process.env.ROSTER_TOKEN ?? "";
const tenant = process.env.QUICKSTART_TENANT ?? `ts-${Date.now().toString(36)}`;
const requestTimeoutMs = 10_000;

class QuickstartError extends Error {}

// check returns data when the call succeeded and throws with the problem's
// code, detail and field errors otherwise.
function check<T>(step: string, res: { data?: T; error?: unknown; response: Response }): T {
  if (res.error !== undefined || res.data === undefined) {
    const p = (res.error ?? {}) as Partial<Problem>;
    let msg = `${step}: HTTP ${res.response.status}`;
    if (p.code) msg += ` ${p.code}`;
    const fields = (p.errors ?? []).map((f) => `${f.field}: ${f.message}`);
    // A validation detail usually repeats its one field error.
    if (p.detail && !fields.includes(p.detail)) msg += `: ${p.detail}`;
    for (const f of fields) msg += `\n  ${f}`;
    throw new QuickstartError(msg);
  }
  return res.data;
}

function expect(step: string, ok: boolean, got: unknown): void {
  if (!ok) throw new QuickstartError(`${step}: unexpected answer ${JSON.stringify(got)}`);
}

function connect(token: string) {
  return createClient<paths>({
    baseUrl: server,
    headers: { Authorization: `Bearer ${token}` },
    // A server that hangs must fail the run, not stall it.
    fetch: (req: Request) => fetch(req, { signal: AbortSignal.timeout(requestTimeoutMs) }),
  });
}

async function main(): Promise<void> {
  if (operatorToken === "") throw new QuickstartError("set ROSTER_TOKEN to the operator token");
  const operator = connect(operatorToken);

  // 1. The operator creates the tenant with its first admin.
  const created = check(
    "create tenant",
    await operator.POST("/v1/tenants", {
      body: { id: tenant, name: "Acme Corp", admin: { email: "ada@acme.test", first_name: "Ada" } },
    }),
  );
  const adminToken = created.admin_token;
  expect("create tenant", typeof adminToken === "string" && adminToken !== "", created);
  const admin = connect(adminToken as string);
  const path = { tenant_id: tenant };

  // 2. The admin creates a role; its id is "role_" + its name.
  const role = check(
    "create role",
    await admin.POST("/v1/tenants/{tenant_id}/roles", {
      params: { path },
      body: { name: "editor", display_name: "Editor", permissions: ["documents:read", "documents:write"] },
    }),
  );
  expect("create role", role.id === "role_editor", role);

  // 3. ... creates a user,
  const user = check(
    "create user",
    await admin.POST("/v1/tenants/{tenant_id}/users", {
      params: { path },
      body: { email: "grace@acme.test", first_name: "Grace" },
    }),
  );
  expect("create user", user.id.startsWith("usr_"), user);
  const userPath = { ...path, user_id: user.id };

  // 4. ... assigns the role globally,
  const assigned = check(
    "assign role",
    await admin.POST("/v1/tenants/{tenant_id}/users/{user_id}/roles", {
      params: { path: userPath },
      body: { role_id: role.id },
    }),
  );
  expect("assign role", assigned.role_id === role.id && assigned.status === "active", assigned);

  // 5. ... lists the user's roles,
  const roles = check(
    "list user roles",
    await admin.GET("/v1/tenants/{tenant_id}/users/{user_id}/roles", { params: { path: userPath } }),
  );
  expect(
    "list user roles",
    roles.items.length === 1 && roles.items[0]?.role_id === role.id && roles.next_cursor === null,
    roles,
  );

  // 6. ... and checks a permission the role grants, then one it does not.
  const allowed = check(
    "check documents:write",
    await admin.POST("/v1/tenants/{tenant_id}/check", {
      params: { path },
      body: { user_id: user.id, permission: "documents:write" },
    }),
  );
  expect("check documents:write", allowed.allowed && allowed.matched?.role_id === role.id, allowed);
  const denied = check(
    "check billing:read",
    await admin.POST("/v1/tenants/{tenant_id}/check", {
      params: { path },
      body: { user_id: user.id, permission: "billing:read" },
    }),
  );
  expect("check billing:read", !denied.allowed && denied.matched === null, denied);

  console.log(
    `quickstart: ok (tenant ${tenant}, user ${user.id} holds ${role.id}, ` +
      `documents:write allowed at revision ${allowed.revision})`,
  );
}

main().catch((err: unknown) => {
  let msg = String(err);
  if (err instanceof QuickstartError) {
    msg = err.message;
  } else if (err instanceof TypeError && err.cause instanceof Error) {
    msg = `cannot reach ${server} (${err.cause.message}): is the server running? set ROSTER_SERVER`;
  } else if (err instanceof Error) {
    msg = err.stack ?? err.message;
  }
  console.error(`quickstart: FAILED: ${msg}`);
  process.exit(1);
});
