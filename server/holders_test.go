package server_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/server/servertest"
)

// Holders of a role or permission, walked page by page at the page sizes
// around the engine's read-ahead chunk of 32, from sources of more than 32
// users: a direct grant, a group's grant, the default role. These answered
// 500 (a panic in the engine) once a page read past 32 ids of one source.
func TestReverseEvaluation_pagesPastOneChunk(t *testing.T) {
	env := servertest.New(t)
	big := newTenant(t, env, "big")
	big.role(t, "viewer", "docs:read")
	big.role(t, "reports", "reports:*")
	grp, err := big.Admin.CreateGroupWithResponse(bg, "big", client.GroupCreate{Name: "Everyone"})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, grp.StatusCode(), "body: %s", grp.Body)
	gr, err := big.Admin.AssignGroupRoleWithResponse(bg, "big", grp.JSON201.Id, client.AssignmentCreate{RoleId: "role_reports"})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, gr.StatusCode(), "body: %s", gr.Body)

	const n = 33
	var users []string
	var members []client.ResourceIdentifier
	for i := range n {
		u := big.user(t, fmt.Sprintf("u%02d@big.test", i), "role_viewer")
		users = append(users, u.Id)
		members = append(members, client.ResourceIdentifier{Type: client.ResourceIdentifierTypeUsers, Id: u.Id})
	}
	add, err := big.Admin.AddGroupMembersWithResponse(bg, "big", grp.JSON201.Id, client.LinkageRequest{Data: members})
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, add.StatusCode(), "body: %s", add.Body)
	withAdmin := append([]string{big.AdminUser.Id}, users...)
	slices.Sort(users)
	slices.Sort(withAdmin)

	tests := []struct {
		name   string
		params client.ListUsersParams
		want   []string
	}{
		{"direct grants", client.ListUsersParams{HoldsRole: ptr("role_viewer")}, users},
		{"a group's grant", client.ListUsersParams{HoldsRole: ptr("role_reports")}, users},
		{"the default role", client.ListUsersParams{HoldsRole: ptr("role_member")}, withAdmin},
		{"a permission, the admin's *:* included", client.ListUsersParams{HoldsPermission: ptr("docs:read")}, withAdmin},
	}
	for _, tt := range tests {
		for _, limit := range []int{1, 32, 33, 100} {
			t.Run(fmt.Sprintf("%s/limit=%d", tt.name, limit), func(t *testing.T) {
				params := tt.params
				params.Limit = ptr(limit)
				got := []string{}
				for {
					resp, err := big.Admin.ListUsersWithResponse(bg, "big", &params)
					require.NoError(t, err)
					require.Equal(t, http.StatusOK, resp.StatusCode(), "body: %s", resp.Body)
					require.LessOrEqual(t, len(resp.JSON200.Items), limit)
					for _, u := range resp.JSON200.Items {
						got = append(got, u.Id)
					}
					if resp.JSON200.NextCursor == nil {
						break
					}
					params.Cursor = resp.JSON200.NextCursor
				}
				require.Equal(t, tt.want, got)
			})
		}
	}
}
