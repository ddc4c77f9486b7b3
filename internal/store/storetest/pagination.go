package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/rbac"
)

func testPagination(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	const n = 45
	for i := 0; i < n; i++ {
		f.user(fmtUser(i))
	}
	seen := map[string]bool{}
	after := ""
	pages := 0
	for {
		users, next, err := f.s.ListUsers(ctx, "acme", rbac.UserFilter{Page: rbac.Page{Limit: 20, After: after}})
		require.NoError(t, err)
		pages++
		for i, u := range users {
			require.False(t, seen[u.ID], "user listed twice")
			seen[u.ID] = true
			if i > 0 {
				require.Less(t, users[i-1].ID, u.ID, "ordered by id")
			}
		}
		if next == "" {
			break
		}
		after = next
	}
	require.Len(t, seen, n)
	require.Equal(t, 3, pages)

	evs, next, err := f.s.ListAuditEvents(ctx, "acme", rbac.AuditFilter{Page: rbac.Page{Limit: 2}})
	require.NoError(t, err)
	require.Equal(t, "user.create", evs[0].Action)
	older, _, err := f.s.ListAuditEvents(ctx, "acme", rbac.AuditFilter{Page: rbac.Page{Limit: 2, After: next}})
	require.NoError(t, err)
	require.True(t, !older[0].At.After(evs[1].At), "newest first across pages")
}
