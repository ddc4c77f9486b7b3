package server_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/client"
)

func TestOwner_badPatterns(t *testing.T) {
	f := newOwnerFixture(t)
	bad := []string{"todo:update:mine", "todo:update:own:x", "todo:update:OWN", "todo::own", ":update:own", "todo:update:", "todo:own:own:own"}
	for i, b := range bad {
		t.Run("create: "+b, func(t *testing.T) {
			name := fmt.Sprintf("bad-%d", i)
			resp, err := f.tn.Admin.CreateRoleWithResponse(bg, f.tn.ID, client.RoleCreate{Name: name, DisplayName: name,
				Permissions: []string{"todo:read", "todo:update:own", b}})
			require.NoError(t, err)
			requireProblem(t, resp.HTTPResponse, resp.Body, http.StatusBadRequest, "validation_error", "permissions[2]")
		})
		t.Run("update: "+b, func(t *testing.T) {
			perms := []string{b, "todo:update:own"}
			rev := f.env.Revision(f.tn.ID)
			resp, err := f.tn.Admin.UpdateRoleWithResponse(bg, f.tn.ID, f.ownRole.Id, nil, client.RoleUpdate{Permissions: &perms})
			require.NoError(t, err)
			requireProblem(t, resp.HTTPResponse, resp.Body, http.StatusBadRequest, "validation_error", "permissions[0]")
			require.Equal(t, rev, f.env.Revision(f.tn.ID))
		})
	}
	t.Run("todo:own is the plain permission whose action is own", func(t *testing.T) {
		resp, err := f.tn.Admin.CreateRoleWithResponse(bg, f.tn.ID, client.RoleCreate{Name: "own-action", DisplayName: "own-action",
			Permissions: []string{"todo:own", "*:*:own"}})
		require.NoError(t, err)
		require.Equal(t, http.StatusCreated, resp.StatusCode(), "body: %s", resp.Body)
	})
	t.Run("a check asks for a permission, never an owner-only pattern", func(t *testing.T) {
		resp, err := f.tn.Admin.CheckPermissionWithResponse(bg, f.tn.ID, nil, client.CheckRequest{UserId: f.owner.Id,
			Permission: "todo:update:own", Owner: &f.owner.Id})
		require.NoError(t, err)
		requireProblem(t, resp.HTTPResponse, resp.Body, http.StatusBadRequest, "validation_error", "permission")
		batch, err := f.tn.Admin.CheckPermissionsWithResponse(bg, f.tn.ID, nil, client.CheckBatchRequest{Checks: []client.CheckRequest{
			{UserId: f.owner.Id, Permission: "todo:update", Owner: &f.owner.Id},
			{UserId: f.owner.Id, Permission: "todo:update:own", Owner: &f.owner.Id}}})
		require.NoError(t, err)
		requireProblem(t, batch.HTTPResponse, batch.Body, http.StatusBadRequest, "validation_error", "checks[1].permission")
	})
}

// An owner-only grant counts however the role is held: through
// inheritance, through a group, or in an organization (there only).
func TestOwner_throughEverySource(t *testing.T) {
	f := newOwnerFixture(t)
	a := f.tn.Admin
	heirRole := func() client.Role {
		resp, err := a.CreateRoleWithResponse(bg, f.tn.ID, client.RoleCreate{Name: "heir", DisplayName: "heir",
			Permissions: []string{}, InheritsFrom: &[]string{f.ownRole.Id}})
		require.NoError(t, err)
		require.Equal(t, http.StatusCreated, resp.StatusCode(), "body: %s", resp.Body)
		return *resp.JSON201
	}()
	heir := f.tn.user(t, "heir@own.test", heirRole.Id)

	member := f.tn.user(t, "member@own.test")
	g, err := a.CreateGroupWithResponse(bg, f.tn.ID, client.GroupCreate{Name: "owners"})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, g.StatusCode(), "body: %s", g.Body)
	gr, err := a.AssignGroupRoleWithResponse(bg, f.tn.ID, g.JSON201.Id, client.AssignmentCreate{RoleId: f.ownRole.Id})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, gr.StatusCode(), "body: %s", gr.Body)
	add, err := a.AddGroupMembersWithResponse(bg, f.tn.ID, g.JSON201.Id, client.LinkageRequest{Data: []client.ResourceIdentifier{{Type: client.ResourceIdentifierTypeUsers, Id: member.Id}}})
	require.NoError(t, err)
	require.Less(t, add.StatusCode(), 300, "body: %s", add.Body)

	org := func(name string) string {
		resp, err := a.CreateOrganizationWithResponse(bg, f.tn.ID, client.OrganizationCreate{Name: name})
		require.NoError(t, err)
		require.Equal(t, http.StatusCreated, resp.StatusCode(), "body: %s", resp.Body)
		return resp.JSON201.Id
	}
	orgA, orgB := org("A"), org("B")
	local := f.tn.user(t, "local@own.test")
	as, err := a.AssignUserRoleWithResponse(bg, f.tn.ID, local.Id, client.AssignmentCreate{RoleId: f.ownRole.Id,
		Scope: &client.Scope{Type: client.ScopeTypeOrganization, OrganizationId: &orgA}})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, as.StatusCode(), "body: %s", as.Body)

	cases := []struct {
		name         string
		user         client.User
		owner, org   string
		allowed      bool
		authzenOwner string // the same question through AuthZEN, by email
	}{
		{"inherited: its own", heir, heir.Id, "", true, heir.Email},
		{"inherited: another's", heir, f.other.Id, "", false, f.other.Email},
		{"inherited: no owner", heir, "", "", false, ""},
		{"through a group: its own", member, member.Email, "", true, member.Email},
		{"through a group: another's", member, heir.Id, "", false, heir.Email},
		{"in organization A: its own there", local, local.Id, orgA, true, local.Email},
		{"in organization A: another's there", local, f.other.Id, orgA, false, f.other.Email},
		{"in organization A: its own elsewhere", local, local.Id, orgB, false, local.Email},
		{"in organization A: its own, globally", local, local.Id, "", false, local.Email},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := client.CheckRequest{UserId: c.user.Id, Permission: "todo:update"}
			if c.owner != "" {
				req.Owner = &c.owner
			}
			if c.org != "" {
				req.OrganizationId = &c.org
			}
			resp, err := a.CheckPermissionWithResponse(bg, f.tn.ID, nil, req)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode(), "body: %s", resp.Body)
			require.Equal(t, c.allowed, resp.JSON200.Allowed)
			if c.allowed {
				require.NotNil(t, resp.JSON200.Matched)
				require.Equal(t, "todo:update:own", resp.JSON200.Matched.Permission)
			}

			props := client.AuthzenProperties{}
			if c.authzenOwner != "" {
				props["ownerID"] = c.authzenOwner
			}
			if c.org != "" {
				props["organization_id"] = c.org
			}
			az, err := a.AuthzenEvaluationWithResponse(bg, f.tn.ID, client.AuthzenEvaluationRequest{Subject: subject(c.user.Email),
				Action: action("update"), Resource: client.AuthzenResource{Type: "todo", Id: "t1", Properties: &props}})
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, az.StatusCode(), "body: %s", az.Body)
			require.Equal(t, c.allowed, az.JSON200.Decision, "through AuthZEN")
		})
	}

	t.Run("holders of todo:update:own count every source", func(t *testing.T) {
		for _, c := range []struct {
			org  *string
			want []string
		}{
			{nil, []string{f.owner.Id, f.plain.Id, f.anyOwn.Id, heir.Id, member.Id, f.tn.AdminUser.Id}},
			{&orgA, []string{f.owner.Id, f.plain.Id, f.anyOwn.Id, heir.Id, member.Id, local.Id, f.tn.AdminUser.Id}},
		} {
			resp, err := a.ListUsersWithResponse(bg, f.tn.ID, &client.ListUsersParams{HoldsPermission: ptr("todo:update:own"), OrganizationId: c.org})
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode(), "body: %s", resp.Body)
			var got []string
			for _, u := range resp.JSON200.Items {
				got = append(got, u.Id)
			}
			require.ElementsMatch(t, c.want, got, "organization %v", c.org)
		}
	})
}
