package server_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/server/servertest"
)

const patchOp = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

// A group's roles are set in Roster once; joining or leaving the group
// through SCIM then grants or revokes them on the very next check, through
// the generated client like any other call.
func TestSCIM_membershipGrantsOnTheNextCheck(t *testing.T) {
	env := servertest.New(t)
	tn := newTenant(t, env, "idp")
	viewer := tn.role(t, "viewer", "docs:read")
	prov := env.Client(provisioner(t, env, tn.ID, tn.AdminToken, "docs:read"))

	g, err := prov.ScimCreateGroupWithApplicationScimPlusJSONBodyWithResponse(bg, tn.ID,
		client.ScimResourceWrite{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": "Readers"})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, g.StatusCode(), "%s", g.Body)
	group := g.ApplicationscimJSON201.Id
	// The mapping, made once in Roster by the tenant's admin.
	a, err := tn.Admin.AssignGroupRoleWithResponse(bg, tn.ID, group, client.AssignGroupRoleJSONRequestBody{RoleId: viewer.Id})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, a.StatusCode(), "%s", a.Body)

	u, err := prov.ScimCreateUserWithApplicationScimPlusJSONBodyWithResponse(bg, tn.ID,
		client.ScimResourceWrite{"userName": "kim@idp.test", "active": true})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, u.StatusCode(), "%s", u.Body)
	user := u.ApplicationscimJSON201.Id
	require.False(t, tn.allowed(t, user, "docs:read"))

	patch := func(op map[string]any) {
		t.Helper()
		r, err := prov.ScimPatchGroupWithApplicationScimPlusJSONBodyWithResponse(bg, tn.ID, group, nil,
			client.ScimPatchRequest{"schemas": []string{patchOp}, "Operations": []any{op}})
		require.NoError(t, err)
		require.Equal(t, http.StatusNoContent, r.StatusCode(), "%s", r.Body)
	}
	patch(map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": user}}})
	require.True(t, tn.allowed(t, user, "docs:read"), "a member holds the group's role on the next check")

	// Deactivated, still a member, holds nothing; active again, holds it again.
	for _, active := range []bool{false, true} {
		r, err := prov.ScimPatchUserWithApplicationScimPlusJSONBodyWithResponse(bg, tn.ID, user, nil,
			client.ScimPatchRequest{"schemas": []string{patchOp}, "Operations": []any{
				map[string]any{"op": "replace", "value": map[string]any{"active": active}}}})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, r.StatusCode(), "%s", r.Body)
		require.Equal(t, active, tn.allowed(t, user, "docs:read"))
	}

	patch(map[string]any{"op": "remove", "path": `members[value eq "` + user + `"]`})
	require.False(t, tn.allowed(t, user, "docs:read"), "a member that left holds nothing on the next check")
}

// Authorization is Roster's: membership changes need assignments:write,
// adding to a group needs its roles (no escalation), and changing a
// stronger user is refused; each is a SCIM 403 that writes nothing.
func TestSCIM_authorization(t *testing.T) {
	env := servertest.New(t)
	tn := newTenant(t, env, "authz")
	viewer := tn.role(t, "viewer", "docs:read")
	full := newScimClient(env, tn.ID, provisioner(t, env, tn.ID, tn.AdminToken, "docs:read"))
	full.run(t, []scimStep{
		{name: "group", method: "POST", path: "/Groups", body: `{"displayName":"Readers"}`, status: 201, save: map[string]string{"g": "id"}},
		{name: "user", method: "POST", path: "/Users", body: `{"userName":"lee@authz.test"}`, status: 201, save: map[string]string{"u": "id"}},
	})
	mustCall(t, env, tn.AdminToken, "POST", "/v1/tenants/authz/groups/"+full.vars["g"]+"/roles", `{"role_id":"`+viewer.Id+`"}`, 201)
	strong := tn.user(t, "strong@authz.test", viewer.Id)

	addMember := `{"Operations":[{"op":"add","path":"members","value":[{"value":"${u}"}]}]}`
	for name, c := range map[string]struct {
		perms        []string
		method, path string
		body         string
	}{
		"members without assignments:write": {[]string{"users:read", "users:write", "groups:read", "groups:write", "docs:read"},
			"PATCH", "/Groups/${g}", addMember},
		"a group whose role the caller lacks": {[]string{"users:read", "users:write", "groups:read", "groups:write", "assignments:write"},
			"PATCH", "/Groups/${g}", addMember},
		"deactivating a stronger user": {[]string{"users:read", "users:write"},
			"PATCH", "/Users/" + strong.Id, `{"Operations":[{"op":"replace","path":"active","value":false}]}`},
		"deleting a stronger user":   {[]string{"users:read", "users:write"}, "DELETE", "/Users/" + strong.Id, ""},
		"reading without users:read": {[]string{"groups:read"}, "GET", "/Users", ""},
	} {
		t.Run(name, func(t *testing.T) {
			c2 := newScimClient(env, tn.ID, callerWith(t, env, tn.ID, tn.AdminToken, c.perms...))
			c2.vars = full.vars
			rev, audits := env.Revision(tn.ID), env.AuditCount(tn.ID)
			status, res, _ := c2.do(t, c.method, c.path, c.body)
			require.Equal(t, http.StatusForbidden, status, "%v", res)
			require.Equal(t, rev, env.Revision(tn.ID))
			require.Equal(t, audits, env.AuditCount(tn.ID))
		})
	}
	// Renaming needs no assignments:write; another tenant's SCIM is a 404, no token a 401.
	renamer := newScimClient(env, tn.ID, callerWith(t, env, tn.ID, tn.AdminToken, "groups:write"))
	renamer.vars = full.vars
	renamer.run(t, []scimStep{{name: "rename", method: "PATCH", path: "/Groups/${g}",
		body: `{"Operations":[{"op":"replace","path":"displayName","value":"Docs readers"}]}`, status: 204}})
	other := newTenant(t, env, "other")
	outsider := newScimClient(env, tn.ID, other.AdminToken)
	outsider.run(t, []scimStep{{name: "another tenant", method: "GET", path: "/Users", status: 404}})
	anonymous := newScimClient(env, tn.ID, "not-a-token")
	anonymous.run(t, []scimStep{{name: "bad token", method: "GET", path: "/Users", status: 401}})
}
