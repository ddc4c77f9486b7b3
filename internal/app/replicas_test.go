package app_test

import (
	"database/sql"
	"net/http"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/rosterhq/roster/internal/store/pgtest"
)

// converge is the bound the contract promises for a write through one
// replica to reach another without min_revision.
const converge = time.Second

// TestReplicas_coherent runs two replica processes, A and B, on one
// PostgreSQL (and C, which never polls, to show that min_revision alone
// reads a write at once). Writes go through A; B must see them at once with
// min_revision and within a second without; revoked tokens and disabled
// users must stop working on B within a second; and B must converge again
// after its connections are cut and after PostgreSQL restarts.
func TestReplicas_coherent(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	rs := startReplicas(t, dsn, map[string]string{"a": "", "b": "", "c": "-1s"})
	a, b, c := rs["a"], rs["b"], rs["c"]
	op := replicaToken

	var created struct {
		AdminUser  struct{ ID string } `json:"admin_user"`
		AdminToken string              `json:"admin_token"`
	}
	a.must(http.StatusCreated, op, http.MethodPost, "/v1/tenants",
		map[string]any{"id": "t1", "name": "T1", "admin": map[string]string{"email": "admin@t1.test"}}, &created)
	admin := created.AdminToken
	base := "/v1/tenants/t1"
	var role, checker, user struct{ ID string }
	a.must(http.StatusCreated, admin, http.MethodPost, base+"/roles",
		map[string]any{"name": "reader", "display_name": "Reader", "permissions": []string{"docs:read"}}, &role)
	a.must(http.StatusCreated, admin, http.MethodPost, base+"/roles",
		map[string]any{"name": "checker", "display_name": "Checker", "permissions": []string{"checks:read"}}, &checker)
	a.must(http.StatusCreated, admin, http.MethodPost, base+"/users", map[string]any{"email": "u@t1.test"}, &user)

	// B and C load the tenant's engine before the write they must learn of.
	for _, r := range []*replica{b, c} {
		if r.allowed(admin, "t1", user.ID, "docs:read", "") {
			t.Fatalf("%s: allowed before the assignment", r.name)
		}
	}

	step(t, "min_revision reads a write at once", func(t *testing.T) {
		rev := a.must(http.StatusCreated, admin, http.MethodPost, base+"/users/"+user.ID+"/roles", map[string]string{"role_id": role.ID}, nil)
		if !c.allowed(admin, "t1", user.ID, "docs:read", rev) || !b.allowed(admin, "t1", user.ID, "docs:read", rev) {
			t.Fatal("a check at min_revision does not see the write")
		}
	})

	step(t, "without min_revision within a second", func(t *testing.T) {
		a.must(http.StatusNoContent, admin, http.MethodDelete, base+"/users/"+user.ID+"/roles/"+role.ID, nil, nil)
		within(t, converge, "unassignment reaches B", func() bool { return !b.allowed(admin, "t1", user.ID, "docs:read", "") })
		// C never polls: without min_revision it still answers from before,
		// which is what B's poller saves it from.
		if !c.allowed(admin, "t1", user.ID, "docs:read", "") {
			t.Fatal("C learned of the write without polling: the test proves nothing")
		}
	})

	step(t, "token revocation within a second", func(t *testing.T) {
		var tok struct{ ID, Token string }
		a.must(http.StatusCreated, admin, http.MethodPost, base+"/users/"+created.AdminUser.ID+"/tokens", map[string]string{"name": "ci"}, &tok)
		b.allowed(tok.Token, "t1", user.ID, "docs:read", "") // now in B's token cache
		a.must(http.StatusNoContent, admin, http.MethodDelete, base+"/users/"+created.AdminUser.ID+"/tokens/"+tok.ID, nil, nil)
		within(t, converge, "revocation reaches B", func() bool {
			code, _ := b.call(tok.Token, http.MethodPost, base+"/check", map[string]string{"user_id": user.ID, "permission": "docs:read"}, nil)
			return code == http.StatusUnauthorized
		})
	})

	step(t, "user disable within a second", func(t *testing.T) {
		var ops struct{ ID string }
		a.must(http.StatusCreated, admin, http.MethodPost, base+"/users", map[string]any{"email": "ops@t1.test", "roles": []string{checker.ID}}, &ops)
		var tok struct{ Token string }
		a.must(http.StatusCreated, admin, http.MethodPost, base+"/users/"+ops.ID+"/tokens", map[string]string{"name": "ops"}, &tok)
		// The new user reaches B's engine within a poll; until then B
		// answers 403 to its token.
		within(t, converge, "new user's token works on B", func() bool {
			code, _ := b.call(tok.Token, http.MethodPost, base+"/check", map[string]string{"user_id": user.ID, "permission": "docs:read"}, nil)
			return code == http.StatusOK
		}) // and is now cached on B
		a.must(http.StatusOK, admin, http.MethodPatch, base+"/users/"+ops.ID, map[string]string{"status": "disabled"}, nil)
		within(t, converge, "disabled user's token refused on B", func() bool {
			code, _ := b.call(tok.Token, http.MethodPost, base+"/check", map[string]string{"user_id": user.ID, "permission": "docs:read"}, nil)
			return code == http.StatusUnauthorized
		})
	})

	// assignConverges assigns through A (retrying while A's own pool
	// recovers) and waits for B to see it, then takes it back.
	assignConverges := func(t *testing.T, what string) {
		var rev string
		within(t, 10*time.Second, what+": A writes again", func() bool {
			code, r := a.call(admin, http.MethodPost, base+"/users/"+user.ID+"/roles", map[string]string{"role_id": role.ID}, nil)
			rev = r
			// 200: an earlier attempt committed although its answer was
			// lost (the client gave up while A's pool reconnected).
			return code == http.StatusCreated || code == http.StatusOK
		})
		within(t, 10*time.Second, what+": B converges", func() bool {
			code, _ := b.call(admin, http.MethodPost, base+"/check", map[string]string{"user_id": user.ID, "permission": "docs:read"}, nil)
			return code == http.StatusOK && b.allowed(admin, "t1", user.ID, "docs:read", "")
		})
		if !b.allowed(admin, "t1", user.ID, "docs:read", rev) {
			t.Fatal("B at min_revision")
		}
		a.must(http.StatusNoContent, admin, http.MethodDelete, base+"/users/"+user.ID+"/roles/"+role.ID, nil, nil)
		within(t, converge, what+": B converges within a second once healthy", func() bool {
			return !b.allowed(admin, "t1", user.ID, "docs:read", "")
		})
	}

	step(t, "after B's connections are cut", func(t *testing.T) {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var cut int
		if err := db.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'replica-b'`).Scan(&cut); err != nil {
			t.Fatal(err)
		}
		if cut == 0 {
			t.Fatal("B holds no connection to cut")
		}
		assignConverges(t, "connections cut")
	})

	step(t, "after PostgreSQL restarts", func(t *testing.T) {
		srv := pgtest.Local(t)
		if srv == nil {
			t.Log("the server is " + pgtest.EnvDSN + ": not ours to restart")
			return
		}
		if err := srv.Restart(); err != nil {
			t.Fatal(err)
		}
		assignConverges(t, "server restarted")
	})
}

// step runs one stage of a scenario whose replicas report failures to the
// top-level test (so no subtests).
func step(t *testing.T, name string, fn func(t *testing.T)) {
	t.Helper()
	t.Log("== " + name)
	fn(t)
}
