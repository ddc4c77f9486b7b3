package server_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/server/servertest"
)

// TestTenantIsolation: a `*:*` admin token of tenant A, and a self-service
// `me` path, get 404 for every operation of the spec on tenant B's paths —
// reads and writes, with B's real ids and with A's ids — and B is unchanged
// afterwards (revision and audit count).
func TestTenantIsolation(t *testing.T) {
	env := servertest.New(t)
	adminA := newAPITenant(t, env, "tenant-a")
	adminB := newAPITenant(t, env, "tenant-b")
	idsA := newFixture(t, env, "tenant-a", adminA)
	idsB := newFixture(t, env, "tenant-b", adminB)
	// A plain member of A (no permissions) too: 404 must come before 403.
	memberA := callerWith(t, env, "tenant-a", adminA)

	revB, auditB := env.Revision("tenant-b"), env.AuditCount("tenant-b")
	tried := 0
	for _, op := range specOperations(t) {
		if !op.inTenant() {
			continue // no tenant in the path: public, or operator-only (the matrix covers them)
		}
		if op.Public {
			continue // needs no token, so no tenant's token is refused: the AuthZEN metadata is public by the standard
		}
		t.Run(op.ID, func(t *testing.T) {
			guessed := idsA
			guessed.Tenant = "tenant-b"
			me := idsB
			me.User = "me"
			for name, ids := range map[string]fixture{"B's ids": idsB, "A's ids on B's path": guessed, "me on B's path": me} {
				path, body := requestFor(t, op, ids)
				for who, tok := range map[string]string{"A's admin": adminA, "A's member": memberA} {
					status, b := call(t, env, tok, op.Method, path, body)
					require.Equal(t, http.StatusNotFound, status, "%s, %s: %s", who, name, b)
					require.Equal(t, "not_found", errorCode(t, op, status, b))
					tried++
				}
			}
		})
	}
	require.Greater(t, tried, 100)
	require.Equal(t, revB, env.Revision("tenant-b"), "tenant B's revision moved")
	require.Equal(t, auditB, env.AuditCount("tenant-b"), "tenant B gained audit events")

	// B's own admin still sees what it had.
	mustCall(t, env, adminB, "GET", "/v1/tenants/tenant-b/users/"+idsB.User, "", 200)
	mustCall(t, env, adminB, "GET", "/v1/tenants/tenant-b/roles/"+idsB.Role, "", 200)
}
