package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/rbac"
)

// testDryRun: inspect sees the delta of fn's writes — its changes and the
// state at their end of what they name, uncommitted writes included — and
// then nothing of them is left: not the revision, not an audit event, not a
// row, not the snapshot the engines load. fn's error skips inspect.
func testDryRun(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	f.role("viewer", []string{"docs:read"})
	ada := f.user("ada@acme.test")
	rev, events := f.revision(), f.auditCount()
	before, err := f.s.LoadSnapshot(ctx, "acme")
	require.NoError(t, err)

	var seen rbac.Delta
	err = f.s.DryRun(ctx, "acme", func(ctx context.Context) error {
		if _, _, err := f.s.CreateRole(ctx, f.w(), rbac.RoleInput{Name: "editor", DisplayName: "E", Permissions: []string{"docs:write"},
			InheritsFrom: []string{"role_viewer"}, Assignable: true}); err != nil {
			return err
		}
		_, _, _, err := f.s.Assign(ctx, f.w(), ada.ID, rbac.AssignmentInput{RoleID: "role_editor"})
		return err
	}, func(d rbac.Delta) error {
		seen = d
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, rev, seen.From)
	require.Equal(t, rev+2, seen.To)
	require.Len(t, seen.Changes, 2)
	require.Equal(t, rbac.ActionRoleCreate, seen.Changes[0].Action)
	require.Len(t, seen.Users, 1)
	require.Equal(t, []rbac.Grant{{RoleID: "role_editor"}}, seen.Users[0].Grants, "the uncommitted grant")
	require.Len(t, seen.Roles, 1)
	require.Equal(t, []string{"role_viewer"}, seen.Roles[0].Parents)

	require.Equal(t, rev, f.revision(), "no revision")
	require.Equal(t, events, f.auditCount(), "no audit event")
	_, err = f.s.GetRole(ctx, "acme", "role_editor")
	require.Equal(t, rbac.ENotFound, rbac.ErrorCode(err), "no row")
	after, err := f.s.LoadSnapshot(ctx, "acme")
	require.NoError(t, err)
	require.Equal(t, before, after)
	changes, err := f.s.Changes(ctx, "acme", rev, 0)
	require.NoError(t, err)
	require.Empty(t, changes, "nothing on the change feed")

	// A write after the dry run takes the revision the dry run did not keep.
	f.role("later", []string{})
	require.Equal(t, rev+1, f.revision())

	boom := errors.New("boom")
	called := false
	err = f.s.DryRun(ctx, "acme", func(ctx context.Context) error { return boom }, func(rbac.Delta) error { called = true; return nil })
	require.ErrorIs(t, err, boom)
	require.False(t, called, "no inspect after fn failed")
	err = f.s.DryRun(ctx, "acme", func(ctx context.Context) error { return nil }, func(d rbac.Delta) error {
		require.Equal(t, d.From, d.To, "no writes, an empty delta")
		return boom
	})
	require.ErrorIs(t, err, boom, "inspect's error")

	err = f.s.DryRun(ctx, "nope", func(ctx context.Context) error { return nil }, func(rbac.Delta) error { return nil })
	require.Equal(t, rbac.ENotFound, rbac.ErrorCode(err))
}
