package server

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/gen"
	"github.com/rosterhq/roster/internal/rbac"
)

func TestAuth_statuses(t *testing.T) {
	f := newFixture(t)
	const users = "/v1/tenants/acme/users"
	tests := []struct {
		name   string
		token  string
		method string
		target string
		body   string
		header []string
		status int
		code   string // "" for a success
	}{
		{name: "missing token", method: "GET", target: users, status: 401, code: "unauthorized"},
		{name: "bad token", token: "rst_nope", method: "GET", target: users, status: 401, code: "unauthorized"},
		{name: "not bearer", method: "GET", target: users, header: []string{"Authorization", "Basic Zm9vOmJhcg=="}, status: 401, code: "unauthorized"},
		{name: "401 before 400", method: "GET", target: users + "?limit=0", status: 401, code: "unauthorized"},
		{name: "health needs no token", method: "GET", target: "/healthz", status: 200},
		{name: "ready needs no token", method: "GET", target: "/readyz", status: 200},

		{name: "foreign tenant is 404", token: f.other, method: "GET", target: users, status: 404, code: "not_found"},
		{name: "foreign tenant 404 before 403", token: f.member, method: "GET", target: "/v1/tenants/globex/users", status: 404, code: "not_found"},
		{name: "foreign tenant 404 before 400", token: f.other, method: "GET", target: users + "?limit=0", status: 404, code: "not_found"},
		{name: "operator: unknown tenant is 404", token: f.operator, method: "GET", target: "/v1/tenants/nope/users/usr_x", status: 404, code: "not_found"},

		{name: "operator only: tenant admin", token: f.admin, method: "GET", target: "/v1/tenants", status: 403, code: "forbidden"},
		{name: "operator only: create tenant", token: f.admin, method: "POST", target: "/v1/tenants", body: `{"id":"x1","name":"X"}`, status: 403, code: "forbidden"},
		{name: "operator only: delete tenant", token: f.admin, method: "DELETE", target: "/v1/tenants/acme", status: 403, code: "forbidden"},
		{name: "operator lists tenants", token: f.operator, method: "GET", target: "/v1/tenants", status: 200},

		{name: "member lacks users:read", token: f.member, method: "GET", target: "/v1/tenants/acme/users/usr_admin", status: 403, code: "forbidden"},
		{name: "403 before 400", token: f.member, method: "GET", target: users + "?limit=0", status: 403, code: "forbidden"},
		{name: "reader may read others", token: f.reader, method: "GET", target: "/v1/tenants/acme/users/usr_admin", status: 200},
		{name: "admin passes, then 400", token: f.admin, method: "GET", target: users + "?limit=0", status: 400, code: "validation_error"},

		{name: "me: read self without permission", token: f.member, method: "GET", target: users + "/me", status: 200},
		{name: "me: own id is self too", token: f.member, method: "GET", target: users + "/usr_member", status: 200},
		{name: "me: own roles", token: f.member, method: "GET", target: users + "/me/roles", status: 200},
		{name: "me: own tokens", token: f.member, method: "GET", target: users + "/me/tokens", status: 200},
		{name: "me: mint own token", token: f.member, method: "POST", target: users + "/me/tokens", body: `{"name":"ci"}`, status: 201},
		{name: "me: no self-service for writes", token: f.member, method: "PATCH", target: users + "/me", body: `{"first_name":"A"}`, status: 403, code: "forbidden"},
		{name: "me: others' tokens need tokens:write", token: f.member, method: "GET", target: users + "/usr_admin/tokens", status: 403, code: "forbidden"},
		{name: "me: operator has no user", token: f.operator, method: "GET", target: users + "/me", status: 404, code: "not_found"},
		{name: "me: operator has no user (tokens)", token: f.operator, method: "GET", target: users + "/me/tokens", status: 404, code: "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := f.do(t, tt.token, tt.method, tt.target, tt.body, tt.header...)
			if tt.code == "" {
				require.Equal(t, tt.status, rec.Code, rec.Body.String())
				return
			}
			problemOf(t, rec, tt.status, tt.code)
		})
	}
}

func TestAuth_scopedToken(t *testing.T) {
	f := newFixture(t)
	// An admin token narrowed to users:read may read users but not roles,
	// although its user holds `*:*`.
	scoped := f.store.addToken(rbac.Token{ID: "tok_scoped", TenantID: "acme", UserID: "usr_admin", Scopes: []string{"users:read"}})
	require.Equal(t, 200, f.do(t, scoped, "GET", "/v1/tenants/acme/users/usr_reader", "").Code)
	problemOf(t, f.do(t, scoped, "GET", "/v1/tenants/acme/roles", ""), 403, "forbidden")
	// A scope the user does not hold grants nothing either.
	wide := f.store.addToken(rbac.Token{ID: "tok_wide", TenantID: "acme", UserID: "usr_member", Scopes: []string{"*:*"}})
	problemOf(t, f.do(t, wide, "GET", "/v1/tenants/acme/users/usr_reader", ""), 403, "forbidden")
}

func TestAuth_mintLimits(t *testing.T) {
	f := newFixture(t)
	scoped := f.store.addToken(rbac.Token{ID: "tok_scoped", TenantID: "acme", UserID: "usr_reader", Scopes: []string{"users:read"}})
	// Users exist before the first request, as the fake store has no change feed.
	f.store.addUser("acme", "usr_minter", "tokens:write")
	minter := f.store.addToken(rbac.Token{ID: "tok_minter", TenantID: "acme", UserID: "usr_minter"})
	scopedMinter := f.store.addToken(rbac.Token{ID: "tok_sminter", TenantID: "acme", UserID: "usr_minter", Scopes: []string{"users:read"}})
	soon := fakeNow.Add(time.Hour)
	expiring := f.store.addToken(rbac.Token{ID: "tok_expiring", TenantID: "acme", UserID: "usr_reader", ExpiresAt: &soon})
	const tokens = "/v1/tenants/acme/users/"
	tests := []struct {
		name   string
		token  string
		target string
		body   string
		status int
	}{
		{"reader mints within its permissions", f.reader, tokens + "me/tokens", `{"name":"a","scopes":["users:read"]}`, 201},
		{"reader cannot mint beyond them", f.reader, tokens + "me/tokens", `{"name":"a","scopes":["users:write"]}`, 403},
		{"reader cannot mint a wildcard it lacks", f.reader, tokens + "me/tokens", `{"name":"a","scopes":["users:*"]}`, 403},
		{"scoped token cannot mint unscoped", scoped, tokens + "me/tokens", `{"name":"a"}`, 403},
		{"scoped token cannot widen", scoped, tokens + "me/tokens", `{"name":"a","scopes":["roles:read"]}`, 403},
		{"scoped token may narrow", scoped, tokens + "me/tokens", `{"name":"a","scopes":["users:read"]}`, 201},
		{"admin mints unscoped for the reader", f.admin, tokens + "usr_reader/tokens", `{"name":"a"}`, 201},
		{"a minted token ends no later than the minting one", expiring, tokens + "me/tokens", `{"name":"a","expires_at":"2030-01-02T05:00:00Z"}`, 403},
		{"a minted token inherits the minting one's end", expiring, tokens + "me/tokens", `{"name":"a"}`, 201},
		{"a scoped token mints only for itself", scopedMinter, tokens + "usr_reader/tokens", `{"name":"a","scopes":[]}`, 403},
		{"expiry in the past is 400", f.admin, tokens + "me/tokens", `{"name":"a","expires_at":"2001-01-01T00:00:00Z"}`, 400},
		{"operator mints anything", f.operator, tokens + "usr_member/tokens", `{"name":"a","scopes":["*:*"]}`, 201},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := f.do(t, tt.token, "POST", tt.target, tt.body)
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			if tt.status == 201 {
				require.Contains(t, rec.Body.String(), `"token":"rst_`)
				require.Equal(t, "8", rec.Header().Get("Roster-Revision"))
			}
		})
	}
	// A token for another user needs explicit scopes: an unscoped one would
	// grow with every role its user gets later.
	problemOf(t, f.do(t, minter, "POST", tokens+"usr_admin/tokens", `{"name":"a"}`), 400, "validation_error")
}

func TestAuth_touchesTokenOncePerMinute(t *testing.T) {
	f := newFixture(t)
	f.do(t, f.admin, "GET", "/v1/tenants/acme/users/me", "")
	require.Equal(t, []string{"tok_admin"}, f.store.touched)
}

func TestAuth_assignedByOperator(t *testing.T) {
	f := newFixture(t)
	rec := f.do(t, f.operator, "PUT", "/v1/tenants/acme/users/usr_member/roles/role_x", "")
	require.Equal(t, 200, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), `"assigned_by":"operator"`)
	require.Equal(t, "9", rec.Header().Get("Roster-Revision"))
}

func TestAuth_createUserWithRolesNeedsAssignments(t *testing.T) {
	f := newFixture(t)
	f.store.addUser("acme", "usr_hr", "users:write")
	hr := f.store.addToken(rbac.Token{ID: "tok_hr", TenantID: "acme", UserID: "usr_hr"})
	require.Equal(t, 201, f.do(t, hr, "POST", "/v1/tenants/acme/users", `{"email":"a@b.test"}`).Code)
	problemOf(t, f.do(t, hr, "POST", "/v1/tenants/acme/users", `{"email":"a@b.test","roles":["role_x"]}`), 403, "forbidden")
}

// Every route the generated code registers must be known to the
// authenticator, or it would run without authorization.
func TestBuildOperations_coversEveryRoute(t *testing.T) {
	spec, err := gen.GetSwagger()
	require.NoError(t, err)
	ops, err := buildOperations(spec)
	require.NoError(t, err)
	e := echo.New()
	gen.RegisterHandlers(e, gen.NewStrictHandler(&Server{}, nil))
	for _, r := range e.Routes() {
		op, ok := ops[operationKey(r.Method, r.Path)]
		require.True(t, ok, "%s %s has no operation", r.Method, r.Path)
		if strings.HasPrefix(r.Path, "/v1/") {
			require.False(t, op.public, "%s %s is public", r.Method, r.Path)
		}
	}
	require.True(t, ops[operationKey(http.MethodGet, "/v1/tenants")].operator)
	require.Equal(t, []string{"users:write", "assignments:write"},
		ops[operationKey(http.MethodPost, "/v1/tenants/:tenant_id/users/:user_id/roles")].permissions)
	require.True(t, ops[operationKey(http.MethodGet, "/healthz")].public)
}
