package server_test

import (
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/rbac"
	"github.com/rosterhq/roster/server/servertest"
)

// Every operation names the permission it needs, and each name is one the
// engine can evaluate (or "operator").
func TestSpec_everyOperationDeclaresPermission(t *testing.T) {
	ops := specOperations(t) // fails on an operation without x-roster-permission
	require.NotEmpty(t, ops)
	for _, op := range ops {
		for _, p := range op.Perms {
			require.True(t, rbac.ValidPermission(p), "%s: x-roster-permission %q is not a permission", op, p)
		}
		if strings.HasPrefix(op.Path, "/v1/") {
			require.False(t, op.Public, "%s: every /v1 operation needs a token", op)
			require.True(t, op.Operator || len(op.Perms) > 0 || op.SubjectInBody, "%s: a /v1 operation that needs no permission", op)
		}
		_, known := opRequests[strings.ToLower(op.ID)]
		require.True(t, known, "operation %s is new: add it to opRequests in specops_test.go", op)
	}
}

// TestPermissionMatrix: for every operation of the spec, a caller holding
// exactly the permissions it declares succeeds; a caller missing any one of
// them (as a user, or as a `*:*` user's token scoped without it) gets 403
// and changes nothing; operator-only operations refuse a `*:*` tenant admin.
func TestPermissionMatrix(t *testing.T) {
	env := servertest.New(t)
	const tn = "matrix"
	admin := newAPITenant(t, env, tn)
	tokens := map[string]string{}
	holding := func(t *testing.T, perms []string) string {
		key := strings.Join(sorted(perms), ",")
		if tok, ok := tokens[key]; ok {
			return tok
		}
		tokens[key] = callerWith(t, env, tn, admin, perms...)
		return tokens[key]
	}
	scopedAdmin := func(t *testing.T, scopes []string) string {
		body := `{"name":"scoped","scopes":["` + strings.Join(scopes, `","`) + `"]}`
		if len(scopes) == 0 {
			body = `{"name":"scoped","scopes":[]}`
		}
		res := mustCall(t, env, admin, "POST", "/v1/tenants/"+tn+"/users/me/tokens", body, 201)
		return res["token"].(string)
	}

	for _, op := range specOperations(t) {
		t.Run(op.ID, func(t *testing.T) {
			switch {
			case op.Public:
				path, body := requestFor(t, op, fixture{Tenant: tn})
				status, b := call(t, env, "", op.Method, path, body)
				require.Equal(t, http.StatusOK, status, "%s", b)

			case op.Operator:
				// A *:* admin of the tenant in the path is refused...
				path, body := requestFor(t, op, fixture{Tenant: tn})
				before := env.Revision(tn)
				status, b := call(t, env, admin, op.Method, path, body)
				require.Equal(t, http.StatusForbidden, status, "%s", b)
				require.Equal(t, "forbidden", string(problem(t, b).Code))
				require.Equal(t, before, env.Revision(tn))
				// ...and the operator succeeds (on a tenant of its own, since
				// deleting one is among these operations).
				throwaway := "op-" + fresh()
				mustCall(t, env, servertest.OperatorToken, "POST", "/v1/tenants", `{"id":"`+throwaway+`","name":"T"}`, 201)
				path, body = requestFor(t, op, fixture{Tenant: throwaway})
				status, b = call(t, env, servertest.OperatorToken, op.Method, path, body)
				require.True(t, status >= 200 && status < 300, "operator: %d %s", status, b)

			default:
				f := newFixture(t, env, tn, admin)
				path, body := requestFor(t, op, f)
				for i, missing := range op.Perms {
					rest := slices.Delete(slices.Clone(op.Perms), i, i+1)
					for name, tok := range map[string]string{
						"user without " + missing:             holding(t, rest),
						"*:* token scoped without " + missing: scopedAdmin(t, rest),
					} {
						before, audits := env.Revision(tn), env.AuditCount(tn)
						status, b := call(t, env, tok, op.Method, path, body)
						require.Equal(t, http.StatusForbidden, status, "%s: %s", name, b)
						require.Equal(t, "forbidden", errorCode(t, op, status, b), name)
						require.Equal(t, before, env.Revision(tn), "%s: a refused request wrote", name)
						require.Equal(t, audits, env.AuditCount(tn), "%s: a refused request was audited", name)
					}
				}
				tok := holding(t, op.Perms)
				before, audits := env.Revision(tn), env.AuditCount(tn)
				resp, b := env.Do(op.Method, path, tok, body)
				require.True(t, resp.StatusCode >= 200 && resp.StatusCode < 300,
					"a caller holding exactly %v: %d %s", op.Perms, resp.StatusCode, b)
				requireAudited(t, env, op, resp, tok, before, audits)
			}
		})
	}
}

func sorted(ss []string) []string {
	out := slices.Clone(ss)
	sort.Strings(out)
	return out
}

// requireAudited: a read changes nothing; a write reports the tenant's
// revision, moves it by at most one, and leaves exactly one audit event per
// revision, naming the caller as its actor.
func requireAudited(t *testing.T, env *servertest.Env, op specOp, resp *http.Response, tok string, before int64, audits int) {
	t.Helper()
	const tenant = "matrix"
	// Checks and AuthZEN decisions and searches are reads sent with POST.
	if op.Method == http.MethodGet || strings.HasPrefix(strings.ToLower(op.ID), "checkpermission") || strings.HasPrefix(op.ID, "Authzen") {
		require.Equal(t, before, env.Revision(tenant), "a read moved the revision")
		require.Equal(t, audits, env.AuditCount(tenant), "a read was audited")
		return
	}
	rev := revisionHeader(t, resp)
	require.Equal(t, env.Revision(tenant), rev, "Roster-Revision is not the tenant's revision")
	moved := rev - before
	require.True(t, moved == 0 || moved == 1, "one write moved the revision by %d", moved)
	require.Equal(t, audits+int(moved), env.AuditCount(tenant), "audit events ≠ revisions written")
	if moved == 1 {
		me := mustCall(t, env, tok, "GET", "/v1/tenants/"+tenant+"/users/me", "", 200)
		ev := mustCall(t, env, servertest.OperatorToken, "GET", "/v1/tenants/"+tenant+"/audit-events?limit=1", "", 200)
		items := ev["items"].([]any)
		require.Len(t, items, 1)
		require.Equal(t, me["id"], items[0].(map[string]any)["actor_id"], "the audit event names another actor")
	}
}
