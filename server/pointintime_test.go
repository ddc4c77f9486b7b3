package server_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/server/servertest"
)

// instant is a moment between two writes: the writes' clocks are
// microseconds, so a short pause on each side keeps it strictly between.
func instant() time.Time {
	time.Sleep(3 * time.Millisecond)
	at := time.Now().UTC()
	time.Sleep(3 * time.Millisecond)
	return at
}

// TestPointInTime: a user granted editor, then a group role, then losing
// both; every read with `at` answers as it stood then, the present as now.
func TestPointInTime(t *testing.T) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	acme.role(t, "editor", "docs:write")
	acme.role(t, "auditor", "audit:read")
	alice := acme.user(t, "alice@acme.test")
	before := instant()

	reason := "quarter close"
	a, err := acme.Admin.AssignUserRoleWithResponse(bg, "acme", alice.Id, client.AssignmentCreate{RoleId: "role_editor", Reason: &reason})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, a.StatusCode(), "body: %s", a.Body)
	grp, err := acme.Admin.CreateGroupWithResponse(bg, "acme", client.GroupCreate{Name: "Audit"})
	require.NoError(t, err)
	gr, err := acme.Admin.AssignGroupRoleWithResponse(bg, "acme", grp.JSON201.Id, client.AssignmentCreate{RoleId: "role_auditor"})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, gr.StatusCode(), "body: %s", gr.Body)
	members := client.LinkageRequest{Data: []client.ResourceIdentifier{{Type: client.ResourceIdentifierTypeUsers, Id: alice.Id}}}
	add, err := acme.Admin.AddGroupMembersWithResponse(bg, "acme", grp.JSON201.Id, members)
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, add.StatusCode(), "body: %s", add.Body)
	during := instant()

	rm, err := acme.Admin.RemoveUserRoleWithResponse(bg, "acme", alice.Id, "role_editor", nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, rm.StatusCode(), "body: %s", rm.Body)
	out, err := acme.Admin.RemoveGroupMembersWithResponse(bg, "acme", grp.JSON201.Id, members)
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, out.StatusCode(), "body: %s", out.Body)
	after := instant()

	check := func(at *time.Time, perm string) client.CheckResult {
		t.Helper()
		resp, err := acme.Admin.CheckPermissionWithResponse(bg, "acme", nil, client.CheckRequest{UserId: alice.Id, Permission: perm, At: at})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode(), "body: %s", resp.Body)
		return *resp.JSON200
	}
	for _, tc := range []struct {
		name    string
		at      *time.Time
		allowed bool
	}{
		{"before the grant", &before, false},
		{"while granted", &during, true},
		{"after the revocation", &after, false},
		{"now", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := check(tc.at, "docs:write")
			require.Equal(t, tc.allowed, got.Allowed)
			require.Equal(t, tc.allowed, check(tc.at, "audit:read").Allowed, "through the group")
			if tc.at == nil {
				require.Nil(t, got.AsOf)
				return
			}
			require.NotNil(t, got.AsOf)
			require.True(t, tc.at.Equal(*got.AsOf), "as_of is the instant asked")
			if tc.allowed {
				require.Equal(t, "role_editor", got.Matched.RoleId)
			}
		})
	}
	require.Less(t, check(&before, "docs:write").Revision, check(&during, "docs:write").Revision)

	perms, err := acme.Admin.GetUserPermissionsWithResponse(bg, "acme", alice.Id, &client.GetUserPermissionsParams{At: &during})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, perms.StatusCode(), "body: %s", perms.Body)
	require.Equal(t, []string{"audit:read", "docs:write"}, perms.JSON200.Permissions)

	roles, err := acme.Admin.GetEvaluatedRolesWithResponse(bg, "acme", alice.Id, &client.GetEvaluatedRolesParams{At: &during})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, roles.StatusCode(), "body: %s", roles.Body)
	var held []string
	for _, r := range roles.JSON200.Items {
		held = append(held, r.RoleId)
	}
	require.ElementsMatch(t, []string{"role_auditor", "role_editor", "role_member"}, held)

	holders := func(at time.Time) []string {
		resp, err := acme.Admin.ListUsersWithResponse(bg, "acme", &client.ListUsersParams{HoldsRole: ptr("role_editor"), At: &at})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode(), "body: %s", resp.Body)
		var ids []string
		for _, u := range resp.JSON200.Items {
			ids = append(ids, u.Id)
		}
		return ids
	}
	require.Equal(t, []string{alice.Id}, holders(during))
	require.Empty(t, holders(after))

	batch, err := acme.Admin.CheckPermissionsWithResponse(bg, "acme", nil, client.CheckBatchRequest{At: &during,
		Checks: []client.CheckRequest{{UserId: alice.Id, Permission: "docs:write"}, {UserId: alice.Id, Permission: "billing:refund"}}})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, batch.StatusCode(), "body: %s", batch.Body)
	require.True(t, batch.JSON200.Results[0].Allowed)
	require.False(t, batch.JSON200.Results[1].Allowed)

	hist, err := acme.Admin.GetRoleHistoryWithResponse(bg, "acme", alice.Id, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, hist.StatusCode(), "body: %s", hist.Body)
	byRole := map[string]client.GrantInterval{}
	for _, iv := range hist.JSON200.Items {
		byRole[iv.RoleId] = iv
	}
	editor := byRole["role_editor"]
	require.Equal(t, client.GrantIntervalSourceTypeDirect, editor.Source.Type)
	require.Equal(t, acme.AdminUser.Id, editor.GrantedBy)
	require.Equal(t, acme.AdminUser.Id, *editor.RevokedBy)
	require.Equal(t, reason, *editor.Reason)
	require.True(t, editor.From.After(before) && editor.From.Before(during))
	require.True(t, editor.Until != nil && editor.Until.After(during) && editor.Until.Before(after))
	auditor := byRole["role_auditor"]
	require.Equal(t, client.GrantIntervalSourceTypeGroup, auditor.Source.Type)
	require.Equal(t, grp.JSON201.Id, *auditor.Source.GroupId)
	require.NotNil(t, auditor.Until)
	require.NotContains(t, byRole, "role_member", "the default role is not a grant")
}

func TestPointInTime_badInstants(t *testing.T) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	alice := acme.user(t, "alice@acme.test")
	future := time.Now().Add(time.Hour)
	ancient := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	rev := int64(1)
	for _, tc := range []struct {
		name, field string
		send        func() (*http.Response, []byte, error)
	}{
		{"future", "at", func() (*http.Response, []byte, error) {
			r, err := acme.Admin.CheckPermissionWithResponse(bg, "acme", nil, client.CheckRequest{UserId: alice.Id, Permission: "x:y", At: &future})
			return r.HTTPResponse, r.Body, err
		}},
		{"before the history kept", "at", func() (*http.Response, []byte, error) {
			r, err := acme.Admin.GetUserPermissionsWithResponse(bg, "acme", alice.Id, &client.GetUserPermissionsParams{At: &ancient})
			return r.HTTPResponse, r.Body, err
		}},
		{"with min_revision", "at", func() (*http.Response, []byte, error) {
			past := time.Now().Add(-time.Millisecond)
			r, err := acme.Admin.GetEvaluatedRolesWithResponse(bg, "acme", alice.Id, &client.GetEvaluatedRolesParams{At: &past, MinRevision: &rev})
			return r.HTTPResponse, r.Body, err
		}},
		{"at on a batch's check", "checks[0].at", func() (*http.Response, []byte, error) {
			past := time.Now().Add(-time.Millisecond)
			r, err := acme.Admin.CheckPermissionsWithResponse(bg, "acme", nil, client.CheckBatchRequest{
				Checks: []client.CheckRequest{{UserId: alice.Id, Permission: "x:y", At: &past}}})
			return r.HTTPResponse, r.Body, err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body, err := tc.send()
			require.NoError(t, err)
			require.Equal(t, http.StatusBadRequest, resp.StatusCode, "body: %s", body)
			require.Contains(t, string(body), `"field":"`+tc.field+`"`)
		})
	}
	r, err := acme.Admin.GetUserPermissionsWithResponse(bg, "acme", alice.Id, &client.GetUserPermissionsParams{At: &ancient})
	require.NoError(t, err)
	require.Contains(t, string(r.Body), "earliest instant available")
}
