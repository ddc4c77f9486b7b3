package live

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/rbac"
)

// feed is an rbac.EvalSource of one tenant whose only changes are user
// updates; each appended change bumps the revision.
type feed struct {
	mu      sync.Mutex
	changes []rbac.Change
}

func (f *feed) rev() int64 { return int64(len(f.changes)) }

func (f *feed) add(userID string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.changes = append(f.changes, rbac.Change{Revision: f.rev() + 1, Action: rbac.ActionUserUpdate, Target: rbac.TargetUser, TargetID: userID})
	return f.rev()
}

func (f *feed) LoadSnapshot(context.Context, string) (rbac.Snapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return rbac.Snapshot{Revision: f.rev()}, nil
}

func (f *feed) TenantRevision(context.Context, string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rev(), nil
}

func (f *feed) Changes(_ context.Context, _ string, since int64, limit int) ([]rbac.Change, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.changes[since:]
	return out[:min(len(out), limit)], nil
}

func (f *feed) LoadDelta(_ context.Context, _ string, since int64, _ int) (rbac.Delta, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d := rbac.Delta{From: since, To: f.rev(), Changes: f.changes[since:]}
	for _, id := range rbac.Name(d.Changes).Users {
		d.Users = append(d.Users, rbac.SnapshotUser{ID: id, Active: true})
	}
	return d, true, nil
}

func TestEngines_Stats(t *testing.T) {
	ctx := context.Background()
	src := &feed{}
	e := New(src, nil)
	require.Equal(t, SyncStats{}, e.Stats())

	_, err := e.Get(ctx, "t1", 0)
	require.NoError(t, err)
	s := e.Stats()
	require.Equal(t, uint64(1), s.Loads, "the first Get loads a snapshot")
	require.Zero(t, s.CatchUps)

	_, err = e.Get(ctx, "t1", 0)
	require.NoError(t, err)
	require.Equal(t, s, e.Stats(), "an engine already new enough costs no sync")

	e.Notify("t1", src.add("alice"))
	tn, err := e.Get(ctx, "t1", 0)
	require.NoError(t, err)
	require.True(t, tn.HasUser("alice"))
	s = e.Stats()
	require.Equal(t, uint64(1), s.Loads)
	require.Equal(t, uint64(1), s.CatchUps)
	require.Positive(t, s.LoadTime)
	require.Positive(t, s.CatchUpTime)
}
