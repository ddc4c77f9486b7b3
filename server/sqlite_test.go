package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/gen"
	"github.com/rosterhq/roster/internal/auth"
	"github.com/rosterhq/roster/internal/store/gormstore"
	"github.com/rosterhq/roster/server"
)

// app drives the whole application over the real SQLite store and checks
// every answer against the spec, so the handlers' conversions (omitted
// optionals, [] rather than null, headers) are held to the contract.
type app struct {
	h      http.Handler
	router routers.Router
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func newApp(t *testing.T) (*app, string) {
	t.Helper()
	ctx := context.Background()
	st, err := gormstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "roster.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	require.NoError(t, st.Migrate(ctx))
	opSecret, opHash := auth.NewSecret()
	_, err = st.EnsureOperatorToken(ctx, opHash, true)
	require.NoError(t, err)

	spec, err := gen.GetSwagger()
	require.NoError(t, err)
	router, err := gorillamux.NewRouter(spec)
	require.NoError(t, err)
	return &app{
		h:      server.New(server.Config{Store: st, Logger: slog.New(slog.DiscardHandler)}),
		router: router,
	}, opSecret
}

func (a *app) do(t *testing.T, token, method, target string, body any, header ...string) answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, target, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)

	a.checkContract(t, req, rec)
	ans := answer{status: rec.Code, header: rec.Header(), raw: rec.Body.String()}
	if rec.Body.Len() > 0 {
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &ans.body), rec.Body.String())
	}
	return ans
}

// checkContract validates one answer against the spec's response schema.
func (a *app) checkContract(t *testing.T, req *http.Request, rec *httptest.ResponseRecorder) {
	t.Helper()
	route, params, err := a.router.FindRoute(req)
	if err != nil {
		return // not a spec route
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status:  rec.Code,
		Header:  rec.Header(),
		Body:    io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	require.NoError(t, openapi3filter.ValidateResponse(context.Background(), in),
		"%s %s → %d %s", req.Method, req.URL, rec.Code, rec.Body.String())
}

func str(t *testing.T, v any) string {
	t.Helper()
	s, ok := v.(string)
	require.True(t, ok, "%v is not a string", v)
	return s
}

func TestSQLite_flow(t *testing.T) {
	a, op := newApp(t)
	const base = "/v1/tenants/acme"

	// The operator creates a tenant with its admin; the secret comes once.
	res := a.do(t, op, "POST", "/v1/tenants", map[string]any{
		"id": "acme", "name": "Acme", "admin": map[string]any{"email": "ada@acme.test", "first_name": "Ada"},
	})
	require.Equal(t, 201, res.status, res.raw)
	require.NotEmpty(t, res.header.Get("Roster-Revision"))
	admin := str(t, res.body["admin_token"])
	adminUser := res.body["admin_user"].(map[string]any)
	adminID := str(t, adminUser["id"])
	require.Equal(t, []any{"role_admin"}, adminUser["roles"])

	// Tenant admin: me, and operator-only refusals.
	res = a.do(t, admin, "GET", base+"/users/me", nil)
	require.Equal(t, 200, res.status, res.raw)
	require.Equal(t, adminID, res.body["id"])
	require.Equal(t, 403, a.do(t, admin, "GET", "/v1/tenants", nil).status)
	require.Equal(t, 404, a.do(t, op, "GET", base+"/users/me", nil).status)
	require.Equal(t, 404, a.do(t, admin, "GET", "/v1/tenants/other/users", nil).status)

	// Roles, with ETag and If-Match.
	res = a.do(t, admin, "POST", base+"/roles", map[string]any{
		"name": "editor", "display_name": "Editor", "permissions": []string{"documents:read", "documents:write"},
	})
	require.Equal(t, 201, res.status, res.raw)
	etag := res.header.Get("ETag")
	require.NotEmpty(t, etag)
	require.Equal(t, "custom", res.body["type"])
	res = a.do(t, admin, "PUT", base+"/roles/role_editor", map[string]any{"display_name": "Editors"}, "If-Match", `"999"`)
	require.Equal(t, 412, res.status, res.raw)
	res = a.do(t, admin, "PUT", base+"/roles/role_editor", map[string]any{"display_name": "Editors"}, "If-Match", etag)
	require.Equal(t, 200, res.status, res.raw)
	require.NotEqual(t, etag, res.header.Get("ETag"))
	require.Equal(t, 404, a.do(t, admin, "GET", base+"/roles/role_nope", nil).status)
	require.Equal(t, 409, a.do(t, admin, "POST", base+"/roles", map[string]any{
		"name": "EDITOR", "display_name": "x", "permissions": []string{},
	}).status)

	// Users, paginated with opaque cursors.
	var ids []string
	for _, e := range []string{"b@acme.test", "c@acme.test", "d@acme.test"} {
		res = a.do(t, admin, "POST", base+"/users", map[string]any{"email": e})
		require.Equal(t, 201, res.status, res.raw)
		ids = append(ids, str(t, res.body["id"]))
	}
	var seen []string
	target := base + "/users?limit=2"
	for pages := 0; ; pages++ {
		require.Less(t, pages, 5)
		res = a.do(t, admin, "GET", target, nil)
		require.Equal(t, 200, res.status, res.raw)
		for _, it := range res.body["items"].([]any) {
			seen = append(seen, str(t, it.(map[string]any)["id"]))
		}
		next, ok := res.body["next_cursor"].(string)
		if !ok {
			require.Contains(t, res.raw, `"next_cursor":null`)
			break
		}
		target = base + "/users?limit=2&cursor=" + next
	}
	require.Len(t, seen, 4) // the admin and three more
	require.Subset(t, seen, ids)
	res = a.do(t, admin, "GET", base+"/users?cursor=bm90LWlzc3VlZA", nil)
	require.Equal(t, 400, res.status, res.raw)

	// Assignments: 201, then 200 for the same role and scope.
	u := ids[0]
	res = a.do(t, admin, "POST", base+"/users/"+u+"/roles", map[string]any{"role_id": "role_editor", "reason": "on call"})
	require.Equal(t, 201, res.status, res.raw)
	require.Equal(t, adminID, res.body["assigned_by"])
	require.Equal(t, map[string]any{"type": "global"}, res.body["scope"])
	require.Equal(t, 200, a.do(t, admin, "POST", base+"/users/"+u+"/roles", map[string]any{"role_id": "role_editor"}).status)
	res = a.do(t, admin, "POST", base+"/users/"+u+"/roles", map[string]any{"role_id": "role_nope"})
	require.Equal(t, 400, res.status, res.raw)
	require.Contains(t, res.raw, `"field":"role_id"`)
	require.Equal(t, 404, a.do(t, admin, "PUT", base+"/users/"+u+"/roles/role_nope", nil).status)
	res = a.do(t, admin, "PUT", base+"/users/"+u+"/roles/role_editor", nil)
	require.Equal(t, 200, res.status, res.raw)
	res = a.do(t, admin, "GET", base+"/users/"+u+"/roles", nil)
	require.Equal(t, 200, res.status, res.raw)
	require.Len(t, res.body["items"], 1)
	require.Equal(t, 204, a.do(t, admin, "DELETE", base+"/users/"+u+"/roles/role_editor", nil).status)
	require.Equal(t, 404, a.do(t, admin, "DELETE", base+"/users/"+u+"/roles/role_editor", nil).status)

	// Organizations and a scoped assignment.
	res = a.do(t, admin, "POST", base+"/organizations", map[string]any{"name": "Berlin"})
	require.Equal(t, 201, res.status, res.raw)
	org := str(t, res.body["id"])
	res = a.do(t, admin, "PUT", base+"/users/"+u+"/roles", map[string]any{"assignments": []any{
		map[string]any{"role_id": "role_editor"},
		map[string]any{"role_id": "role_editor", "scope": map[string]any{"type": "organization", "organization_id": org}},
	}})
	require.Equal(t, 200, res.status, res.raw)
	require.Len(t, res.body["items"], 2)
	require.Contains(t, res.raw, `"organization_name":"Berlin"`)

	// Tokens: scoped, used, revoked.
	res = a.do(t, admin, "POST", base+"/users/me/tokens", map[string]any{"name": "ci", "scopes": []string{"users:read"}})
	require.Equal(t, 201, res.status, res.raw)
	scoped, tokID := str(t, res.body["token"]), str(t, res.body["id"])
	require.Equal(t, 200, a.do(t, scoped, "GET", base+"/users", nil).status)
	require.Equal(t, 403, a.do(t, scoped, "GET", base+"/roles", nil).status)
	require.Equal(t, 403, a.do(t, scoped, "POST", base+"/users/me/tokens", map[string]any{"name": "wider"}).status)
	res = a.do(t, admin, "GET", base+"/users/me/tokens", nil)
	require.Equal(t, 200, res.status, res.raw)
	require.NotContains(t, res.raw, `"token"`)
	require.Equal(t, 204, a.do(t, admin, "DELETE", base+"/users/me/tokens/"+tokID, nil).status)
	require.Equal(t, 401, a.do(t, scoped, "GET", base+"/users", nil).status)

	// Audit, then deleting the role with its assignments.
	res = a.do(t, admin, "GET", base+"/audit-events?limit=5", nil)
	require.Equal(t, 200, res.status, res.raw)
	require.Len(t, res.body["items"], 5)
	require.Equal(t, 204, a.do(t, admin, "DELETE", base+"/roles/role_editor", nil).status)
	require.Equal(t, 400, a.do(t, admin, "DELETE", base+"/roles/role_admin", nil).status)

	// Health, and the operator deleting the tenant.
	require.Equal(t, 200, a.do(t, "", "GET", "/readyz", nil).status)
	require.Equal(t, 204, a.do(t, op, "DELETE", base, nil).status)
	require.Equal(t, 401, a.do(t, admin, "GET", base+"/users/me", nil).status)
	require.Equal(t, 404, a.do(t, op, "GET", base, nil).status)
}

func TestSQLite_noEscalation(t *testing.T) {
	a, op := newApp(t)
	const base = "/v1/tenants/acme"
	res := a.do(t, op, "POST", "/v1/tenants", map[string]any{"id": "acme", "name": "Acme", "admin": map[string]any{"email": "ada@acme.test"}})
	require.Equal(t, 201, res.status, res.raw)
	admin := str(t, res.body["admin_token"])
	adminID := str(t, res.body["admin_user"].(map[string]any)["id"])

	// A manager may manage roles, users and assignments, but holds no
	// documents permission.
	mgrPerms := []string{"roles:read", "roles:write", "users:read", "users:write", "assignments:write", "tokens:write"}
	require.Equal(t, 201, a.do(t, admin, "POST", base+"/roles", map[string]any{"name": "manager", "display_name": "M", "permissions": mgrPerms}).status)
	require.Equal(t, 201, a.do(t, admin, "POST", base+"/roles", map[string]any{"name": "editor", "display_name": "E", "permissions": []string{"documents:write"}}).status)
	require.Equal(t, 201, a.do(t, admin, "POST", base+"/roles", map[string]any{"name": "senior", "display_name": "S", "permissions": []string{}, "inherits_from": []string{"role_editor"}}).status)
	res = a.do(t, admin, "POST", base+"/users", map[string]any{"email": "mgr@acme.test", "roles": []string{"role_manager"}})
	require.Equal(t, 201, res.status, res.raw)
	mgrID := str(t, res.body["id"])
	res = a.do(t, admin, "POST", base+"/users/"+mgrID+"/tokens", map[string]any{"name": "m"})
	require.Equal(t, 201, res.status, res.raw)
	mgr := str(t, res.body["token"])
	res = a.do(t, admin, "POST", base+"/users", map[string]any{"email": "x@acme.test"})
	require.Equal(t, 201, res.status, res.raw)
	x := str(t, res.body["id"])

	tests := []struct {
		name   string
		method string
		target string
		body   any
		status int
	}{
		{"create a role beyond its own", "POST", base + "/roles", map[string]any{"name": "r1", "display_name": "R", "permissions": []string{"documents:read"}}, 403},
		{"create a role inheriting beyond", "POST", base + "/roles", map[string]any{"name": "r2", "display_name": "R", "permissions": []string{}, "inherits_from": []string{"role_senior"}}, 403},
		{"create a role within its own", "POST", base + "/roles", map[string]any{"name": "r3", "display_name": "R", "permissions": []string{"users:read"}}, 201},
		{"widen a role", "PUT", base + "/roles/role_r3", map[string]any{"permissions": []string{"documents:read"}}, 403},
		{"grant a role beyond its own", "POST", base + "/users/" + x + "/roles", map[string]any{"role_id": "role_editor"}, 403},
		{"grant an inherited role beyond", "PUT", base + "/users/" + x + "/roles/role_senior", nil, 403},
		{"replace with a role beyond", "PUT", base + "/users/" + x + "/roles", map[string]any{"assignments": []any{map[string]any{"role_id": "role_editor"}}}, 403},
		{"patch roles beyond", "PATCH", base + "/users/" + x, map[string]any{"roles": []string{"role_editor"}}, 403},
		{"grant a role within its own", "POST", base + "/users/" + x + "/roles", map[string]any{"role_id": "role_r3"}, 201},
		{"mint an unscoped token for another user", "POST", base + "/users/" + x + "/tokens", map[string]any{"name": "t"}, 400},
		{"mint a scoped token for a weaker user", "POST", base + "/users/" + x + "/tokens", map[string]any{"name": "t", "scopes": []string{"users:read"}}, 201},
		{"mint a scoped token within its own for a stronger user", "POST", base + "/users/" + adminID + "/tokens", map[string]any{"name": "t", "scopes": []string{"users:read"}}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := a.do(t, mgr, tt.method, tt.target, tt.body)
			require.Equal(t, tt.status, res.status, res.raw)
		})
	}
	// roles:escalate lifts the rule.
	res = a.do(t, admin, "PUT", base+"/roles/role_manager", map[string]any{"permissions": append(mgrPerms, "roles:escalate")})
	require.Equal(t, 200, res.status, res.raw)
	res = a.do(t, mgr, "POST", base+"/users/"+x+"/roles", map[string]any{"role_id": "role_editor"})
	require.Equal(t, 201, res.status, res.raw)
}
