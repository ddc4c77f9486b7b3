// Operations of API.md that this build's openapi.yaml may not describe yet
// (issue 16: the roles history, `at` on checks, bulk dry runs with their
// impact). They are typed here from API.md and called through api.raw; a
// server without them answers 404 (no such route) or a 400 naming the field
// as unknown or not offered, which the console shows as "not available on
// this server" rather than as an error.
import { ApiError, Schemas, raw, tenantPath } from "./api";

export interface HistoryItem {
  role_id: string;
  scope: Schemas["Scope"];
  source: "direct" | "group";
  group_id?: string;
  from: string;
  until: string | null;
  granted_by: string;
  revoked_by?: string;
  reason?: string;
}

export interface HistoryPage {
  items: HistoryItem[];
  next_cursor: string | null;
}

export interface Impact {
  user_id: string;
  organization_id?: string;
  gained: string[];
  lost: string[];
}

export interface BulkOperation {
  method: "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  body?: unknown;
  if_match?: string;
}

export interface DryRunResult {
  results: { status: number; body?: unknown }[];
  committed: boolean;
  revision: number;
  impact?: Impact[];
  impact_truncated?: boolean;
}

export type CheckResult = Schemas["CheckResult"] & { as_of?: string };

// Unavailable is thrown when the server does not offer the feature.
export class Unavailable extends Error {
  constructor(what: string) {
    super(`${what} is not available on this server.`);
  }
}

function unknownField(e: unknown, field: string): boolean {
  if (!(e instanceof ApiError) || e.status !== 400) return false;
  return (e.problem.errors ?? []).some(
    (f) => f.field === field && /not a known field|not offered|unknown/i.test(f.message),
  );
}

export async function history(userId: string, cursor?: string, roleId?: string): Promise<HistoryPage> {
  const q = new URLSearchParams({ limit: "20" });
  if (cursor) q.set("cursor", cursor);
  if (roleId) q.set("role_id", roleId);
  try {
    return await raw<HistoryPage>("GET", tenantPath(`/users/${encodeURIComponent(userId)}/roles/history?${q}`));
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 405)) {
      throw new Unavailable("The roles history");
    }
    throw e;
  }
}

export async function checkAt(body: Schemas["CheckRequest"], at: string): Promise<CheckResult> {
  try {
    return await raw<CheckResult>("POST", tenantPath("/check"), { ...body, at });
  } catch (e) {
    if (unknownField(e, "at")) throw new Unavailable("Checking at a point in time");
    throw e;
  }
}

export async function dryRun(operations: BulkOperation[]): Promise<DryRunResult> {
  let res: DryRunResult;
  try {
    res = await raw<DryRunResult>("POST", tenantPath("/bulk"), { operations, atomic: true, dry_run: true });
  } catch (e) {
    if (unknownField(e, "dry_run")) throw new Unavailable("The impact preview (bulk dry run)");
    throw e;
  }
  // A server that ignored dry_run would have written: it reports committed.
  if (res.impact === undefined) throw new Unavailable("The impact preview (bulk dry run)");
  return res;
}
