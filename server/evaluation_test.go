package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/internal/rbac"
	"github.com/rosterhq/roster/server/servertest"
)

// evalFixture: roles with inheritance, an organization, a group, and users
// holding roles through every kind of source.
type evalFixture struct {
	env                             *servertest.Env
	acme                            tenant
	org                             string
	group                           string
	alice, bob, carol, dave, nobody client.User
}

func newEvalFixture(t *testing.T) evalFixture {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	viewer := acme.role(t, "viewer", "docs:read")
	editor, err := acme.Admin.CreateRoleWithResponse(bg, "acme", client.RoleCreate{Name: "editor", DisplayName: "Editor",
		Permissions: []string{"docs:write"}, InheritsFrom: &[]string{viewer.Id}})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, editor.StatusCode(), "body: %s", editor.Body)
	acme.role(t, "reports", "reports:*")
	up, err := acme.Admin.UpdateRoleWithResponse(bg, "acme", "role_member", nil, client.RoleUpdate{Permissions: &[]string{"profile:read"}})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, up.StatusCode(), "body: %s", up.Body)

	org, err := acme.Admin.CreateOrganizationWithResponse(bg, "acme", client.OrganizationCreate{Name: "Berlin"})
	require.NoError(t, err)
	grp, err := acme.Admin.CreateGroupWithResponse(bg, "acme", client.GroupCreate{Name: "Support"})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, grp.StatusCode(), "body: %s", grp.Body)
	gr, err := acme.Admin.AssignGroupRoleWithResponse(bg, "acme", grp.JSON201.Id, client.AssignmentCreate{RoleId: "role_reports"})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, gr.StatusCode(), "body: %s", gr.Body)

	f := evalFixture{env: env, acme: acme, org: org.JSON201.Id, group: grp.JSON201.Id}
	f.alice = acme.user(t, "alice@acme.test", "role_editor")
	f.bob = acme.user(t, "bob@acme.test")
	scoped, err := acme.Admin.AssignUserRoleWithResponse(bg, "acme", f.bob.Id, client.AssignmentCreate{RoleId: viewer.Id,
		Scope: &client.Scope{Type: client.ScopeTypeOrganization, OrganizationId: &f.org}})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, scoped.StatusCode(), "body: %s", scoped.Body)
	f.carol = acme.user(t, "carol@acme.test")
	add, err := acme.Admin.AddGroupMembersWithResponse(bg, "acme", f.group, client.LinkageRequest{Data: []client.ResourceIdentifier{{Type: client.ResourceIdentifierTypeUsers, Id: f.carol.Id}}})
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, add.StatusCode(), "body: %s", add.Body)
	f.dave = acme.user(t, "dave@acme.test", "role_editor")
	disabled := client.UserStatusDisabled
	dis, err := acme.Admin.UpdateUserWithResponse(bg, "acme", f.dave.Id, nil, client.UserUpdate{Status: &disabled})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, dis.StatusCode())
	f.nobody = acme.user(t, "nobody@acme.test")
	return f
}

func (f evalFixture) check(t *testing.T, user, perm, org string) client.CheckResult {
	t.Helper()
	body := client.CheckRequest{UserId: user, Permission: perm}
	if org != "" {
		body.OrganizationId = &org
	}
	resp, err := f.acme.Admin.CheckPermissionWithResponse(bg, "acme", nil, body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode(), "body: %s", resp.Body)
	return *resp.JSON200
}

func TestCheck(t *testing.T) {
	f := newEvalFixture(t)
	cases := []struct {
		name, user, perm, org string
		allowed               bool
		role, pattern         string
	}{
		{"own permission", f.alice.Id, "docs:write", "", true, "role_editor", "docs:write"},
		{"inherited", f.alice.Id, "docs:read", "", true, "role_viewer", "docs:read"},
		{"default role", f.alice.Id, "profile:read", "", true, "role_member", "profile:read"},
		{"not held", f.alice.Id, "docs:delete", "", false, "", ""},
		{"scoped role without organization", f.bob.Id, "docs:read", "", false, "", ""},
		{"scoped role in its organization", f.bob.Id, "docs:read", f.org, true, "role_viewer", "docs:read"},
		{"global role inside an organization", f.alice.Id, "docs:read", f.org, true, "role_viewer", "docs:read"},
		{"through a group, by wildcard", f.carol.Id, "reports:export", "", true, "role_reports", "reports:*"},
		{"asking for a wildcard", f.carol.Id, "reports:*", "", true, "role_reports", "reports:*"},
		{"a wildcard needs a wildcard grant", f.alice.Id, "docs:*", "", false, "", ""},
		{"disabled user holds nothing", f.dave.Id, "profile:read", "", false, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := f.check(t, c.user, c.perm, c.org)
			require.Equal(t, c.allowed, got.Allowed)
			require.Positive(t, got.Revision)
			if !c.allowed {
				require.Nil(t, got.Matched)
				return
			}
			require.NotNil(t, got.Matched)
			require.Equal(t, c.role, got.Matched.RoleId)
			require.Equal(t, c.pattern, got.Matched.Permission)
		})
	}

	t.Run("batch answers in order", func(t *testing.T) {
		resp, err := f.acme.Admin.CheckPermissionsWithResponse(bg, "acme", nil, client.CheckBatchRequest{Checks: []client.CheckRequest{
			{UserId: f.alice.Id, Permission: "docs:write"}, {UserId: f.bob.Id, Permission: "docs:write"}, {UserId: f.carol.Id, Permission: "reports:read"},
		}})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode(), "body: %s", resp.Body)
		got := []bool{}
		for _, r := range resp.JSON200.Results {
			got = append(got, r.Allowed)
		}
		require.Equal(t, []bool{true, false, true}, got)
	})
}

func TestEvaluatedRolesAndPermissions(t *testing.T) {
	f := newEvalFixture(t)
	roles, err := f.acme.Admin.GetEvaluatedRolesWithResponse(bg, "acme", f.alice.Id, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, roles.StatusCode(), "body: %s", roles.Body)
	got := map[string][]client.RoleSource{}
	for _, r := range roles.JSON200.Items {
		got[r.RoleId] = r.Sources
		require.Equal(t, client.ScopeTypeGlobal, r.Scope.Type)
	}
	require.Equal(t, map[string][]client.RoleSource{
		"role_editor": {{Type: client.RoleSourceTypeDirect}},
		"role_viewer": {{Type: client.RoleSourceTypeInherited, ViaRoleId: ptr("role_editor")}},
		"role_member": {{Type: client.RoleSourceTypeDefault}},
	}, got)

	carol, err := f.acme.Admin.GetEvaluatedRolesWithResponse(bg, "acme", f.carol.Id, nil)
	require.NoError(t, err)
	require.Len(t, carol.JSON200.Items, 2)
	require.Equal(t, "role_reports", carol.JSON200.Items[1].RoleId)
	require.Equal(t, []client.RoleSource{{Type: client.RoleSourceTypeGroup, GroupId: &f.group}}, carol.JSON200.Items[1].Sources)

	bob, err := f.acme.Admin.GetEvaluatedRolesWithResponse(bg, "acme", f.bob.Id, nil)
	require.NoError(t, err)
	require.Len(t, bob.JSON200.Items, 2, "without organization_id every scope is listed")
	require.Equal(t, "Berlin", *bob.JSON200.Items[1].Scope.OrganizationName)

	perms, err := f.acme.Admin.GetUserPermissionsWithResponse(bg, "acme", f.alice.Id, nil)
	require.NoError(t, err)
	require.Equal(t, []string{"docs:read", "docs:write", "profile:read"}, perms.JSON200.Permissions)
	bobPerms, err := f.acme.Admin.GetUserPermissionsWithResponse(bg, "acme", f.bob.Id, &client.GetUserPermissionsParams{OrganizationId: &f.org})
	require.NoError(t, err)
	require.Equal(t, []string{"docs:read", "profile:read"}, bobPerms.JSON200.Permissions)

	gone, err := f.acme.Admin.GetEvaluatedRolesWithResponse(bg, "acme", "usr_nope", nil)
	require.NoError(t, err)
	requireProblem(t, gone.HTTPResponse, gone.Body, 404, "not_found", "")
	badOrg, err := f.acme.Admin.GetUserPermissionsWithResponse(bg, "acme", f.bob.Id, &client.GetUserPermissionsParams{OrganizationId: ptr("org_nope")})
	require.NoError(t, err)
	requireProblem(t, badOrg.HTTPResponse, badOrg.Body, 400, "validation_error", "organization_id")
}

func TestReverseEvaluation(t *testing.T) {
	f := newEvalFixture(t)
	holders := func(params client.ListUsersParams) []string {
		t.Helper()
		var ids []string
		params.Limit = ptr(1) // walk every page
		for {
			resp, err := f.acme.Admin.ListUsersWithResponse(bg, "acme", &params)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode(), "body: %s", resp.Body)
			for _, u := range resp.JSON200.Items {
				ids = append(ids, u.Id)
			}
			if resp.JSON200.NextCursor == nil {
				return ids
			}
			params.Cursor = resp.JSON200.NextCursor
		}
	}
	require.Equal(t, []string{f.alice.Id}, holders(client.ListUsersParams{HoldsRole: ptr("role_viewer")}), "inheritance counts; bob's is scoped")
	require.ElementsMatch(t, []string{f.alice.Id, f.bob.Id}, holders(client.ListUsersParams{HoldsRole: ptr("role_viewer"), OrganizationId: &f.org}))
	require.ElementsMatch(t, []string{f.acme.AdminUser.Id, f.carol.Id}, holders(client.ListUsersParams{HoldsPermission: ptr("reports:export")}),
		"through the group, and the admin through *:*")
	everyone := holders(client.ListUsersParams{HoldsRole: ptr("role_member")})
	require.ElementsMatch(t, []string{f.acme.AdminUser.Id, f.alice.Id, f.bob.Id, f.carol.Id, f.nobody.Id}, everyone, "the default role: every active user")

	resp, err := f.acme.Admin.ListUsersWithResponse(bg, "acme", &client.ListUsersParams{HoldsRole: ptr("role_nope")})
	require.NoError(t, err)
	requireProblem(t, resp.HTTPResponse, resp.Body, 400, "validation_error", "holds_role")
}

func TestReadYourWrites(t *testing.T) {
	f := newEvalFixture(t)
	require.False(t, f.check(t, f.nobody.Id, "docs:write", "").Allowed)
	assigned, err := f.acme.Admin.AssignUserRoleWithResponse(bg, "acme", f.nobody.Id, client.AssignmentCreate{RoleId: "role_editor"})
	require.NoError(t, err)
	rev := revisionHeader(t, assigned.HTTPResponse)
	resp, err := f.acme.Admin.CheckPermissionWithResponse(bg, "acme", &client.CheckPermissionParams{MinRevision: &rev},
		client.CheckRequest{UserId: f.nobody.Id, Permission: "docs:write"})
	require.NoError(t, err)
	require.True(t, resp.JSON200.Allowed)
	require.GreaterOrEqual(t, resp.JSON200.Revision, rev)

	future := rev + 1000
	resp, err = f.acme.Admin.CheckPermissionWithResponse(bg, "acme", &client.CheckPermissionParams{MinRevision: &future},
		client.CheckRequest{UserId: f.nobody.Id, Permission: "docs:write"})
	require.NoError(t, err)
	requireProblem(t, resp.HTTPResponse, resp.Body, 400, "validation_error", "min_revision")

	// Removing the role and deleting a role take effect on the next check.
	_, err = f.acme.Admin.RemoveUserRoleWithResponse(bg, "acme", f.nobody.Id, "role_editor", nil)
	require.NoError(t, err)
	require.False(t, f.check(t, f.nobody.Id, "docs:write", "").Allowed)
	_, err = f.acme.Admin.DeleteGroupWithResponse(bg, "acme", f.group, nil)
	require.NoError(t, err)
	require.False(t, f.check(t, f.carol.Id, "reports:read", "").Allowed)
	_, err = f.acme.Admin.DeleteOrganizationWithResponse(bg, "acme", f.org, nil)
	require.NoError(t, err)
	resp, err = f.acme.Admin.CheckPermissionWithResponse(bg, "acme", nil, client.CheckRequest{UserId: f.bob.Id, Permission: "docs:read", OrganizationId: &f.org})
	require.NoError(t, err)
	requireProblem(t, resp.HTTPResponse, resp.Body, 400, "validation_error", "organization_id")
}

func TestCheckBadInput(t *testing.T) {
	f := newEvalFixture(t)
	path := "/v1/tenants/acme/check"
	checks := make([]string, 1001)
	for i := range checks {
		checks[i] = `{"user_id":"` + f.alice.Id + `","permission":"docs:read"}`
	}
	cases := []struct{ name, path, body, field string }{
		{"malformed permission", path, `{"user_id":"` + f.alice.Id + `","permission":"docs"}`, "permission"},
		{"unknown user", path, `{"user_id":"usr_nope","permission":"docs:read"}`, "user_id"},
		{"unknown organization", path, `{"user_id":"` + f.alice.Id + `","permission":"docs:read","organization_id":"org_nope"}`, "organization_id"},
		{"batch over 1000", path + "/batch", `{"checks":[` + strings.Join(checks, ",") + `]}`, "checks"},
		{"batch names the bad check", path + "/batch", `{"checks":[` + checks[0] + `,{"user_id":"usr_nope","permission":"docs:read"}]}`, "checks[1].user_id"},
		{"negative min_revision", path + "?min_revision=-1", checks[0], "min_revision"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := f.env.Do("POST", c.path, f.acme.AdminToken, c.body)
			requireProblem(t, resp, body, http.StatusBadRequest, "validation_error", c.field)
		})
	}
}

func TestCheckNeedsChecksRead(t *testing.T) {
	f := newEvalFixture(t)
	tok, err := f.acme.Admin.CreateUserTokenWithResponse(bg, "acme", f.nobody.Id, client.TokenCreate{Name: "t"})
	require.NoError(t, err)
	c := f.env.Client(tok.JSON201.Token)
	own, err := c.CheckPermissionWithResponse(bg, "acme", nil, client.CheckRequest{UserId: "me", Permission: "profile:read"})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, own.StatusCode(), "checking oneself needs nothing: %s", own.Body)
	require.True(t, own.JSON200.Allowed)
	other, err := c.CheckPermissionWithResponse(bg, "acme", nil, client.CheckRequest{UserId: f.alice.Id, Permission: "docs:read"})
	require.NoError(t, err)
	requireProblem(t, other.HTTPResponse, other.Body, 403, "forbidden", "")
	perms, err := c.GetUserPermissionsWithResponse(bg, "acme", "me", nil)
	require.NoError(t, err)
	require.Equal(t, []string{"profile:read"}, perms.JSON200.Permissions)
	theirs, err := c.GetUserPermissionsWithResponse(bg, "acme", f.alice.Id, nil)
	require.NoError(t, err)
	requireProblem(t, theirs.HTTPResponse, theirs.Body, 403, "forbidden", "")
}

// A user made through another replica (here: straight through the store,
// so this server hears of it from no Notify and no poll) is found at once.
func TestCheckFindsUsersMadeElsewhere(t *testing.T) {
	f := newEvalFixture(t)
	f.check(t, f.alice.Id, "docs:read", "") // the engine is loaded
	u, _, err := f.env.Store.CreateUser(bg, rbac.Write{TenantID: "acme", Actor: rbac.Actor{Operator: true}},
		rbac.UserInput{Email: "elsewhere@acme.test", Roles: []string{"role_editor"}})
	require.NoError(t, err)
	got := f.check(t, u.ID, "docs:write", "")
	require.True(t, got.Allowed)
	perms, err := f.acme.Admin.GetUserPermissionsWithResponse(bg, "acme", u.ID, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, perms.StatusCode())
}
