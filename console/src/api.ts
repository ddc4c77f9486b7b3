// The console's API client: openapi-fetch typed by the types openapi-typescript
// generates from openapi.yaml (scripts/ts/src/roster.d.ts, `make gen`), so a
// call the spec does not describe does not compile. The token lives in the
// tab's session storage only and travels in the Authorization header, never
// in a URL.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "../../scripts/ts/src/roster";

export type Schemas = components["schemas"];
export type Problem = Schemas["Problem"];
export type Role = Schemas["Role"];
export type User = Schemas["User"];
export type Group = Schemas["Group"];
export type Organization = Schemas["Organization"];
export type Assignment = Schemas["Assignment"];
export type EvaluatedRole = Schemas["EvaluatedRole"];
export type Token = Schemas["Token"];
export type AuditEvent = Schemas["AuditEvent"];
export type Tenant = Schemas["Tenant"];
export type Scope = Schemas["Scope"];
export type GrantInterval = Schemas["GrantInterval"];
export type CheckResult = Schemas["CheckResult"];
export type BulkResult = Schemas["BulkResult"];

const storageKey = "roster.console.session";

export interface Session {
  token: string;
  tenant: string;
  operator: boolean;
}

export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(storageKey);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export function saveSession(s: Session | null): void {
  if (s) sessionStorage.setItem(storageKey, JSON.stringify(s));
  else sessionStorage.removeItem(storageKey);
}

// ApiError is a failed call: the problem the server answered (or one made
// up for a network failure), with its field errors.
export class ApiError extends Error {
  constructor(
    public status: number,
    public problem: Partial<Problem>,
  ) {
    super(problem.detail || problem.title || `HTTP ${status}`);
  }
  // fieldError is the message for one form field: a field error naming it
  // or one of its members (permissions[2], scope.organization_id).
  fieldError(field: string): string | undefined {
    const e = (this.problem.errors ?? []).find(
      (f) => f.field === field || f.field.startsWith(field + "[") || f.field.startsWith(field + "."),
    );
    return e ? (e.field === field ? e.message : `${e.field}: ${e.message}`) : undefined;
  }
}

let current: Session | null = loadSession();
let onUnauthorized: () => void = () => {};

export function setSession(s: Session | null): void {
  current = s;
  saveSession(s);
}
export function session(): Session | null {
  return current;
}
export function whenUnauthorized(f: () => void): void {
  onUnauthorized = f;
}

const auth: Middleware = {
  onRequest({ request }) {
    if (current) request.headers.set("Authorization", `Bearer ${current.token}`);
    return request;
  },
};

// The newest revision this tab's writes reported for the session's tenant:
// evaluated reads and checks ask for at least it (min_revision), so that
// behind several replicas the page never shows data older than its own writes.
let seen = { tenant: "", revision: 0 };

const revisions: Middleware = {
  onResponse({ response }) {
    const v = Number(response.headers.get("Roster-Revision"));
    const tenant = current?.tenant ?? "";
    if (!v || !new URL(response.url).pathname.startsWith(`/v1/tenants/${encodeURIComponent(tenant)}/`)) return undefined;
    if (seen.tenant !== tenant) seen = { tenant, revision: 0 };
    seen.revision = Math.max(seen.revision, v);
    return undefined;
  },
};

export function minRevision(): { min_revision?: number } {
  return seen.tenant === current?.tenant && seen.revision > 0 ? { min_revision: seen.revision } : {};
}

export const client = createClient<paths>({ baseUrl: location.origin });
client.use(auth, revisions);

// ok unwraps an openapi-fetch answer: its data, or an ApiError.
export async function ok<T>(p: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let res;
  try {
    res = await p;
  } catch (e) {
    throw new ApiError(0, { title: "Network error", detail: `The server could not be reached (${String(e)}).` });
  }
  if (res.error !== undefined || !res.response.ok) {
    const problem = (typeof res.error === "object" && res.error ? res.error : {}) as Partial<Problem>;
    if (res.response.status === 401) onUnauthorized();
    throw new ApiError(res.response.status, { status: res.response.status, ...problem });
  }
  return res.data as T;
}

// t is the tenant path parameter of the signed-in session.
export function t(): { tenant_id: string } {
  return { tenant_id: current?.tenant ?? "" };
}

// okWith is ok with the response too (for its ETag).
export async function okWith<T>(p: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<[T, Response]> {
  let response: Response | undefined;
  const data = await ok(
    p.then((r) => {
      response = r.response;
      return r;
    }),
  );
  return [data, response!];
}
