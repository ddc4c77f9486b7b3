package live_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/live"
	"github.com/rosterhq/roster/internal/rbac"
)

// Another replica's write reaches this process's engine through PollOnce,
// without min_revision and without a Notify.
func TestPollOnce_catchesUpOtherWriters(t *testing.T) {
	s := newStore(t)
	e := live.New(s, nil)
	u, _, err := s.CreateUser(ctx, w, rbac.UserInput{Email: "u@acme.test"})
	require.NoError(t, err)
	require.False(t, allowed(t, e, 0, u.ID, "docs:write"))
	_, _, _, err = s.Assign(ctx, w, u.ID, rbac.AssignmentInput{RoleID: "role_editor"})
	require.NoError(t, err)
	require.False(t, allowed(t, e, 0, u.ID, "docs:write"), "not seen before a poll")
	require.NoError(t, e.PollOnce(ctx))
	require.True(t, allowed(t, e, 0, u.ID, "docs:write"))
}

// A database whose revision goes backwards (a failover that lost committed
// writes) makes the engine rebuild rather than trust what it applied.
func TestPollOnce_revisionGoesBackwards(t *testing.T) {
	s := newStore(t)
	e := live.New(s, nil)
	u, _, err := s.CreateUser(ctx, w, rbac.UserInput{Email: "u@acme.test", Roles: []string{"role_editor"}})
	require.NoError(t, err)
	require.True(t, allowed(t, e, 0, u.ID, "docs:write"))

	// Simulate the lost writes: the assignment and the revision it made are gone.
	_, err = s.DB().Exec(`DELETE FROM assignments WHERE tenant_id = 'acme' AND user_id = ?`, u.ID)
	require.NoError(t, err)
	_, err = s.DB().Exec(`UPDATE tenants SET revision = revision - 1 WHERE id = 'acme'`)
	require.NoError(t, err)

	require.NoError(t, e.PollOnce(ctx))
	require.False(t, allowed(t, e, 0, u.ID, "docs:write"), "rebuilt from the database as it is now")
}
