package server_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/server/servertest"
)

// TestBadInput sends each kind of bad request and checks the 400 names the
// field and that nothing changed: neither the revision nor the audit log moved.
func TestBadInput(t *testing.T) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	role := acme.role(t, "viewer", "docs:read")
	user := acme.user(t, "u@acme.test")
	users := "/v1/tenants/acme/users"
	roles := "/v1/tenants/acme/roles"
	assign := users + "/" + user.Id + "/roles"
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)

	cases := []struct {
		name, method, path, body string
		field                    string
	}{
		{"malformed JSON", "POST", roles, `{"name": "x",`, "body"},
		{"unknown field", "POST", roles, `{"name":"x","display_name":"X","permissions":[],"colour":"red"}`, "colour"},
		{"unknown nested field", "POST", assign, `{"role_id":"role_viewer","scope":{"type":"global","planet":"mars"}}`, "scope.planet"},
		{"wrong type", "POST", roles, `{"name":"x","display_name":"X","permissions":"docs:read"}`, "permissions"},
		{"missing required", "POST", roles, `{"name":"x","permissions":[]}`, "display_name"},
		{"bad role name", "POST", roles, `{"name":"-x","display_name":"X","permissions":[]}`, "name"},
		{"bad permission", "POST", roles, `{"name":"x","display_name":"X","permissions":["docs:read","Docs"]}`, "permissions[1]"},
		{"too many permissions", "POST", roles, `{"name":"x","display_name":"X","permissions":[` + strings.Repeat(`"a:b",`, 500) + `"a:c"]}`, "permissions"},
		{"unknown parent", "POST", roles, `{"name":"x","display_name":"X","permissions":[],"inherits_from":["role_nope"]}`, "inherits_from[0]"},
		{"inheriting admin", "POST", roles, `{"name":"x","display_name":"X","permissions":[],"inherits_from":["role_admin"]}`, "inherits_from[0]"},
		{"metadata over 16 KiB", "POST", roles, `{"name":"x","display_name":"X","permissions":[],"metadata":{"k":"` + strings.Repeat("a", 17<<10) + `"}}`, "metadata"},
		{"bad email", "POST", users, `{"email":"not-an-email"}`, "email"},
		{"create user with admin role", "POST", users, `{"email":"n@acme.test","roles":["role_admin"]}`, "roles[0]"},
		{"create user with unknown role", "POST", users, `{"email":"n@acme.test","roles":["role_viewer","role_nope"]}`, "roles[1]"},
		{"assign admin", "POST", assign, `{"role_id":"role_admin"}`, "role_id"},
		{"assign unknown role", "POST", assign, `{"role_id":"role_nope"}`, "role_id"},
		{"unknown organization", "POST", assign, `{"role_id":"role_viewer","scope":{"type":"organization","organization_id":"org_nope"}}`, "scope.organization_id"},
		{"organization scope without id", "POST", assign, `{"role_id":"role_viewer","scope":{"type":"organization"}}`, "scope.organization_id"},
		{"bad scope type", "POST", assign, `{"role_id":"role_viewer","scope":{"type":"planet"}}`, "scope.type"},
		{"expired window", "POST", assign, `{"role_id":"role_viewer","expires_at":"` + past + `"}`, "expires_at"},
		{"window ends before it starts", "POST", assign, `{"role_id":"role_viewer","not_before":"` + future + `","expires_at":"` + future + `"}`, "expires_at"},
		{"bad timestamp", "POST", assign, `{"role_id":"role_viewer","expires_at":"tomorrow"}`, "expires_at"},
		{"reason too long", "POST", assign, `{"role_id":"role_viewer","reason":"` + strings.Repeat("r", 501) + `"}`, "reason"},
		{"replace with one bad entry", "PUT", assign, `{"assignments":[{"role_id":"role_viewer"},{"role_id":"role_nope"}]}`, "assignments[1].role_id"},
		{"replace with admin", "PUT", assign, `{"assignments":[{"role_id":"role_admin"}]}`, "assignments[0].role_id"},
		{"PUT-add admin", "PUT", assign + "/role_admin", ``, "role_id"},
		{"limit zero", "GET", users + "?limit=0", ``, "limit"},
		{"limit over 100", "GET", users + "?limit=101", ``, "limit"},
		{"limit not a number", "GET", users + "?limit=ten", ``, "limit"},
		{"forged cursor", "GET", users + "?cursor=bm90LWEtY3Vyc29y", ``, "cursor"},
		{"bad tenant slug", "POST", "/v1/tenants", `{"id":"Not_A_Slug","name":"x"}`, "id"},
		{"immutable role name", "PUT", roles + "/" + role.Id, `{"name":"renamed"}`, "name"},
		{"bad user status", "PATCH", users + "/" + user.Id, `{"status":"sleeping"}`, "status"},
		{"token with bad scope", "POST", users + "/" + user.Id + "/tokens", `{"name":"t","scopes":["nope"]}`, "scopes[0]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rev, events := env.Revision("acme"), env.AuditCount("acme")
			resp, body := env.Do(c.method, c.path, OperatorOr(acme), c.body)
			requireProblem(t, resp, body, http.StatusBadRequest, "validation_error", c.field)
			require.Equal(t, rev, env.Revision("acme"), "a failed request moved the revision")
			require.Equal(t, events, env.AuditCount("acme"), "a failed request left an audit event")
		})
	}

	list, err := acme.Admin.ListUsersWithResponse(bg, "acme", nil)
	require.NoError(t, err)
	require.Len(t, list.JSON200.Items, 2, "no user was half-created")
	assigned, err := acme.Admin.ListUserRolesWithResponse(bg, "acme", user.Id, nil)
	require.NoError(t, err)
	require.Empty(t, assigned.JSON200.Items, "no assignment was half-written")
}

// OperatorOr picks the operator for tenant-level paths; tests here use it for all.
func OperatorOr(tenant) string { return servertest.OperatorToken }

func TestPayloadTooLarge(t *testing.T) {
	env := servertest.New(t)
	newTenant(t, env, "acme")
	big := `{"name":"x","display_name":"X","permissions":[],"description":"` + strings.Repeat("a", 1<<20) + `"}`
	resp, body := env.Do("POST", "/v1/tenants/acme/roles", servertest.OperatorToken, big)
	requireProblem(t, resp, body, http.StatusRequestEntityTooLarge, "payload_too_large", "")

	// A chunked body (no Content-Length) over the limit is refused the same way.
	req, err := http.NewRequest("POST", env.URL+"/v1/tenants/acme/roles", struct{ *bytes.Reader }{bytes.NewReader([]byte(big))})
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+servertest.OperatorToken)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
}

func TestPagination(t *testing.T) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	for i := 0; i < 24; i++ {
		acme.user(t, "user"+string(rune('a'+i))+"@acme.test")
	}
	seen := map[string]bool{}
	var cursor *string
	pages := 0
	for {
		resp, err := acme.Admin.ListUsersWithResponse(bg, "acme", &client.ListUsersParams{Limit: ptr(10), Cursor: cursor})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode(), "body: %s", resp.Body)
		pages++
		for _, u := range resp.JSON200.Items {
			require.False(t, seen[u.Id], "listed twice")
			seen[u.Id] = true
		}
		if resp.JSON200.NextCursor == nil {
			break
		}
		cursor = resp.JSON200.NextCursor
	}
	require.Len(t, seen, 25, "24 users and the admin")
	require.Equal(t, 3, pages)
}
