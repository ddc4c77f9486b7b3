package server_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/server/servertest"
)

// TestQuickStart walks the README's quick start through the typed client.
func TestQuickStart(t *testing.T) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	require.Equal(t, []string{"role_admin"}, acme.AdminUser.Roles)

	created, err := acme.Admin.CreateRoleWithResponse(bg, "acme", client.RoleCreate{Name: "editor", DisplayName: "Editor",
		Permissions: []string{"documents:read", "documents:write"}})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, created.StatusCode(), "body: %s", created.Body)
	rev := revisionHeader(t, created.HTTPResponse)
	require.NotEmpty(t, created.HTTPResponse.Header.Get("ETag"))
	role := *created.JSON201
	require.Equal(t, "role_editor", role.Id)
	require.Equal(t, client.Custom, role.Type)
	require.True(t, role.Assignable)

	user := acme.user(t, "grace@acme.test")
	require.Empty(t, user.Roles)

	assigned, err := acme.Admin.AssignUserRoleWithResponse(bg, "acme", user.Id, client.AssignmentCreate{RoleId: role.Id, Reason: ptr("onboarding")})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, assigned.StatusCode(), "body: %s", assigned.Body)
	require.Equal(t, acme.AdminUser.Id, assigned.JSON201.AssignedBy)
	require.Equal(t, client.ScopeTypeGlobal, assigned.JSON201.Scope.Type)
	require.Equal(t, client.AssignmentStatusActive, assigned.JSON201.Status)
	require.Greater(t, revisionHeader(t, assigned.HTTPResponse), rev)

	again, err := acme.Admin.AssignUserRoleWithResponse(bg, "acme", user.Id, client.AssignmentCreate{RoleId: role.Id, Reason: ptr("onboarding")})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, again.StatusCode(), "the same role and scope again is 200")
	require.Equal(t, revisionHeader(t, assigned.HTTPResponse), revisionHeader(t, again.HTTPResponse), "a no-op write does not move the revision")

	list, err := acme.Admin.ListUserRolesWithResponse(bg, "acme", user.Id, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, list.StatusCode())
	require.Len(t, list.JSON200.Items, 1)
	require.Equal(t, "editor", list.JSON200.Items[0].Name)
	require.Nil(t, list.JSON200.NextCursor)

	got, err := acme.Admin.GetRoleWithResponse(bg, "acme", role.Id)
	require.NoError(t, err)
	require.Equal(t, 1, got.JSON200.UserCount)

	u, err := acme.Admin.GetUserWithResponse(bg, "acme", user.Id)
	require.NoError(t, err)
	require.Equal(t, []string{"role_editor"}, u.JSON200.Roles)
}

func TestAuthentication(t *testing.T) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	newTenant(t, env, "globex")

	cases := []struct {
		name   string
		c      *client.ClientWithResponses
		tenant string
		status int
		code   string
	}{
		{"no token", env.Client(""), "acme", 401, "unauthorized"},
		{"unknown token", env.Client("rst_nope"), "acme", 401, "unauthorized"},
		{"other tenant", acme.Admin, "globex", 404, "not_found"},
		{"unknown tenant for a tenant token", acme.Admin, "nowhere", 404, "not_found"},
		{"unknown tenant for the operator", env.Operator(), "nowhere", 404, "not_found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, err := c.c.ListRolesWithResponse(bg, c.tenant, nil)
			require.NoError(t, err)
			requireProblem(t, resp.HTTPResponse, resp.Body, c.status, c.code, "")
		})
	}

	t.Run("operator-only operations refuse tenant admins", func(t *testing.T) {
		resp, err := acme.Admin.ListTenantsWithResponse(bg, nil)
		require.NoError(t, err)
		requireProblem(t, resp.HTTPResponse, resp.Body, 403, "forbidden", "")
		del, err := acme.Admin.DeleteTenantWithResponse(bg, "acme")
		require.NoError(t, err)
		requireProblem(t, del.HTTPResponse, del.Body, 403, "forbidden", "")
	})
	t.Run("me", func(t *testing.T) {
		me, err := acme.Admin.GetUserWithResponse(bg, "acme", "me")
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, me.StatusCode())
		require.Equal(t, acme.AdminUser.Id, me.JSON200.Id)
		op, err := env.Operator().GetUserWithResponse(bg, "acme", "me")
		require.NoError(t, err)
		requireProblem(t, op.HTTPResponse, op.Body, 404, "not_found", "")
	})
	t.Run("a member without permissions is forbidden", func(t *testing.T) {
		grace := acme.user(t, "grace@acme.test")
		tok, err := acme.Admin.CreateUserTokenWithResponse(bg, "acme", grace.Id, client.TokenCreate{Name: "laptop"})
		require.NoError(t, err)
		require.Equal(t, http.StatusCreated, tok.StatusCode(), "body: %s", tok.Body)
		c := env.Client(tok.JSON201.Token)
		roles, err := c.ListRolesWithResponse(bg, "acme", nil)
		require.NoError(t, err)
		requireProblem(t, roles.HTTPResponse, roles.Body, 403, "forbidden", "")
		me, err := c.GetUserWithResponse(bg, "acme", "me")
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, me.StatusCode(), "reading oneself needs no permission")

		revoke, err := acme.Admin.RevokeUserTokenWithResponse(bg, "acme", grace.Id, tok.JSON201.Id)
		require.NoError(t, err)
		require.Equal(t, http.StatusNoContent, revoke.StatusCode())
		me, err = c.GetUserWithResponse(bg, "acme", "me")
		require.NoError(t, err)
		requireProblem(t, me.HTTPResponse, me.Body, 401, "unauthorized", "")
	})
	t.Run("health needs no token", func(t *testing.T) {
		h, err := env.Client("").GetHealthzWithResponse(bg)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, h.StatusCode())
		r, err := env.Client("").GetReadyzWithResponse(bg)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, r.StatusCode())
	})
}

func TestRolesLifecycle(t *testing.T) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	viewer := acme.role(t, "viewer", "docs:read")
	inherits := []string{viewer.Id}
	editor, err := acme.Admin.CreateRoleWithResponse(bg, "acme", client.RoleCreate{Name: "editor", DisplayName: "Editor",
		Permissions: []string{"docs:write"}, InheritsFrom: &inherits})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, editor.StatusCode(), "body: %s", editor.Body)

	dup, err := acme.Admin.CreateRoleWithResponse(bg, "acme", client.RoleCreate{Name: "VIEWER", DisplayName: "x", Permissions: []string{}})
	require.NoError(t, err)
	requireProblem(t, dup.HTTPResponse, dup.Body, 409, "conflict", "")

	get, err := acme.Admin.GetRoleWithResponse(bg, "acme", viewer.Id)
	require.NoError(t, err)
	etag := get.HTTPResponse.Header.Get("ETag")
	require.NotEmpty(t, etag)

	stale, err := acme.Admin.UpdateRoleWithResponse(bg, "acme", viewer.Id, &client.UpdateRoleParams{IfMatch: ptr(`"999"`)},
		client.RoleUpdate{Description: ptr("x")})
	require.NoError(t, err)
	requireProblem(t, stale.HTTPResponse, stale.Body, 412, "precondition_failed", "")

	up, err := acme.Admin.UpdateRoleWithResponse(bg, "acme", viewer.Id, &client.UpdateRoleParams{IfMatch: &etag},
		client.RoleUpdate{Permissions: &[]string{"docs:read", "docs:list"}})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, up.StatusCode(), "body: %s", up.Body)
	require.NotEqual(t, etag, up.HTTPResponse.Header.Get("ETag"), "the ETag moves with the row")

	cycle, err := acme.Admin.UpdateRoleWithResponse(bg, "acme", viewer.Id, nil, client.RoleUpdate{InheritsFrom: &[]string{"role_editor"}})
	require.NoError(t, err)
	requireProblem(t, cycle.HTTPResponse, cycle.Body, 400, "validation_error", "inherits_from")

	inUse, err := acme.Admin.DeleteRoleWithResponse(bg, "acme", viewer.Id, nil)
	require.NoError(t, err)
	requireProblem(t, inUse.HTTPResponse, inUse.Body, 409, "conflict", "")

	system, err := acme.Admin.DeleteRoleWithResponse(bg, "acme", "role_member", nil)
	require.NoError(t, err)
	requireProblem(t, system.HTTPResponse, system.Body, 400, "validation_error", "")

	admin, err := acme.Admin.UpdateRoleWithResponse(bg, "acme", "role_admin", nil, client.RoleUpdate{Permissions: &[]string{"x:read"}})
	require.NoError(t, err)
	requireProblem(t, admin.HTTPResponse, admin.Body, 400, "validation_error", "")

	del, err := acme.Admin.DeleteRoleWithResponse(bg, "acme", "role_editor", nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, del.StatusCode())
	revisionHeader(t, del.HTTPResponse)
	gone, err := acme.Admin.GetRoleWithResponse(bg, "acme", "role_editor")
	require.NoError(t, err)
	requireProblem(t, gone.HTTPResponse, gone.Body, 404, "not_found", "")

	custom := client.Custom
	list, err := acme.Admin.ListRolesWithResponse(bg, "acme", &client.ListRolesParams{Type: &custom})
	require.NoError(t, err)
	require.Len(t, list.JSON200.Items, 1)
}

func TestAssignments(t *testing.T) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	a := acme.role(t, "a", "x:read")
	b := acme.role(t, "b", "y:read")
	u := acme.user(t, "u@acme.test", a.Id)
	org, err := acme.Admin.CreateOrganizationWithResponse(bg, "acme", client.OrganizationCreate{Name: "Berlin"})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, org.StatusCode(), "body: %s", org.Body)

	add, err := acme.Admin.AddUserRoleWithResponse(bg, "acme", u.Id, b.Id)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, add.StatusCode(), "body: %s", add.Body)
	add2, err := acme.Admin.AddUserRoleWithResponse(bg, "acme", u.Id, b.Id)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, add2.StatusCode())
	require.Equal(t, revisionHeader(t, add.HTTPResponse), revisionHeader(t, add2.HTTPResponse), "PUT-add is idempotent")

	scoped, err := acme.Admin.AssignUserRoleWithResponse(bg, "acme", u.Id, client.AssignmentCreate{RoleId: a.Id,
		Scope: &client.Scope{Type: client.ScopeTypeOrganization, OrganizationId: &org.JSON201.Id}})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, scoped.StatusCode(), "body: %s", scoped.Body)
	require.Equal(t, "Berlin", *scoped.JSON201.Scope.OrganizationName)

	replaced, err := acme.Admin.ReplaceUserRolesWithResponse(bg, "acme", u.Id, client.AssignmentReplace{
		Assignments: []client.AssignmentCreate{{RoleId: b.Id}}})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, replaced.StatusCode(), "body: %s", replaced.Body)
	require.Len(t, replaced.JSON200.Items, 1)

	rm, err := acme.Admin.RemoveUserRoleWithResponse(bg, "acme", u.Id, b.Id, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, rm.StatusCode(), "body: %s", rm.Body)
	rm, err = acme.Admin.RemoveUserRoleWithResponse(bg, "acme", u.Id, b.Id, nil)
	require.NoError(t, err)
	requireProblem(t, rm.HTTPResponse, rm.Body, 404, "not_found", "")

	patch, err := acme.Admin.UpdateUserWithResponse(bg, "acme", u.Id, nil, client.UserUpdate{Roles: &[]string{a.Id, b.Id}})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, patch.StatusCode(), "body: %s", patch.Body)
	require.Equal(t, []string{a.Id, b.Id}, patch.JSON200.Roles)

	holders, err := acme.Admin.ListUsersWithResponse(bg, "acme", &client.ListUsersParams{RoleId: &a.Id})
	require.NoError(t, err)
	require.Len(t, holders.JSON200.Items, 1)

	del, err := acme.Admin.DeleteUserWithResponse(bg, "acme", u.Id, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, del.StatusCode())
	role, err := acme.Admin.GetRoleWithResponse(bg, "acme", a.Id)
	require.NoError(t, err)
	require.Zero(t, role.JSON200.UserCount, "deleting a user removes its assignments")

	events, err := acme.Admin.ListAuditEventsWithResponse(bg, "acme", &client.ListAuditEventsParams{TargetId: &u.Id})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, events.StatusCode())
	require.Equal(t, "user.delete", events.JSON200.Items[0].Action)
	require.Equal(t, acme.AdminUser.Id, events.JSON200.Items[0].ActorId)
}
