package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/server/servertest"
)

// securityEnv is a tenant with an administrator, a helpdesk account
// (users:read, users:write, assignments:write, tokens:write) and a weak user.
type securityEnv struct {
	env                          *servertest.Env
	base, admin, adminID         string
	helpdesk, helpdeskID, weakID string
}

func newSecurityEnv(t *testing.T, tenant, mode string) *securityEnv {
	env := servertest.New(t)
	body := `{"id":"` + tenant + `","name":"T","admin":{"email":"admin@` + tenant + `.test"}}`
	if mode != "" {
		body = `{"id":"` + tenant + `","name":"T","settings":{"assignment_mode":"` + mode + `"},"admin":{"email":"admin@` + tenant + `.test"}}`
	}
	s := &securityEnv{env: env, base: "/v1/tenants/" + tenant}
	s.admin = mustCall(t, env, servertest.OperatorToken, "POST", "/v1/tenants", body, 201)["admin_token"].(string)
	s.adminID = me(t, env, s.base, s.admin)
	s.helpdesk = callerWith(t, env, tenant, s.admin, "users:read", "users:write", "assignments:write", "tokens:write", "roles:read")
	s.helpdeskID = me(t, env, s.base, s.helpdesk)
	mustCall(t, env, s.admin, "POST", s.base+"/roles", `{"name":"weak","display_name":"W","permissions":["users:read"]}`, 201)
	s.weakID = mustCall(t, env, s.admin, "POST", s.base+"/users", `{"email":"weak@`+tenant+`.test","roles":["role_weak"]}`, 201)["id"].(string)
	return s
}

func me(t *testing.T, env *servertest.Env, base, token string) string {
	return mustCall(t, env, token, "GET", base+"/users/me", "", 200)["id"].(string)
}

// A helpdesk account cannot lock out an administrator (finding 3): every
// change to a stronger user is 403 and changes nothing; the same changes to
// a weaker user go through.
func TestStrongerUser(t *testing.T) {
	s := newSecurityEnv(t, "help", "")
	adminToken := mustCall(t, s.env, s.admin, "GET", s.base+"/users/me/tokens", "", 200)["items"].([]any)[0].(map[string]any)["id"].(string)
	for _, tt := range []struct{ name, method, path, body string }{
		{"disable", "PATCH", "/users/{u}", `{"status":"disabled"}`},
		{"change email", "PATCH", "/users/{u}", `{"email":"mallory@help.test"}`},
		{"change external id", "PATCH", "/users/{u}", `{"external_user_id":"mallory"}`},
		{"change username", "PATCH", "/users/{u}", `{"username":"mallory"}`},
		{"delete", "DELETE", "/users/{u}", ``},
		{"revoke its token", "DELETE", "/users/{u}/tokens/" + adminToken, ``},
		{"mint a token for it", "POST", "/users/{u}/tokens", `{"name":"x","scopes":["users:read"]}`},
		{"remove role_admin", "DELETE", "/users/{u}/roles/role_admin", ``},
		{"replace its roles", "PUT", "/users/{u}/roles", `{"assignments":[]}`},
		{"patch its roles", "PATCH", "/users/{u}", `{"roles":[]}`},
		{"relationships delete", "DELETE", "/roles/role_admin/relationships/assigned_users", `{"data":[{"type":"users","id":"{u}"}]}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := s.env.Revision("help")
			status, b := call(t, s.env, s.helpdesk, tt.method, s.base+subst(tt.path, s.adminID), subst(tt.body, s.adminID))
			require.Equal(t, http.StatusForbidden, status, "%s", b)
			require.Equal(t, before, s.env.Revision("help"))
		})
	}
	mustCall(t, s.env, s.admin, "GET", s.base+"/users/me", "", 200) // still works
	// The weaker user is the helpdesk's to manage.
	mustCall(t, s.env, s.helpdesk, "PATCH", s.base+"/users/"+s.weakID, `{"email":"weak2@help.test"}`, 200)
	mustCall(t, s.env, s.helpdesk, "POST", s.base+"/users/"+s.weakID+"/tokens", `{"name":"x","scopes":["users:read"]}`, 201)
	mustCall(t, s.env, s.helpdesk, "PATCH", s.base+"/users/"+s.weakID, `{"status":"disabled"}`, 200)
	mustCall(t, s.env, s.helpdesk, "DELETE", s.base+"/users/"+s.weakID, ``, 204)
}

// In a single-role tenant, assigning any role replaces the user's role:
// doing it to a stronger user is taking its role away.
func TestStrongerUser_singleRoleReplacement(t *testing.T) {
	s := newSecurityEnv(t, "single", "single")
	status, b := call(t, s.env, s.helpdesk, "POST", s.base+"/users/"+s.adminID+"/roles", `{"role_id":"role_weak"}`)
	require.Equal(t, http.StatusForbidden, status, "%s", b)
	status, b = call(t, s.env, s.helpdesk, "POST", s.base+"/roles/role_weak/relationships/assigned_users", `{"data":[{"type":"users","id":"`+s.adminID+`"}]}`)
	require.Equal(t, http.StatusForbidden, status, "%s", b)
}

// The last administrator stays (409), and the operator can always add one.
func TestLastAdministrator(t *testing.T) {
	s := newSecurityEnv(t, "last", "")
	for _, tt := range []struct{ name, method, path, body string }{
		{"remove its own role_admin", "DELETE", "/users/me/roles/role_admin", ``},
		{"replace its own roles", "PUT", "/users/me/roles", `{"assignments":[]}`},
		{"patch its own roles", "PATCH", "/users/{u}", `{"roles":[]}`},
		{"disable itself", "PATCH", "/users/{u}", `{"status":"disabled"}`},
		{"delete itself", "DELETE", "/users/{u}", ``},
		{"relationships remove", "DELETE", "/roles/role_admin/relationships/assigned_users", `{"data":[{"type":"users","id":"{u}"}]}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := s.env.Revision("last")
			status, b := call(t, s.env, s.admin, tt.method, s.base+subst(tt.path, s.adminID), subst(tt.body, s.adminID))
			require.Equal(t, http.StatusConflict, status, "%s", b)
			require.Equal(t, "conflict", string(problem(t, b).Code))
			require.Equal(t, before, s.env.Revision("last"))
		})
	}

	// Only the operator adds administrators, for an existing user or a new one.
	status, _ := call(t, s.env, s.admin, "POST", s.base+"/admins", `{"email":"second@last.test"}`)
	require.Equal(t, http.StatusForbidden, status)
	status, _ = call(t, s.env, servertest.OperatorToken, "POST", "/v1/tenants/nowhere/admins", `{"email":"a@b.test"}`)
	require.Equal(t, http.StatusNotFound, status)
	res := mustCall(t, s.env, servertest.OperatorToken, "POST", s.base+"/admins", `{"email":"Weak@last.test"}`, 201)
	require.Equal(t, s.weakID, res["admin_user"].(map[string]any)["id"], "an existing user, found by email ignoring case")
	second := res["admin_token"].(string)
	perms := mustCall(t, s.env, second, "GET", s.base+"/users/me/permissions", "", 200)["permissions"].([]any)
	require.Contains(t, perms, "*:*")
	// With a second administrator, the first may step down.
	mustCall(t, s.env, s.admin, "DELETE", s.base+"/users/me/roles/role_admin", ``, 204)
	status, _ = call(t, s.env, second, "PATCH", s.base+"/users/"+s.weakID, `{"status":"disabled"}`)
	require.Equal(t, http.StatusConflict, status, "the last one again")

	// A tenant that lost every administrator (disabled behind the API's
	// back) gets one back, enabled.
	_, err := s.env.Store.DB().Exec(`UPDATE users SET status = 'disabled' WHERE tenant_id = 'last'`)
	require.NoError(t, err)
	res = mustCall(t, s.env, servertest.OperatorToken, "POST", s.base+"/admins", `{"email":"weak@last.test"}`, 201)
	require.Equal(t, "active", res["admin_user"].(map[string]any)["status"])
	mustCall(t, s.env, res["admin_token"].(string), "GET", s.base+"/roles", "", 200)
	s.env.RepairsExpected = true // the UPDATE above bypassed the store on purpose
}

// Tokens (findings 4 and 6): one for another user needs explicit scopes; a
// scoped token manages only itself; a token minted with a token ends no
// later than it.
func TestTokenLimits(t *testing.T) {
	s := newSecurityEnv(t, "tok", "")
	status, b := call(t, s.env, s.helpdesk, "POST", s.base+"/users/"+s.weakID+"/tokens", `{"name":"x"}`)
	require.Equal(t, http.StatusBadRequest, status, "an unscoped token for another user would grow with its roles: %s", b)

	inAnHour := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	nothing := mustCall(t, s.env, s.admin, "POST", s.base+"/users/me/tokens",
		`{"name":"nothing","scopes":[],"expires_at":"`+inAnHour.Format(time.RFC3339)+`"}`, 201)
	empty := nothing["token"].(string)
	var other string
	for _, it := range mustCall(t, s.env, s.admin, "GET", s.base+"/users/me/tokens", "", 200)["items"].([]any) {
		if id := it.(map[string]any)["id"].(string); id != nothing["id"] {
			other = id
		}
	}
	for _, tt := range []struct {
		name, method, path, body string
		status                   int
	}{
		{"revoke another token of its user", "DELETE", "/users/me/tokens/" + other, ``, 403},
		{"mint beyond its scopes", "POST", "/users/me/tokens", `{"name":"x","scopes":["users:read"]}`, 403},
		{"mint outliving itself", "POST", "/users/me/tokens", `{"name":"x","scopes":[],"expires_at":"2099-01-01T00:00:00Z"}`, 403},
	} {
		status, b := call(t, s.env, empty, tt.method, s.base+tt.path, tt.body)
		require.Equal(t, tt.status, status, "%s: %s", tt.name, b)
	}
	child := mustCall(t, s.env, empty, "POST", s.base+"/users/me/tokens", `{"name":"child","scopes":[]}`, 201)
	end, err := time.Parse(time.RFC3339, child["expires_at"].(string))
	require.NoError(t, err)
	require.False(t, end.After(inAnHour), "a token minted with a token ends with it")
	list := mustCall(t, s.env, empty, "GET", s.base+"/users/me/tokens", "", 200)["items"].([]any)
	require.Len(t, list, 1, "a scoped token lists only itself")
	require.Equal(t, nothing["id"], list[0].(map[string]any)["id"])
	mustCall(t, s.env, empty, "DELETE", s.base+"/users/me/tokens/"+nothing["id"].(string), ``, 204)
}

// PATCH roles over an expired or pending row grants the role afresh
// (finding 10): afterwards the user holds exactly the roles sent.
func TestPatchRolesOverInactiveRows(t *testing.T) {
	s := newSecurityEnv(t, "rows", "")
	mustCall(t, s.env, s.admin, "POST", s.base+"/roles", `{"name":"later","display_name":"L","permissions":["reports:read"]}`, 201)
	tomorrow := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	mustCall(t, s.env, s.admin, "POST", s.base+"/users/"+s.weakID+"/roles", `{"role_id":"role_later","not_before":"`+tomorrow+`"}`, 201)
	mustCall(t, s.env, s.admin, "PATCH", s.base+"/users/"+s.weakID, `{"roles":["role_weak","role_later"]}`, 200)
	perms := mustCall(t, s.env, s.admin, "GET", s.base+"/users/"+s.weakID+"/permissions", "", 200)["permissions"].([]any)
	require.Contains(t, perms, "reports:read", "the pending row no longer holds the role back")
}

// A grant ends no later than the granter's own holding (finding 11): a
// one-hour holder re-assigning its role to itself cannot make it permanent.
func TestGrantTimeLimit(t *testing.T) {
	s := newSecurityEnv(t, "time", "")
	mustCall(t, s.env, s.admin, "POST", s.base+"/roles", `{"name":"temp","display_name":"T",`+
		`"permissions":["users:read","users:write","assignments:write","roles:read"]}`, 201)
	inAnHour := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	u := mustCall(t, s.env, s.admin, "POST", s.base+"/users", `{"email":"temp@time.test"}`, 201)["id"].(string)
	mustCall(t, s.env, s.admin, "POST", s.base+"/users/"+u+"/roles", `{"role_id":"role_temp","expires_at":"`+inAnHour.Format(time.RFC3339)+`"}`, 201)
	tok := mustCall(t, s.env, s.admin, "POST", s.base+"/users/"+u+"/tokens", `{"name":"t"}`, 201)["token"].(string)

	status, b := call(t, s.env, tok, "POST", s.base+"/users/me/roles", `{"role_id":"role_temp","expires_at":"2099-01-01T00:00:00Z"}`)
	require.Equal(t, http.StatusForbidden, status, "%s", b)
	got := mustCall(t, s.env, tok, "POST", s.base+"/users/me/roles", `{"role_id":"role_temp"}`, 200)
	end, err := time.Parse(time.RFC3339, got["expires_at"].(string))
	require.NoError(t, err)
	require.False(t, end.After(inAnHour), "re-granted without an end, it still ends with the granter's holding")
	got = mustCall(t, s.env, tok, "POST", s.base+"/users/"+s.weakID+"/roles", `{"role_id":"role_temp"}`, 201)
	require.NotNil(t, got["expires_at"], "a grant to another user ends with the granter's holding too")
}

func subst(s, user string) string { return strings.ReplaceAll(s, "{u}", user) }
