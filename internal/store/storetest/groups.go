package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/rbac"
)

func (f fixture) group(name string) rbac.Group {
	f.t.Helper()
	g, _, err := f.s.CreateGroup(ctx, f.w(), rbac.GroupInput{Name: name})
	require.NoError(f.t, err)
	return g
}

// same asserts that a write succeeds without changing anything: it answers
// the current revision and leaves no audit event.
func (f fixture) same(fn func() (int64, error)) {
	f.t.Helper()
	rev, events := f.revision(), f.auditCount()
	got, err := fn()
	require.NoError(f.t, err)
	require.Equal(f.t, rev, got, "a no-op write answers the current revision")
	require.Equal(f.t, rev, f.revision(), "a no-op write moved the revision")
	require.Equal(f.t, events, f.auditCount(), "a no-op write left an audit event")
}

// lastEvent is the tenant's newest audit event.
func (f fixture) lastEvent() rbac.AuditEvent {
	f.t.Helper()
	evs, _, err := f.s.ListAuditEvents(ctx, f.tenant, rbac.AuditFilter{Page: rbac.Page{Limit: 1}})
	require.NoError(f.t, err)
	require.NotEmpty(f.t, evs)
	return evs[0]
}

func (f fixture) ifMatch(version int64) rbac.Write {
	w := f.w()
	w.IfMatch = rbac.ETag(version)
	return w
}

func testGroups(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	support := f.group("Support")
	require.Regexp(t, `^grp_[a-z0-9]+$`, support.ID)
	require.Zero(t, support.MemberCount)
	require.EqualValues(t, 1, support.Version)
	ops, _, err := f.s.CreateGroup(ctx, f.w(), rbac.GroupInput{Name: "Ops", Description: "on call"})
	require.NoError(t, err)
	require.Equal(t, "on call", ops.Description)

	long := strings.Repeat("g", 201)
	for _, c := range []struct {
		name  string
		in    rbac.GroupInput
		code  rbac.Code
		field string
	}{
		{"name taken ignoring case", rbac.GroupInput{Name: "SUPPORT"}, rbac.EConflict, ""},
		{"empty name", rbac.GroupInput{Name: "  "}, rbac.EInvalid, "name"},
		{"long name", rbac.GroupInput{Name: long}, rbac.EInvalid, "name"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f.unchanged(c.code, c.field, func() error { _, _, err := f.s.CreateGroup(ctx, f.w(), c.in); return err })
		})
	}

	got, err := f.s.GetGroup(ctx, "acme", support.ID)
	require.NoError(t, err)
	require.Equal(t, support, got)
	_, err = f.s.GetGroup(ctx, "acme", "grp_nope")
	require.Equal(t, rbac.ENotFound, rbac.ErrorCode(err))
	list, _, err := f.s.ListGroups(ctx, "acme", rbac.GroupFilter{Search: "SUPP"})
	require.NoError(t, err)
	require.Equal(t, []string{support.ID}, groupIDs(list))
	list, next, err := f.s.ListGroups(ctx, "acme", rbac.GroupFilter{Page: rbac.Page{Limit: 1}})
	require.NoError(t, err)
	require.Len(t, list, 1)
	rest, last, err := f.s.ListGroups(ctx, "acme", rbac.GroupFilter{Page: rbac.Page{Limit: 1, After: next}})
	require.NoError(t, err)
	require.Len(t, rest, 1)
	require.Empty(t, last)
	require.Less(t, list[0].ID, rest[0].ID)

	opsName := "ops"
	f.unchanged(rbac.EConflict, "", func() error {
		_, _, err := f.s.UpdateGroup(ctx, f.w(), support.ID, rbac.GroupPatch{Name: &opsName})
		return err
	})
	renamed := "Customer support"
	f.unchanged(rbac.EPrecondition, "", func() error {
		_, _, err := f.s.UpdateGroup(ctx, f.ifMatch(support.Version+1), support.ID, rbac.GroupPatch{Name: &renamed})
		return err
	})
	f.unchanged(rbac.ENotFound, "", func() error {
		_, _, err := f.s.UpdateGroup(ctx, f.w(), "grp_nope", rbac.GroupPatch{Name: &renamed})
		return err
	})
	sameName := "Support"
	f.same(func() (int64, error) {
		_, rev, err := f.s.UpdateGroup(ctx, f.w(), support.ID, rbac.GroupPatch{Name: &sameName})
		return rev, err
	})
	rev := f.revision()
	up, rev2, err := f.s.UpdateGroup(ctx, f.ifMatch(support.Version), support.ID, rbac.GroupPatch{Name: &renamed})
	require.NoError(t, err)
	require.Equal(t, rev+1, rev2)
	require.Equal(t, renamed, up.Name)
	require.Equal(t, support.Version+1, up.Version)
	ev := f.lastEvent()
	require.Equal(t, "group.update", ev.Action)
	require.Equal(t, "group", ev.TargetType)
	require.Equal(t, support.ID, ev.TargetID)
	lower := "customer SUPPORT"
	_, _, err = f.s.UpdateGroup(ctx, f.w(), support.ID, rbac.GroupPatch{Name: &lower})
	require.NoError(t, err, "a group may change the case of its own name")

	r := f.role("agent", []string{"tickets:read"})
	u := f.user("u@x.test")
	_, err = f.s.AddGroupMembers(ctx, f.w(), support.ID, []string{u.ID})
	require.NoError(t, err)
	_, _, _, err = f.s.AssignGroup(ctx, f.w(), support.ID, rbac.AssignmentInput{RoleID: r.ID})
	require.NoError(t, err)
	current, err := f.s.GetGroup(ctx, "acme", support.ID)
	require.NoError(t, err)
	f.unchanged(rbac.EPrecondition, "", func() error {
		_, err := f.s.DeleteGroup(ctx, f.ifMatch(current.Version-1), support.ID)
		return err
	})
	f.unchanged(rbac.ENotFound, "", func() error { _, err := f.s.DeleteGroup(ctx, f.w(), "grp_nope"); return err })
	_, err = f.s.DeleteGroup(ctx, f.ifMatch(current.Version), support.ID)
	require.NoError(t, err)
	ev = f.lastEvent()
	require.Equal(t, "group.delete", ev.Action)
	require.EqualValues(t, 1, ev.Details["removed_members"])
	require.EqualValues(t, 1, ev.Details["removed_assignments"])
	_, err = f.s.GetGroup(ctx, "acme", support.ID)
	require.Equal(t, rbac.ENotFound, rbac.ErrorCode(err))
	_, _, err = f.s.ListGroupAssignments(ctx, "acme", support.ID, rbac.Page{})
	require.Equal(t, rbac.ENotFound, rbac.ErrorCode(err))
	perms := f.permissions(t, u.ID, time.Now())
	require.NotContains(t, perms, "tickets:read", "the deleted group's roles are gone")
	_, err = f.s.GetUser(ctx, "acme", u.ID)
	require.NoError(t, err, "members stay users")
}

func testGroupAssignments(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	r := f.role("viewer", []string{"docs:read"})
	g := f.group("readers")
	org, _, err := f.s.CreateOrganization(ctx, f.w(), rbac.OrganizationInput{Name: "Berlin"})
	require.NoError(t, err)

	f.badAssignments(t, r.ID, func(in rbac.AssignmentInput) error { _, _, _, err := f.s.AssignGroup(ctx, f.w(), g.ID, in); return err })
	future := time.Now().Add(time.Hour)
	f.unchanged(rbac.ENotFound, "", func() error {
		_, _, _, err := f.s.AssignGroup(ctx, f.w(), "grp_nope", rbac.AssignmentInput{RoleID: r.ID})
		return err
	})

	a, created, rev, err := f.s.AssignGroup(ctx, f.w(), g.ID, rbac.AssignmentInput{RoleID: r.ID, Reason: "team"})
	require.NoError(t, err)
	require.True(t, created)
	require.Empty(t, a.UserID)
	require.Equal(t, "viewer", a.RoleName)
	require.Equal(t, rbac.OperatorID, a.AssignedBy)
	ev := f.lastEvent()
	require.Equal(t, "group.assignment.create", ev.Action)
	require.Equal(t, "group", ev.TargetType)
	require.Equal(t, g.ID, ev.TargetID)

	f.same(func() (int64, error) {
		_, created, rev, err := f.s.AssignGroup(ctx, f.w(), g.ID, rbac.AssignmentInput{RoleID: r.ID, Reason: "team"})
		require.False(t, created)
		return rev, err
	})
	a, created, rev2, err := f.s.AssignGroup(ctx, f.w(), g.ID, rbac.AssignmentInput{RoleID: r.ID, ExpiresAt: &future, Reason: "extended"})
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, rev+1, rev2)
	require.Equal(t, "extended", a.Reason)
	require.Equal(t, "group.assignment.update", f.lastEvent().Action)
	f.same(func() (int64, error) {
		kept, _, rev, err := f.s.AssignGroup(ctx, f.w(), g.ID, rbac.AssignmentInput{RoleID: r.ID, KeepExisting: true})
		require.Equal(t, "extended", kept.Reason)
		return rev, err
	})

	scoped, created, _, err := f.s.AssignGroup(ctx, f.w(), g.ID, rbac.AssignmentInput{RoleID: r.ID, OrganizationID: org.ID, NotBefore: &future})
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, "Berlin", scoped.OrganizationName)
	require.Equal(t, "pending", scoped.Status(time.Now()))

	list, next, err := f.s.ListGroupAssignments(ctx, "acme", g.ID, rbac.Page{Limit: 1})
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Empty(t, list[0].OrganizationID, "ordered by (role_id, organization_id)")
	list, next, err = f.s.ListGroupAssignments(ctx, "acme", g.ID, rbac.Page{Limit: 1, After: next})
	require.NoError(t, err)
	require.Equal(t, org.ID, list[0].OrganizationID)
	require.Empty(t, next)

	f.unchanged(rbac.ENotFound, "", func() error { _, err := f.s.UnassignGroup(ctx, f.w(), g.ID, "role_nope", ""); return err })
	f.unchanged(rbac.ENotFound, "", func() error { _, err := f.s.UnassignGroup(ctx, f.w(), "grp_nope", r.ID, ""); return err })
	_, err = f.s.UnassignGroup(ctx, f.w(), g.ID, r.ID, org.ID)
	require.NoError(t, err)
	require.Equal(t, "group.assignment.delete", f.lastEvent().Action)
	f.unchanged(rbac.ENotFound, "", func() error { _, err := f.s.UnassignGroup(ctx, f.w(), g.ID, r.ID, org.ID); return err })

	// Time passes: the global grant expires, is listed nowhere, and
	// assigning again creates it anew.
	now := time.Now().Add(2 * time.Hour)
	mustSetClock(t, f.s, &now)
	list, _, err = f.s.ListGroupAssignments(ctx, "acme", g.ID, rbac.Page{})
	require.NoError(t, err)
	require.Empty(t, list)
	f.unchanged(rbac.ENotFound, "", func() error { _, err := f.s.UnassignGroup(ctx, f.w(), g.ID, r.ID, ""); return err })
	_, created, _, err = f.s.AssignGroup(ctx, f.w(), g.ID, rbac.AssignmentInput{RoleID: r.ID})
	require.NoError(t, err)
	require.True(t, created)
}

func testGroupCascades(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	r := f.role("r", []string{"x:read"})
	keep := f.role("keep", nil)
	g := f.group("g")
	org, _, err := f.s.CreateOrganization(ctx, f.w(), rbac.OrganizationInput{Name: "o"})
	require.NoError(t, err)
	for _, in := range []rbac.AssignmentInput{{RoleID: r.ID}, {RoleID: keep.ID, OrganizationID: org.ID}, {RoleID: keep.ID}} {
		_, _, _, err := f.s.AssignGroup(ctx, f.w(), g.ID, in)
		require.NoError(t, err)
	}

	_, err = f.s.DeleteOrganization(ctx, f.w(), org.ID)
	require.NoError(t, err)
	ev := f.lastEvent()
	require.EqualValues(t, 1, ev.Details["removed_group_assignments"])
	list, _, err := f.s.ListGroupAssignments(ctx, "acme", g.ID, rbac.Page{})
	require.NoError(t, err)
	require.Len(t, list, 2, "the organization's group grant went, the global ones stayed")
	for _, a := range list {
		require.Empty(t, a.OrganizationID)
	}

	rev := f.revision()
	newRev, err := f.s.DeleteRole(ctx, f.w(), r.ID)
	require.NoError(t, err)
	require.Equal(t, rev+1, newRev)
	ev = f.lastEvent()
	require.Equal(t, "role.delete", ev.Action)
	require.EqualValues(t, 1, ev.Details["removed_group_assignments"])
	require.Equal(t, []any{g.ID}, ev.Details["affected_groups"])
	list, _, err = f.s.ListGroupAssignments(ctx, "acme", g.ID, rbac.Page{})
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, keep.ID, list[0].RoleID)
}

func testGroupPermissions(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	base := f.role("base", []string{"docs:read"})
	top := f.role("top", []string{"docs:write"}, base.ID)
	scoped := f.role("scoped", []string{"billing:read"})
	pending := f.role("pending", []string{"future:read"})
	org, _, err := f.s.CreateOrganization(ctx, f.w(), rbac.OrganizationInput{Name: "o"})
	require.NoError(t, err)
	g := f.group("writers")
	later := time.Now().Add(time.Hour)
	for _, in := range []rbac.AssignmentInput{{RoleID: top.ID}, {RoleID: scoped.ID, OrganizationID: org.ID},
		{RoleID: pending.ID, NotBefore: &later}} {
		_, _, _, err := f.s.AssignGroup(ctx, f.w(), g.ID, in)
		require.NoError(t, err)
	}
	u := f.user("u@x.test")
	outsider := f.user("o@x.test")
	_, err = f.s.AddGroupMembers(ctx, f.w(), g.ID, []string{u.ID})
	require.NoError(t, err)

	perms := f.permissions(t, u.ID, time.Now())
	require.Equal(t, []string{"docs:read", "docs:write"}, perms,
		"the group's global roles with what they inherit; scoped and pending grants left out")
	perms = f.permissions(t, u.ID, later.Add(time.Minute))
	require.Contains(t, perms, "future:read")
	perms = f.permissions(t, outsider.ID, time.Now())
	require.Empty(t, perms, "only members hold the group's roles")

	disabled := rbac.StatusDisabled
	_, _, err = f.s.UpdateUser(ctx, f.w(), u.ID, rbac.UserPatch{Status: &disabled})
	require.NoError(t, err)
	perms = f.permissions(t, u.ID, time.Now())
	require.Empty(t, perms, "a disabled member holds nothing")
	active := rbac.StatusActive
	_, _, err = f.s.UpdateUser(ctx, f.w(), u.ID, rbac.UserPatch{Status: &active})
	require.NoError(t, err)

	_, err = f.s.RemoveGroupMembers(ctx, f.w(), g.ID, []string{u.ID})
	require.NoError(t, err)
	perms = f.permissions(t, u.ID, time.Now())
	require.Empty(t, perms, "leaving the group drops its roles")
}

func groupIDs(gs []rbac.Group) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.ID
	}
	return out
}
