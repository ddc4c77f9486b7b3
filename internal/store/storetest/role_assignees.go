package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/rbac"
)

// assignees lists every user holding the role directly and globally, paging by two.
func (f fixture) assignees(roleID string) []string {
	f.t.Helper()
	ids := []string{}
	after := ""
	for {
		users, next, err := f.s.ListRoleAssignees(ctx, f.tenant, roleID, rbac.Page{Limit: 2, After: after})
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

func (f fixture) roles(userID string) []string {
	f.t.Helper()
	u, err := f.s.GetUser(ctx, f.tenant, userID)
	require.NoError(f.t, err)
	return u.Roles
}

type assigneeOp struct {
	name string
	fn   func(context.Context, rbac.Write, string, []string) (int64, error)
}

func (f fixture) assigneeOps() []assigneeOp {
	return []assigneeOp{{"add", f.s.AddRoleAssignees}, {"replace", f.s.ReplaceRoleAssignees}, {"remove", f.s.RemoveRoleAssignees}}
}

func testRoleAssignees(t *testing.T, newStore Factory) {
	t.Run("Lists", func(t *testing.T) { testRoleAssigneeLists(t, newStore) })
	t.Run("Scope", func(t *testing.T) { testRoleAssigneesScope(t, newStore) })
	t.Run("SingleMode", func(t *testing.T) { testRoleAssigneesSingle(t, newStore) })
}

func testRoleAssigneeLists(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	r := f.role("r", []string{"x:read"})
	a, b, c, d := f.user("a@x.test"), f.user("b@x.test"), f.user("c@x.test"), f.user("d@x.test")

	for _, op := range f.assigneeOps() {
		t.Run(op.name+" is all or nothing", func(t *testing.T) {
			f.unchanged(rbac.EInvalid, "data[1].id", func() error {
				_, err := op.fn(ctx, f.w(), r.ID, []string{a.ID, "usr_nope", b.ID})
				return err
			})
			f.unchanged(rbac.EInvalid, "data[2]", func() error {
				_, err := op.fn(ctx, f.w(), r.ID, []string{a.ID, b.ID, a.ID})
				return err
			})
			f.unchanged(rbac.EInvalid, "data[0].id", func() error {
				_, err := op.fn(ctx, f.w(), "role_nope", []string{"usr_nope"})
				return err
			})
			f.unchanged(rbac.ENotFound, "", func() error {
				_, err := op.fn(ctx, f.w(), "role_nope", []string{a.ID})
				return err
			})
			require.Empty(t, f.assignees(r.ID))
		})
	}
	for _, op := range f.assigneeOps()[:2] {
		f.unchanged(rbac.EInvalid, "role_id", func() error {
			_, err := op.fn(ctx, f.w(), rbac.AdminRoleID, []string{a.ID})
			return err
		})
	}
	_, _, err := f.s.ListRoleAssignees(ctx, f.tenant, "role_nope", rbac.Page{})
	require.Equal(t, rbac.ENotFound, rbac.ErrorCode(err))

	rev := f.revision()
	got, err := f.s.AddRoleAssignees(ctx, f.w(), r.ID, []string{b.ID, a.ID})
	require.NoError(t, err)
	require.Equal(t, rev+1, got)
	require.Equal(t, sortedIDs([]string{a.ID, b.ID}), f.assignees(r.ID))
	ev := f.lastEvent()
	require.Equal(t, "role.assignees.add", ev.Action)
	require.Equal(t, "role", ev.TargetType)
	require.Equal(t, r.ID, ev.TargetID)
	require.ElementsMatch(t, []any{a.ID, b.ID}, ev.Details["added"])
	require.ElementsMatch(t, []any{a.ID, b.ID}, ev.Details["affected_users"])
	require.Equal(t, []string{r.ID}, f.roles(a.ID))
	after, err := f.s.GetUser(ctx, f.tenant, a.ID)
	require.NoError(t, err)
	require.Equal(t, a.Version+1, after.Version, "a user's ETag covers its roles")
	role, err := f.s.GetRole(ctx, f.tenant, r.ID)
	require.NoError(t, err)
	require.Equal(t, 2, role.UserCount)

	f.same(func() (int64, error) { return f.s.AddRoleAssignees(ctx, f.w(), r.ID, []string{a.ID}) })
	f.same(func() (int64, error) { return f.s.AddRoleAssignees(ctx, f.w(), r.ID, []string{}) })
	_, err = f.s.AddRoleAssignees(ctx, f.w(), r.ID, []string{a.ID, c.ID})
	require.NoError(t, err)
	require.Equal(t, []any{c.ID}, f.lastEvent().Details["added"], "holders keep their assignment")

	_, err = f.s.ReplaceRoleAssignees(ctx, f.w(), r.ID, []string{d.ID, c.ID})
	require.NoError(t, err)
	require.Equal(t, sortedIDs([]string{c.ID, d.ID}), f.assignees(r.ID))
	ev = f.lastEvent()
	require.Equal(t, "role.assignees.replace", ev.Action)
	require.Equal(t, []any{d.ID}, ev.Details["added"])
	require.ElementsMatch(t, []any{a.ID, b.ID}, ev.Details["removed"])
	require.Empty(t, f.roles(a.ID))
	f.same(func() (int64, error) { return f.s.ReplaceRoleAssignees(ctx, f.w(), r.ID, []string{c.ID, d.ID}) })

	_, err = f.s.RemoveRoleAssignees(ctx, f.w(), r.ID, []string{c.ID, a.ID})
	require.NoError(t, err)
	ev = f.lastEvent()
	require.Equal(t, "role.assignees.remove", ev.Action)
	require.Equal(t, []any{c.ID}, ev.Details["removed"], "users who do not hold the role are ignored")
	require.Equal(t, []string{d.ID}, f.assignees(r.ID))
	f.same(func() (int64, error) { return f.s.RemoveRoleAssignees(ctx, f.w(), r.ID, []string{a.ID}) })
	f.same(func() (int64, error) { return f.s.RemoveRoleAssignees(ctx, f.w(), rbac.AdminRoleID, []string{a.ID}) })

	rev = f.revision()
	_, err = f.s.ReplaceRoleAssignees(ctx, f.w(), r.ID, []string{})
	require.NoError(t, err)
	require.Empty(t, f.assignees(r.ID))
	changes, err := f.s.Changes(ctx, f.tenant, rev, 0)
	require.NoError(t, err)
	require.Equal(t, []rbac.Change{{Revision: rev + 1, Action: rbac.ActionRoleAssigneesSet, Target: rbac.TargetRole, TargetID: r.ID,
		AffectedUsers: []string{d.ID}}}, changes, "the change feed names the users whose grants changed")
}

// testRoleAssigneesScope: only direct global assignments that have not
// expired belong to the relationship; scoped ones are left alone.
func testRoleAssigneesScope(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	r := f.role("r", nil)
	org, _, err := f.s.CreateOrganization(ctx, f.w(), rbac.OrganizationInput{Name: "o"})
	require.NoError(t, err)
	scoped, pending, expiring := f.user("s@x.test"), f.user("p@x.test"), f.user("e@x.test")
	_, _, _, err = f.s.Assign(ctx, f.w(), scoped.ID, rbac.AssignmentInput{RoleID: r.ID, OrganizationID: org.ID})
	require.NoError(t, err)
	later := time.Now().Add(time.Hour)
	_, _, _, err = f.s.Assign(ctx, f.w(), pending.ID, rbac.AssignmentInput{RoleID: r.ID, NotBefore: &later})
	require.NoError(t, err)
	_, _, _, err = f.s.Assign(ctx, f.w(), expiring.ID, rbac.AssignmentInput{RoleID: r.ID, ExpiresAt: &later})
	require.NoError(t, err)
	require.Equal(t, sortedIDs([]string{pending.ID, expiring.ID}), f.assignees(r.ID), "pending counts, scoped does not")

	_, err = f.s.ReplaceRoleAssignees(ctx, f.w(), r.ID, []string{})
	require.NoError(t, err)
	as, _, err := f.s.ListAssignments(ctx, f.tenant, scoped.ID, rbac.Page{})
	require.NoError(t, err)
	require.Len(t, as, 1, "the scoped assignment stays")
	rev := f.revision()
	_, err = f.s.DeleteOrganization(ctx, f.w(), org.ID)
	require.NoError(t, err)
	changes, err := f.s.Changes(ctx, f.tenant, rev, 0)
	require.NoError(t, err)
	require.Len(t, changes, 1)
	require.Equal(t, []string{scoped.ID}, changes[0].AffectedUsers, "deleting an organization lists the users it took assignments from")

	_, _, _, err = f.s.Assign(ctx, f.w(), expiring.ID, rbac.AssignmentInput{RoleID: r.ID, ExpiresAt: &later})
	require.NoError(t, err)
	now := time.Now().Add(2 * time.Hour)
	mustSetClock(t, f.s, &now)
	require.Empty(t, f.assignees(r.ID), "an expired assignment is gone")
	_, err = f.s.AddRoleAssignees(ctx, f.w(), r.ID, []string{expiring.ID})
	require.NoError(t, err, "an expired row does not block a new assignment")
	require.Equal(t, []string{expiring.ID}, f.assignees(r.ID))
	as, _, err = f.s.ListAssignments(ctx, f.tenant, expiring.ID, rbac.Page{})
	require.NoError(t, err)
	require.Len(t, as, 1)
	require.Nil(t, as[0].ExpiresAt, "the new assignment has no window")
}

// testRoleAssigneesSingle: in a single-role tenant adding or replacing moves
// users to the role, and the event says what each one lost.
func testRoleAssigneesSingle(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	single := rbac.ModeSingle
	_, err := f.s.UpdateTenant(ctx, operator, f.tenant, rbac.TenantPatch{AssignmentMode: &single})
	require.NoError(t, err)
	a, b := f.role("a", nil), f.role("b", nil)
	org, _, err := f.s.CreateOrganization(ctx, f.w(), rbac.OrganizationInput{Name: "o"})
	require.NoError(t, err)
	u1, u2, u3 := f.user("1@x.test", a.ID), f.user("2@x.test", b.ID), f.user("3@x.test")
	_, _, _, err = f.s.Assign(ctx, f.w(), u1.ID, rbac.AssignmentInput{RoleID: a.ID, OrganizationID: org.ID})
	require.NoError(t, err)

	rev := f.revision()
	_, err = f.s.AddRoleAssignees(ctx, f.w(), b.ID, []string{u1.ID, u2.ID, u3.ID})
	require.NoError(t, err)
	require.Equal(t, rev+1, f.revision(), "one request, one revision")
	require.Equal(t, []string{b.ID}, f.roles(u1.ID), "moved from a to b")
	require.Equal(t, []string{b.ID}, f.roles(u2.ID))
	require.Equal(t, []string{b.ID}, f.roles(u3.ID))
	ev := f.lastEvent()
	require.Equal(t, "role.assignees.add", ev.Action)
	require.ElementsMatch(t, []any{u1.ID, u3.ID}, ev.Details["added"])
	require.Equal(t, map[string]any{u1.ID: []any{a.ID}}, ev.Details["replaced"])
	require.ElementsMatch(t, []any{u1.ID, u3.ID}, ev.Details["affected_users"])
	as, _, err := f.s.ListAssignments(ctx, f.tenant, u1.ID, rbac.Page{})
	require.NoError(t, err)
	require.Len(t, as, 2, "one role per scope: the organization's stays")

	f.same(func() (int64, error) { return f.s.AddRoleAssignees(ctx, f.w(), b.ID, []string{u2.ID}) })

	_, err = f.s.ReplaceRoleAssignees(ctx, f.w(), a.ID, []string{u2.ID})
	require.NoError(t, err)
	require.Equal(t, []string{a.ID}, f.roles(u2.ID))
	require.Equal(t, sortedIDs([]string{u1.ID, u3.ID}), f.assignees(b.ID))
	ev = f.lastEvent()
	require.Equal(t, "role.assignees.replace", ev.Action)
	require.Equal(t, map[string]any{u2.ID: []any{b.ID}}, ev.Details["replaced"])

	_, err = f.s.RemoveRoleAssignees(ctx, f.w(), b.ID, []string{u1.ID})
	require.NoError(t, err)
	require.Empty(t, f.roles(u1.ID))
	require.NotContains(t, f.lastEvent().Details, "replaced")

	multiple := rbac.ModeMultiple
	_, err = f.s.UpdateTenant(ctx, operator, f.tenant, rbac.TenantPatch{AssignmentMode: &multiple})
	require.NoError(t, err)
	_, err = f.s.AddRoleAssignees(ctx, f.w(), b.ID, []string{u2.ID})
	require.NoError(t, err)
	require.Equal(t, []string{a.ID, b.ID}, f.roles(u2.ID), "multiple mode adds")
	_, err = f.s.UpdateTenant(ctx, operator, f.tenant, rbac.TenantPatch{AssignmentMode: &single})
	require.Equal(t, rbac.EConflict, rbac.ErrorCode(err))
	require.Contains(t, err.Error(), u2.ID)
}
