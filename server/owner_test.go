package server_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/server/servertest"
)

// Owner-only permissions (`resource:action:own`) through Roster's own API:
// checks with an owner, one by one and in a batch; what a user's
// permissions and the holders lists show; the grant policy's "plain covers
// own, never the reverse"; and the patterns a role may not have.

// ownerFixture is tenant "own": owner holds todo:update:own only (and is
// known by an external id), plain holds todo:update, anyOwn holds
// todo:*:own, other holds something else.
type ownerFixture struct {
	env                         *servertest.Env
	tn                          tenant
	ownRole, plainRole, anyRole client.Role
	owner, plain, anyOwn, other client.User
	ownerExt                    string
}

func newOwnerFixture(t *testing.T) ownerFixture {
	env := servertest.New(t)
	tn := newTenant(t, env, "own")
	f := ownerFixture{env: env, tn: tn, ownerExt: "ext-owner-7"}
	f.ownRole = tn.role(t, "todo-own", "todo:update:own")
	f.plainRole = tn.role(t, "todo-plain", "todo:update")
	f.anyRole = tn.role(t, "todo-any-own", "todo:*:own")
	reader := tn.role(t, "todo-reader", "todo:read")
	f.owner = tn.userWithExternalID(t, "owner@own.test", f.ownerExt, f.ownRole.Id)
	f.plain = tn.user(t, "plain@own.test", f.plainRole.Id)
	f.anyOwn = tn.user(t, "any-own@own.test", f.anyRole.Id)
	f.other = tn.user(t, "other@own.test", reader.Id)
	return f
}

// ownerCheck is one check of todo:update and its expected answer: the
// granting pattern, "" for a denial.
type ownerCheck struct {
	name    string
	user    func(f ownerFixture) string
	owner   func(f ownerFixture) *string
	matched string
}

func ownerChecks() []ownerCheck {
	owner := func(f ownerFixture) string { return f.owner.Id }
	plain := func(f ownerFixture) string { return f.plain.Id }
	named := func(s func(f ownerFixture) string) func(f ownerFixture) *string {
		return func(f ownerFixture) *string { v := s(f); return &v }
	}
	none := func(ownerFixture) *string { return nil }
	return []ownerCheck{
		{"own: owner is its id", owner, named(func(f ownerFixture) string { return f.owner.Id }), "todo:update:own"},
		{"own: owner is its email in another case", owner, named(func(ownerFixture) string { return "Owner@OWN.test" }), "todo:update:own"},
		{"own: owner is its external id", owner, named(func(f ownerFixture) string { return f.ownerExt }), "todo:update:own"},
		{"own: owner is another user's id", owner, named(func(f ownerFixture) string { return f.other.Id }), ""},
		{"own: owner is another user's email", owner, named(func(f ownerFixture) string { return f.plain.Email }), ""},
		{"own: an owner no user matches", owner, named(func(ownerFixture) string { return "nobody@own.test" }), ""},
		{"own: without owner", owner, none, ""},
		{"plain: owner is another user", plain, named(func(f ownerFixture) string { return f.owner.Id }), "todo:update"},
		{"plain: owner is itself", plain, named(func(f ownerFixture) string { return f.plain.Email }), "todo:update"},
		{"plain: an owner no user matches", plain, named(func(ownerFixture) string { return "nobody@own.test" }), "todo:update"},
		{"plain: without owner", plain, none, "todo:update"},
		{"todo:*:own: its own todo", func(f ownerFixture) string { return f.anyOwn.Id }, named(func(f ownerFixture) string { return f.anyOwn.Email }), "todo:*:own"},
		{"todo:*:own: another's todo", func(f ownerFixture) string { return f.anyOwn.Id }, named(func(f ownerFixture) string { return f.owner.Id }), ""},
		{"neither: its own todo", func(f ownerFixture) string { return f.other.Id }, named(func(f ownerFixture) string { return f.other.Id }), ""},
	}
}

func (c ownerCheck) request(f ownerFixture) client.CheckRequest {
	return client.CheckRequest{UserId: c.user(f), Permission: "todo:update", Owner: c.owner(f)}
}

// requireOutcome asserts allowed and the granting role and pattern.
func (c ownerCheck) requireOutcome(t *testing.T, f ownerFixture, allowed bool, matched *client.CheckMatch) {
	t.Helper()
	if c.matched == "" {
		require.False(t, allowed, c.name)
		require.Nil(t, matched, c.name)
		return
	}
	require.True(t, allowed, c.name)
	require.NotNil(t, matched, c.name)
	require.Equal(t, c.matched, matched.Permission, c.name)
	role := map[string]string{"todo:update": f.plainRole.Id, "todo:update:own": f.ownRole.Id, "todo:*:own": f.anyRole.Id}[c.matched]
	require.Equal(t, role, matched.RoleId, c.name)
}

func TestOwner_check(t *testing.T) {
	f := newOwnerFixture(t)
	for _, c := range ownerChecks() {
		t.Run(c.name, func(t *testing.T) {
			resp, err := f.tn.Admin.CheckPermissionWithResponse(bg, f.tn.ID, nil, c.request(f))
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode(), "body: %s", resp.Body)
			c.requireOutcome(t, f, resp.JSON200.Allowed, resp.JSON200.Matched)
		})
	}

	t.Run("a user checks itself with its own email as owner", func(t *testing.T) {
		tok, err := f.tn.Admin.CreateUserTokenWithResponse(bg, f.tn.ID, f.owner.Id, client.TokenCreate{Name: "self"})
		require.NoError(t, err)
		require.Equal(t, http.StatusCreated, tok.StatusCode(), "body: %s", tok.Body)
		self := f.env.Client(tok.JSON201.Token)
		for owner, want := range map[string]bool{f.owner.Email: true, f.other.Email: false} {
			resp, err := self.CheckPermissionWithResponse(bg, f.tn.ID, nil, client.CheckRequest{UserId: "me", Permission: "todo:update", Owner: &owner})
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode(), "body: %s", resp.Body)
			require.Equal(t, want, resp.JSON200.Allowed, "owner %s", owner)
		}
	})

	t.Run("the batch answers each check as /check does, in order", func(t *testing.T) {
		cases := ownerChecks()
		checks := make([]client.CheckRequest, len(cases))
		for i, c := range cases {
			checks[i] = c.request(f)
		}
		resp, err := f.tn.Admin.CheckPermissionsWithResponse(bg, f.tn.ID, nil, client.CheckBatchRequest{Checks: checks})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode(), "body: %s", resp.Body)
		require.Len(t, resp.JSON200.Results, len(cases))
		for i, c := range cases {
			c.requireOutcome(t, f, resp.JSON200.Results[i].Allowed, resp.JSON200.Results[i].Matched)
		}
	})
}

func TestOwner_permissionsAndHolders(t *testing.T) {
	f := newOwnerFixture(t)

	t.Run("a user's permissions list the owner-only pattern as it is", func(t *testing.T) {
		for _, c := range []struct {
			user client.User
			want []string
		}{
			{f.owner, []string{"todo:update:own"}},
			{f.plain, []string{"todo:update"}},
			{f.other, []string{"todo:read"}},
			{f.anyOwn, []string{"todo:*:own"}},
		} {
			resp, err := f.tn.Admin.GetUserPermissionsWithResponse(bg, f.tn.ID, c.user.Id, nil)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode(), "body: %s", resp.Body)
			require.Equal(t, c.want, resp.JSON200.Permissions, c.user.Email)
		}
	})

	// The tenant's administrator holds `*:*`, which covers both.
	holders := func(t *testing.T, perm string) []string {
		t.Helper()
		resp, err := f.tn.Admin.ListUsersWithResponse(bg, f.tn.ID, &client.ListUsersParams{HoldsPermission: &perm})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode(), "body: %s", resp.Body)
		var ids []string
		for _, u := range resp.JSON200.Items {
			ids = append(ids, u.Id)
		}
		slices.Sort(ids)
		return ids
	}
	sorted := func(ids ...string) []string { slices.Sort(ids); return ids }
	for _, c := range []struct {
		name, perm string
		want       []string
	}{
		{"holders of todo:update:own: the owner-only holder and the plain holder", "todo:update:own", sorted(f.owner.Id, f.plain.Id, f.anyOwn.Id, f.tn.AdminUser.Id)},
		{"holders of todo:update: the plain holder only", "todo:update", sorted(f.plain.Id, f.tn.AdminUser.Id)},
	} {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, holders(t, c.perm))
		})
	}
}

// ownerCaller is a client for a new user of the tenant whose only role
// holds exactly perms (an unscoped token), as specops_test.go's callerWith,
// through the typed client.
func ownerCaller(t *testing.T, f ownerFixture, perms ...string) *client.ClientWithResponses {
	t.Helper()
	n := fresh()
	role := f.tn.role(t, "caller-"+n, perms...)
	u := f.tn.user(t, "caller-"+n+"@own.test", role.Id)
	tok, err := f.tn.Admin.CreateUserTokenWithResponse(bg, f.tn.ID, u.Id, client.TokenCreate{Name: "caller"})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, tok.StatusCode(), "body: %s", tok.Body)
	return f.env.Client(tok.JSON201.Token)
}

func TestOwner_escalation(t *testing.T) {
	f := newOwnerFixture(t)
	plainHolder := []string{"roles:write", "users:write", "assignments:write", "todo:update"}
	ownHolder := []string{"roles:write", "users:write", "assignments:write", "todo:update:own"}
	cases := []struct {
		name   string
		holds  []string
		grants string
		status int
	}{
		{"todo:update covers todo:update:own", []string{"roles:write", "assignments:write", "todo:update"}, "todo:update:own", http.StatusCreated},
		{"todo:update covers itself", plainHolder, "todo:update", http.StatusCreated},
		{"todo:update:own covers itself", []string{"roles:write", "todo:update:own"}, "todo:update:own", http.StatusCreated},
		{"todo:update:own does not cover todo:update", []string{"roles:write", "todo:update:own"}, "todo:update", http.StatusForbidden},
		{"todo:update:own does not cover todo:*:own", ownHolder, "todo:*:own", http.StatusForbidden},
		{"todo:update does not cover todo:delete:own", plainHolder, "todo:delete:own", http.StatusForbidden},
		{"todo:*:own covers todo:update:own", []string{"roles:write", "todo:*:own"}, "todo:update:own", http.StatusCreated},
		{"todo:*:own does not cover todo:update", []string{"roles:write", "todo:*:own"}, "todo:update", http.StatusForbidden},
	}
	for _, c := range cases {
		t.Run("create a role: "+c.name, func(t *testing.T) {
			cl := ownerCaller(t, f, c.holds...)
			name := "made-" + fresh()
			rev := f.env.Revision(f.tn.ID)
			resp, err := cl.CreateRoleWithResponse(bg, f.tn.ID, client.RoleCreate{Name: name, DisplayName: name, Permissions: []string{c.grants}})
			require.NoError(t, err)
			if c.status == http.StatusCreated {
				require.Equal(t, http.StatusCreated, resp.StatusCode(), "body: %s", resp.Body)
				require.Equal(t, []string{c.grants}, resp.JSON201.Permissions)
				return
			}
			requireProblem(t, resp.HTTPResponse, resp.Body, c.status, "forbidden", "")
			require.Equal(t, rev, f.env.Revision(f.tn.ID), "a refused role was made")
		})
	}

	// Granting an existing role, or inheriting from it, follows the same rule.
	grants := []struct {
		name   string
		holds  []string
		role   func() client.Role
		status int
	}{
		{"todo:update may grant the owner-only role", plainHolder, func() client.Role { return f.ownRole }, http.StatusCreated},
		{"todo:update:own may grant the owner-only role", ownHolder, func() client.Role { return f.ownRole }, http.StatusCreated},
		{"todo:update:own may not grant the plain role", ownHolder, func() client.Role { return f.plainRole }, http.StatusForbidden},
	}
	for _, c := range grants {
		t.Run("assign: "+c.name, func(t *testing.T) {
			cl := ownerCaller(t, f, c.holds...)
			target := f.tn.user(t, "target-"+fresh()+"@own.test")
			resp, err := cl.AssignUserRoleWithResponse(bg, f.tn.ID, target.Id, client.AssignmentCreate{RoleId: c.role().Id})
			require.NoError(t, err)
			if c.status == http.StatusCreated {
				require.Equal(t, http.StatusCreated, resp.StatusCode(), "body: %s", resp.Body)
				return
			}
			requireProblem(t, resp.HTTPResponse, resp.Body, c.status, "forbidden", "")
		})
		t.Run("update a role's permissions: "+c.name, func(t *testing.T) {
			cl := ownerCaller(t, f, c.holds...)
			empty := f.tn.role(t, "empty-"+fresh(), []string{}...)
			perms := c.role().Permissions
			resp, err := cl.UpdateRoleWithResponse(bg, f.tn.ID, empty.Id, nil, client.RoleUpdate{Permissions: &perms})
			require.NoError(t, err)
			if c.status == http.StatusCreated {
				require.Equal(t, http.StatusOK, resp.StatusCode(), "body: %s", resp.Body)
				require.Equal(t, perms, resp.JSON200.Permissions)
				return
			}
			requireProblem(t, resp.HTTPResponse, resp.Body, c.status, "forbidden", "")
		})
		t.Run("inherit: "+c.name, func(t *testing.T) {
			cl := ownerCaller(t, f, c.holds...)
			name := "child-" + fresh()
			resp, err := cl.CreateRoleWithResponse(bg, f.tn.ID, client.RoleCreate{Name: name, DisplayName: name,
				Permissions: []string{}, InheritsFrom: &[]string{c.role().Id}})
			require.NoError(t, err)
			if c.status == http.StatusCreated {
				require.Equal(t, http.StatusCreated, resp.StatusCode(), "body: %s", resp.Body)
				return
			}
			requireProblem(t, resp.HTTPResponse, resp.Body, c.status, "forbidden", "")
		})
	}
}
