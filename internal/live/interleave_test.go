package live_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/live"
	"github.com/rosterhq/roster/internal/rbac"
	"github.com/rosterhq/roster/internal/store/gormstore"
)

// hookSource is the real store with hooks at the points where a concurrent
// write, a Forget or a broken feed can land between the engine's reads:
// each interleaving below is forced there instead of hoped for with sleeps.
type hookSource struct {
	*gormstore.Store
	mu            sync.Mutex
	afterDelta    func(d *rbac.Delta) // runs once, after the store's read
	afterSnapshot func()              // runs once, after the store's read
}

func (h *hookSource) take(fn *func(d *rbac.Delta)) func(d *rbac.Delta) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f := *fn
	*fn = nil
	return f
}

func (h *hookSource) LoadDelta(ctx context.Context, tenantID string, since int64, maxWeight int) (rbac.Delta, bool, error) {
	d, ok, err := h.Store.LoadDelta(ctx, tenantID, since, maxWeight)
	if f := h.take(&h.afterDelta); f != nil && err == nil && ok {
		f(&d)
	}
	return d, ok, err
}

func (h *hookSource) LoadSnapshot(ctx context.Context, tenantID string) (rbac.Snapshot, error) {
	snap, err := h.Store.LoadSnapshot(ctx, tenantID)
	h.mu.Lock()
	f := h.afterSnapshot
	h.afterSnapshot = nil
	h.mu.Unlock()
	if f != nil {
		f()
	}
	return snap, err
}

// A write that commits after the catch-up read its delta (the old code's
// lost write: it read "no changes", then the revision, and jumped to it) is
// applied by the next Get, whether this process heard of it or not.
func TestInterleave_writeAfterTheDeltaRead(t *testing.T) {
	for _, notified := range []bool{true, false} {
		s := newStore(t)
		src := &hookSource{Store: s}
		e := live.New(src, nil)
		_, err := e.Get(ctx, "acme", 0)
		require.NoError(t, err)
		u, rev, err := s.CreateUser(ctx, w, rbac.UserInput{Email: "first@acme.test"})
		require.NoError(t, err)
		var late rbac.User
		var lateRev int64
		src.afterDelta = func(*rbac.Delta) {
			late, lateRev, err = s.CreateUser(ctx, w, rbac.UserInput{Email: "late@acme.test", Roles: []string{"role_editor"}})
			require.NoError(t, err)
			if notified {
				e.Notify("acme", lateRev)
			}
		}
		eng, err := e.Get(ctx, "acme", rev)
		require.NoError(t, err)
		if notified {
			require.Equal(t, lateRev, eng.Revision(), "a write this process reported while it caught up is waited for")
		} else {
			require.Equal(t, rev, eng.Revision(), "the engine reports the delta's revision, not the database's newer one")
			require.False(t, eng.HasUser(late.ID))
			require.NoError(t, e.PollOnce(ctx))
		}
		eng, err = e.Get(ctx, "acme", 0)
		require.NoError(t, err)
		require.True(t, eng.HasUser(u.ID))
		require.True(t, eng.HasUser(late.ID), "notified=%v: the late write is never lost", notified)
		require.True(t, allowed(t, e, lateRev, late.ID, "docs:write"))
	}
}

// A Notify that arrives while another goroutine catches up is never
// overwritten by the older revision that catch-up reached (the old code
// stored the engine's revision into known, lowering it).
func TestInterleave_notifyDuringCatchUp(t *testing.T) {
	s := newStore(t)
	src := &hookSource{Store: s}
	e := live.New(src, nil)
	_, err := e.Get(ctx, "acme", 0)
	require.NoError(t, err)
	u, rev, err := s.CreateUser(ctx, w, rbac.UserInput{Email: "u@acme.test"})
	require.NoError(t, err)
	var assigned int64
	src.afterDelta = func(*rbac.Delta) {
		_, _, assigned, err = s.Assign(ctx, w, u.ID, rbac.AssignmentInput{RoleID: "role_editor"})
		require.NoError(t, err)
		e.Notify("acme", assigned)
	}
	e.Notify("acme", rev)
	_, err = e.Get(ctx, "acme", 0)
	require.NoError(t, err)
	require.True(t, allowed(t, e, 0, u.ID, "docs:write"), "read-your-writes holds for the write reported mid catch-up")
}

// A tenant forgotten while its engine loads (deleted and made again under
// the same id) gets a new entry that nothing of the old load reaches.
func TestInterleave_forgetDuringLoad(t *testing.T) {
	s := newStore(t)
	src := &hookSource{Store: s}
	e := live.New(src, nil)
	for i := range 5 {
		_, _, err := s.CreateUser(ctx, w, rbac.UserInput{Email: string(rune('a'+i)) + "@acme.test"})
		require.NoError(t, err)
	}
	var fresh rbac.User
	src.afterSnapshot = func() {
		require.NoError(t, s.DeleteTenant(ctx, "acme"))
		_, err := s.CreateTenant(ctx, operator, rbac.TenantInput{ID: "acme", Name: "Acme again"})
		require.NoError(t, err)
		fresh, _, err = s.CreateUser(ctx, w, rbac.UserInput{Email: "new@acme.test"})
		require.NoError(t, err)
		e.Forget("acme")
	}
	_, err := e.Get(ctx, "acme", 0) // loads the old tenant into the entry it forgets
	require.NoError(t, err)
	eng, err := e.Get(ctx, "acme", 0)
	require.NoError(t, err)
	rev, err := s.TenantRevision(ctx, "acme")
	require.NoError(t, err)
	require.Equal(t, rev, eng.Revision(), "the new tenant's engine, at the new tenant's revision")
	require.True(t, eng.HasUser(fresh.ID))
}

// A delta with a hole (a store breaking its contract) is never applied: the
// engine rebuilds from a snapshot instead of skipping the missing change.
func TestInterleave_gapIsNeverSkipped(t *testing.T) {
	s := newStore(t)
	src := &hookSource{Store: s}
	var logs bytes.Buffer
	e := live.New(src, slog.New(slog.NewTextHandler(&logs, nil)))
	_, err := e.Get(ctx, "acme", 0)
	require.NoError(t, err)
	u, _, err := s.CreateUser(ctx, w, rbac.UserInput{Email: "u@acme.test", Roles: []string{"role_editor"}})
	require.NoError(t, err)
	_, rev, err := s.CreateUser(ctx, w, rbac.UserInput{Email: "v@acme.test"})
	require.NoError(t, err)
	src.afterDelta = func(d *rbac.Delta) { d.Changes = d.Changes[1:] } // lose u's creation
	require.True(t, allowed(t, e, rev, u.ID, "docs:write"))
	require.Contains(t, logs.String(), "did not apply")
}

// Verification counts and logs an engine that differs from the database,
// and rebuilds it; writes landing while it compares are not differences.
func TestVerify_repairsWhatDiffers(t *testing.T) {
	s := newStore(t)
	var logs bytes.Buffer
	e := live.New(s, slog.New(slog.NewJSONHandler(&logs, nil)))
	u, _, err := s.CreateUser(ctx, w, rbac.UserInput{Email: "u@acme.test"})
	require.NoError(t, err)
	require.False(t, allowed(t, e, 0, u.ID, "docs:write"))

	require.NoError(t, e.Verify(ctx))
	require.Empty(t, e.Repairs(), "an engine in step with the database is no repair")

	// A row written behind the store's back: no change in the feed.
	_, err = s.DB().Exec(`INSERT INTO assignments (tenant_id, user_id, role_id, org_id, assigned_by, assigned_at, reason)
		VALUES ('acme', ?, 'role_editor', '', 'operator', 0, '')`, u.ID)
	require.NoError(t, err)
	require.NoError(t, e.Verify(ctx))
	require.Equal(t, map[string]uint64{"acme": 1}, e.Repairs())
	require.Contains(t, logs.String(), `"level":"ERROR"`)
	require.Contains(t, logs.String(), "user "+u.ID)
	require.True(t, allowed(t, e, 0, u.ID, "docs:write"), "rebuilt from the database")
	require.NoError(t, e.Verify(ctx))
	require.Equal(t, map[string]uint64{"acme": 1}, e.Repairs(), "once repaired, nothing differs")
}

// A user's email changed behind the store's back (no change in the feed)
// leaves the engine's name index stale: verification sees it and repairs.
func TestVerify_repairsAStaleName(t *testing.T) {
	s := newStore(t)
	e := live.New(s, nil)
	u, _, err := s.CreateUser(ctx, w, rbac.UserInput{Email: "u@acme.test", ExternalUserID: "idp-u"})
	require.NoError(t, err)
	eng, err := e.Get(ctx, "acme", 0)
	require.NoError(t, err)
	id, _ := eng.ResolveUser("u@acme.test")
	require.Equal(t, u.ID, id)
	require.NoError(t, e.Verify(ctx))
	require.Empty(t, e.Repairs())

	_, err = s.DB().Exec(`UPDATE users SET email = 'v@acme.test', email_key = 'v@acme.test', external_user_id = 'idp-v' WHERE id = ?`, u.ID)
	require.NoError(t, err)
	require.NoError(t, e.Verify(ctx))
	require.Equal(t, map[string]uint64{"acme": 1}, e.Repairs())
	eng, err = e.Get(ctx, "acme", 0)
	require.NoError(t, err)
	for ref, want := range map[string]string{"V@acme.test": u.ID, "idp-v": u.ID, "u@acme.test": "", "idp-u": ""} {
		id, _ := eng.ResolveUser(ref)
		require.Equal(t, want, id, "ResolveUser(%q) after the repair", ref)
	}
	require.NoError(t, e.Verify(ctx))
	require.Equal(t, map[string]uint64{"acme": 1}, e.Repairs(), "once repaired, nothing differs")
}

func TestVerify_writesDuringTheComparison(t *testing.T) {
	s := newStore(t)
	src := &hookSource{Store: s}
	e := live.New(src, nil)
	u, _, err := s.CreateUser(ctx, w, rbac.UserInput{Email: "u@acme.test"})
	require.NoError(t, err)
	_, err = e.Get(ctx, "acme", 0)
	require.NoError(t, err)
	// After verification's snapshot, before it compares: the engine moves
	// past the snapshot, which must not count as a difference.
	src.afterSnapshot = func() {
		_, _, rev, err := s.Assign(ctx, w, u.ID, rbac.AssignmentInput{RoleID: "role_editor"})
		require.NoError(t, err)
		e.Notify("acme", rev)
		_, err = e.Get(ctx, "acme", 0)
		require.NoError(t, err)
	}
	require.NoError(t, e.Verify(ctx))
	require.Empty(t, e.Repairs())
	require.True(t, allowed(t, e, 0, u.ID, "docs:write"))
}
