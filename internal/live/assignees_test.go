package live_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/live"
	"github.com/rosterhq/roster/internal/rbac"
	"github.com/rosterhq/roster/internal/store/gormstore"
)

// countingSource counts full snapshot loads.
type countingSource struct {
	*gormstore.Store
	snapshots atomic.Int32
}

func (c *countingSource) LoadSnapshot(ctx context.Context, tenantID string) (rbac.Snapshot, error) {
	c.snapshots.Add(1)
	return c.Store.LoadSnapshot(ctx, tenantID)
}

func makeUsers(t *testing.T, s *gormstore.Store, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		u, _, err := s.CreateUser(ctx, w, rbac.UserInput{Email: fmt.Sprintf("u%d@acme.test", i)})
		require.NoError(t, err)
		ids[i] = u.ID
	}
	return ids
}

// A role's assignee list changes many users in one write: the engine
// reloads each user the change lists, not only its target (the role).
func TestEngines_roleAssigneesReloadListedUsers(t *testing.T) {
	s := newStore(t)
	src := &countingSource{Store: s}
	e := live.New(src, nil)
	ids := makeUsers(t, s, 3)
	require.False(t, allowed(t, e, 0, ids[0], "docs:write"))

	rev, err := s.AddRoleAssignees(ctx, w, "role_editor", ids[:2])
	require.NoError(t, err)
	require.True(t, allowed(t, e, rev, ids[0], "docs:write"))
	require.True(t, allowed(t, e, rev, ids[1], "docs:write"))
	require.False(t, allowed(t, e, rev, ids[2], "docs:write"))

	rev, err = s.ReplaceRoleAssignees(ctx, w, "role_editor", ids[2:])
	require.NoError(t, err)
	require.False(t, allowed(t, e, rev, ids[0], "docs:write"))
	require.True(t, allowed(t, e, rev, ids[2], "docs:write"))
	require.EqualValues(t, 1, src.snapshots.Load(), "small changes are replayed, not reloaded")
}

// A change listing more users than the replay threshold reloads the tenant.
func TestEngines_bigAssigneeListReloadsTheTenant(t *testing.T) {
	s := newStore(t)
	src := &countingSource{Store: s}
	e := live.New(src, nil)
	ids := makeUsers(t, s, 6)
	_, err := e.Get(ctx, "acme", 0)
	require.NoError(t, err)
	defer live.SetFullReloadAfter(live.SetFullReloadAfter(5))

	rev, err := s.ReplaceRoleAssignees(ctx, w, "role_editor", ids)
	require.NoError(t, err)
	for _, id := range ids {
		require.True(t, allowed(t, e, rev, id, "docs:write"))
	}
	require.EqualValues(t, 2, src.snapshots.Load(), "one change naming six users weighs more than five")
}
