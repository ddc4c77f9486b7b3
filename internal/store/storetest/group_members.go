package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/rbac"
)

func (f fixture) members(groupID string) []string {
	f.t.Helper()
	var ids []string
	after := ""
	for {
		users, next, err := f.s.ListGroupMembers(ctx, f.tenant, groupID, rbac.Page{Limit: 2, After: after})
		require.NoError(f.t, err)
		for _, u := range users {
			ids = append(ids, u.ID)
		}
		if next == "" {
			return ids
		}
		after = next
	}
}

func testGroupMembers(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	g := f.group("team")
	a, b, c := f.user("a@x.test"), f.user("b@x.test"), f.user("c@x.test")
	sorted := func(ids ...string) []string { return sortedIDs(ids) }

	for _, op := range []struct {
		name string
		fn   func(context.Context, rbac.Write, string, []string) (int64, error)
	}{
		{"add", f.s.AddGroupMembers}, {"remove", f.s.RemoveGroupMembers}, {"replace", f.s.ReplaceGroupMembers},
	} {
		t.Run(op.name+" is all or nothing", func(t *testing.T) {
			f.unchanged(rbac.EInvalid, "data[1].id", func() error {
				_, err := op.fn(ctx, f.w(), g.ID, []string{a.ID, "usr_nope", b.ID})
				return err
			})
			f.unchanged(rbac.EInvalid, "data[2]", func() error {
				_, err := op.fn(ctx, f.w(), g.ID, []string{a.ID, b.ID, a.ID})
				return err
			})
			f.unchanged(rbac.ENotFound, "", func() error {
				_, err := op.fn(ctx, f.w(), "grp_nope", []string{a.ID})
				return err
			})
			require.Empty(t, f.members(g.ID))
		})
	}

	rev := f.revision()
	got, err := f.s.AddGroupMembers(ctx, f.w(), g.ID, []string{b.ID, a.ID})
	require.NoError(t, err)
	require.Equal(t, rev+1, got)
	require.Equal(t, sorted(a.ID, b.ID), f.members(g.ID))
	ev := f.lastEvent()
	require.Equal(t, "group.members.add", ev.Action)
	require.Equal(t, "group", ev.TargetType)
	require.Equal(t, g.ID, ev.TargetID)
	require.ElementsMatch(t, []any{a.ID, b.ID}, ev.Details["added"])
	up, err := f.s.GetGroup(ctx, "acme", g.ID)
	require.NoError(t, err)
	require.Equal(t, 2, up.MemberCount)
	require.Equal(t, g.Version+1, up.Version, "member_count is part of the group: its ETag moves")

	f.same(func() (int64, error) { return f.s.AddGroupMembers(ctx, f.w(), g.ID, []string{a.ID}) })
	f.same(func() (int64, error) { return f.s.AddGroupMembers(ctx, f.w(), g.ID, nil) })
	f.same(func() (int64, error) { return f.s.RemoveGroupMembers(ctx, f.w(), g.ID, []string{c.ID}) })
	f.same(func() (int64, error) { return f.s.ReplaceGroupMembers(ctx, f.w(), g.ID, []string{b.ID, a.ID}) })

	_, err = f.s.AddGroupMembers(ctx, f.w(), g.ID, []string{a.ID, c.ID})
	require.NoError(t, err, "members already in stay")
	require.Equal(t, []any{c.ID}, f.lastEvent().Details["added"])
	require.Equal(t, sorted(a.ID, b.ID, c.ID), f.members(g.ID))

	_, err = f.s.RemoveGroupMembers(ctx, f.w(), g.ID, []string{b.ID})
	require.NoError(t, err)
	ev = f.lastEvent()
	require.Equal(t, "group.members.remove", ev.Action)
	require.Equal(t, []any{b.ID}, ev.Details["removed"])
	_, err = f.s.RemoveGroupMembers(ctx, f.w(), g.ID, []string{b.ID, c.ID})
	require.NoError(t, err, "known users who are not members are ignored")
	require.Equal(t, []any{c.ID}, f.lastEvent().Details["removed"])
	require.Equal(t, []string{a.ID}, f.members(g.ID))

	_, err = f.s.ReplaceGroupMembers(ctx, f.w(), g.ID, []string{c.ID, b.ID})
	require.NoError(t, err)
	ev = f.lastEvent()
	require.Equal(t, "group.members.replace", ev.Action)
	require.ElementsMatch(t, []any{b.ID, c.ID}, ev.Details["added"])
	require.Equal(t, []any{a.ID}, ev.Details["removed"])
	require.Equal(t, sorted(b.ID, c.ID), f.members(g.ID))

	byGroup, _, err := f.s.ListUsers(ctx, "acme", rbac.UserFilter{GroupID: g.ID})
	require.NoError(t, err)
	require.Len(t, byGroup, 2)
	byGroup, _, err = f.s.ListUsers(ctx, "acme", rbac.UserFilter{GroupID: g.ID, Search: "B@X"})
	require.NoError(t, err)
	require.Len(t, byGroup, 1)
	require.Equal(t, b.ID, byGroup[0].ID)
	_, _, err = f.s.ListUsers(ctx, "acme", rbac.UserFilter{GroupID: "grp_nope"})
	require.Equal(t, rbac.ENotFound, rbac.ErrorCode(err))
	_, _, err = f.s.ListGroupMembers(ctx, "acme", "grp_nope", rbac.Page{})
	require.Equal(t, rbac.ENotFound, rbac.ErrorCode(err))

	before, err := f.s.GetGroup(ctx, "acme", g.ID)
	require.NoError(t, err)
	_, err = f.s.DeleteUser(ctx, f.w(), b.ID)
	require.NoError(t, err)
	require.Equal(t, []any{g.ID}, f.lastEvent().Details["left_groups"])
	after, err := f.s.GetGroup(ctx, "acme", g.ID)
	require.NoError(t, err)
	require.Equal(t, 1, after.MemberCount, "a deleted user leaves its groups")
	require.Equal(t, before.Version+1, after.Version)
	require.Equal(t, []string{c.ID}, f.members(g.ID))

	_, err = f.s.ReplaceGroupMembers(ctx, f.w(), g.ID, nil)
	require.NoError(t, err)
	require.Equal(t, []any{c.ID}, f.lastEvent().Details["removed"])
	require.Empty(t, f.members(g.ID))
}

func testGroupIsolation(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	_, err := f.s.CreateTenant(ctx, operator, rbac.TenantInput{ID: "globex", Name: "Globex"})
	require.NoError(t, err)
	o := fixture{t: t, s: f.s, tenant: "globex"}
	g := f.group("team")
	u := f.user("a@acme.test")
	r := f.role("acmeonly", nil)
	og := o.group("team") // names are unique per tenant only
	ou := o.user("b@globex.test")
	or := o.role("r", nil)

	_, err = f.s.GetGroup(ctx, "globex", g.ID)
	require.Equal(t, rbac.ENotFound, rbac.ErrorCode(err))
	_, _, err = f.s.ListGroupMembers(ctx, "globex", g.ID, rbac.Page{})
	require.Equal(t, rbac.ENotFound, rbac.ErrorCode(err))
	_, _, err = f.s.ListGroupAssignments(ctx, "globex", g.ID, rbac.Page{})
	require.Equal(t, rbac.ENotFound, rbac.ErrorCode(err))
	_, _, err = f.s.ListUsers(ctx, "globex", rbac.UserFilter{GroupID: g.ID})
	require.Equal(t, rbac.ENotFound, rbac.ErrorCode(err))
	snap, err := f.s.LoadSnapshot(ctx, "globex")
	require.NoError(t, err)
	for _, sg := range snap.Groups {
		require.NotEqual(t, g.ID, sg.ID, "another tenant's snapshot holds no group of this one")
	}
	list, _, err := f.s.ListGroups(ctx, "globex", rbac.GroupFilter{})
	require.NoError(t, err)
	require.Equal(t, []string{og.ID}, groupIDs(list))

	o.unchanged(rbac.ENotFound, "", func() error { _, err := f.s.AddGroupMembers(ctx, o.w(), g.ID, []string{ou.ID}); return err })
	o.unchanged(rbac.EInvalid, "data[0].id", func() error {
		_, err := f.s.AddGroupMembers(ctx, o.w(), og.ID, []string{u.ID})
		return err
	})
	o.unchanged(rbac.EInvalid, "role_id", func() error {
		_, _, _, err := f.s.AssignGroup(ctx, o.w(), og.ID, rbac.AssignmentInput{RoleID: r.ID})
		return err
	})
	o.unchanged(rbac.ENotFound, "", func() error {
		_, _, _, err := f.s.AssignGroup(ctx, o.w(), g.ID, rbac.AssignmentInput{RoleID: or.ID})
		return err
	})
	name := "renamed"
	o.unchanged(rbac.ENotFound, "", func() error {
		_, _, err := f.s.UpdateGroup(ctx, o.w(), g.ID, rbac.GroupPatch{Name: &name})
		return err
	})
	o.unchanged(rbac.ENotFound, "", func() error { _, err := f.s.DeleteGroup(ctx, o.w(), g.ID); return err })
	_, err = f.s.GetGroup(ctx, "acme", g.ID)
	require.NoError(t, err)
}

func sortedIDs(ids []string) []string { return slices.Sorted(slices.Values(ids)) }
