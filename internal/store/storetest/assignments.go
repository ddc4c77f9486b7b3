package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/rbac"
)

func testUsers(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	r := f.role("viewer", []string{"docs:read"})
	u := f.user("Ada@Acme.test", r.ID)
	require.Equal(t, []string{r.ID}, u.Roles)
	require.Equal(t, rbac.StatusActive, u.Status)

	cases := []struct {
		name  string
		in    rbac.UserInput
		code  rbac.Code
		field string
	}{
		{"email taken ignoring case", rbac.UserInput{Email: "ada@acme.TEST"}, rbac.EConflict, ""},
		{"unknown role", rbac.UserInput{Email: "b@x.test", Roles: []string{r.ID, "role_nope"}}, rbac.EInvalid, "roles[1]"},
		{"admin role", rbac.UserInput{Email: "c@x.test", Roles: []string{rbac.AdminRoleID}}, rbac.EInvalid, "roles[0]"},
		{"member role", rbac.UserInput{Email: "d@x.test", Roles: []string{rbac.MemberRoleID}}, rbac.EInvalid, "roles[0]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.unchanged(c.code, c.field, func() error { _, _, err := f.s.CreateUser(ctx, f.w(), c.in); return err })
		})
	}
	users, _, err := f.s.ListUsers(ctx, "acme", rbac.UserFilter{})
	require.NoError(t, err)
	require.Len(t, users, 1, "failed creates left no user")

	ext := "crm-1"
	f.user("other@x.test")
	_, _, err = f.s.UpdateUser(ctx, f.w(), u.ID, rbac.UserPatch{ExternalUserID: &ext})
	require.NoError(t, err)
	taken := "OTHER@x.test"
	f.unchanged(rbac.EConflict, "", func() error {
		_, _, err := f.s.UpdateUser(ctx, f.w(), u.ID, rbac.UserPatch{Email: &taken})
		return err
	})
	stale := rbac.Write{TenantID: "acme", Actor: operator, IfMatch: rbac.ETag(u.Version)}
	f.unchanged(rbac.EPrecondition, "", func() error {
		_, _, err := f.s.UpdateUser(ctx, stale, u.ID, rbac.UserPatch{FirstName: &ext})
		return err
	})

	disabled := rbac.StatusDisabled
	none := []string{}
	up, _, err := f.s.UpdateUser(ctx, f.w(), u.ID, rbac.UserPatch{Status: &disabled, Roles: &none})
	require.NoError(t, err)
	require.Equal(t, rbac.StatusDisabled, up.Status)
	require.Empty(t, up.Roles)

	byRole, _, err := f.s.ListUsers(ctx, "acme", rbac.UserFilter{RoleID: r.ID})
	require.NoError(t, err)
	require.Empty(t, byRole)
	bySearch, _, err := f.s.ListUsers(ctx, "acme", rbac.UserFilter{Search: "ADA"})
	require.NoError(t, err)
	require.Len(t, bySearch, 1)

	_, err = f.s.DeleteUser(ctx, f.w(), u.ID)
	require.NoError(t, err)
	_, err = f.s.GetUser(ctx, "acme", u.ID)
	require.Equal(t, rbac.ENotFound, rbac.ErrorCode(err))
}

// badAssignments tries the assignments every grant path refuses (roleID
// is a valid, assignable role) through assign, and checks that each is
// refused naming its field with nothing changed.
func (f fixture) badAssignments(t *testing.T, roleID string, assign func(rbac.AssignmentInput) error) {
	past := time.Now().Add(-time.Hour)
	future := time.Now().Add(time.Hour)
	cases := []struct {
		name  string
		in    rbac.AssignmentInput
		code  rbac.Code
		field string
	}{
		{"unknown role", rbac.AssignmentInput{RoleID: "role_nope"}, rbac.EInvalid, "role_id"},
		{"not assignable", rbac.AssignmentInput{RoleID: rbac.AdminRoleID}, rbac.EInvalid, "role_id"},
		{"unknown organization", rbac.AssignmentInput{RoleID: roleID, OrganizationID: "org_nope"}, rbac.EInvalid, "scope.organization_id"},
		{"expired", rbac.AssignmentInput{RoleID: roleID, ExpiresAt: &past}, rbac.EInvalid, "expires_at"},
		{"ends before it starts", rbac.AssignmentInput{RoleID: roleID, NotBefore: &future, ExpiresAt: &future}, rbac.EInvalid, "expires_at"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.unchanged(c.code, c.field, func() error { return assign(c.in) })
		})
	}
}

func testAssignments(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	r := f.role("viewer", []string{"docs:read"})
	u := f.user("a@x.test")
	org, _, err := f.s.CreateOrganization(ctx, f.w(), rbac.OrganizationInput{Name: "Berlin"})
	require.NoError(t, err)

	f.badAssignments(t, r.ID, func(in rbac.AssignmentInput) error { _, _, _, err := f.s.Assign(ctx, f.w(), u.ID, in); return err })
	future := time.Now().Add(time.Hour)
	f.unchanged(rbac.ENotFound, "", func() error {
		_, _, _, err := f.s.Assign(ctx, f.w(), "usr_nope", rbac.AssignmentInput{RoleID: r.ID})
		return err
	})

	a, created, rev, err := f.s.Assign(ctx, f.w(), u.ID, rbac.AssignmentInput{RoleID: r.ID, Reason: "onboarding"})
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, "viewer", a.RoleName)
	require.Equal(t, rbac.OperatorID, a.AssignedBy)

	_, created, rev2, err := f.s.Assign(ctx, f.w(), u.ID, rbac.AssignmentInput{RoleID: r.ID, Reason: "onboarding"})
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, rev, rev2, "assigning what is assigned changes nothing")

	a, created, rev3, err := f.s.Assign(ctx, f.w(), u.ID, rbac.AssignmentInput{RoleID: r.ID, ExpiresAt: &future, Reason: "extended"})
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, rev+1, rev3)
	require.Equal(t, "extended", a.Reason)
	require.WithinDuration(t, future, *a.ExpiresAt, time.Millisecond)

	kept, created, rev4, err := f.s.Assign(ctx, f.w(), u.ID, rbac.AssignmentInput{RoleID: r.ID, KeepExisting: true})
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, rev3, rev4, "KeepExisting leaves an existing assignment alone")
	require.Equal(t, "extended", kept.Reason)

	scoped, created, _, err := f.s.Assign(ctx, f.w(), u.ID, rbac.AssignmentInput{RoleID: r.ID, OrganizationID: org.ID, NotBefore: &future})
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, "Berlin", scoped.OrganizationName)
	require.Equal(t, "pending", scoped.Status(time.Now()))

	list, _, err := f.s.ListAssignments(ctx, "acme", u.ID, rbac.Page{})
	require.NoError(t, err)
	require.Len(t, list, 2)

	f.unchanged(rbac.ENotFound, "", func() error { _, err := f.s.Unassign(ctx, f.w(), u.ID, "role_nope", ""); return err })
	_, err = f.s.Unassign(ctx, f.w(), u.ID, r.ID, org.ID)
	require.NoError(t, err)
	f.unchanged(rbac.ENotFound, "", func() error { _, err := f.s.Unassign(ctx, f.w(), u.ID, r.ID, org.ID); return err })

	// Time passes: the assignment expires and counts nowhere, and assigning
	// again is a new assignment.
	now := time.Now().Add(2 * time.Hour)
	mustSetClock(t, f.s, &now)
	list, _, err = f.s.ListAssignments(ctx, "acme", u.ID, rbac.Page{})
	require.NoError(t, err)
	require.Empty(t, list)
	got, err := f.s.GetRole(ctx, "acme", r.ID)
	require.NoError(t, err)
	require.Zero(t, got.UserCount)
	_, created, _, err = f.s.Assign(ctx, f.w(), u.ID, rbac.AssignmentInput{RoleID: r.ID})
	require.NoError(t, err)
	require.True(t, created)
}

func testReplace(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	a := f.role("a", nil)
	b := f.role("b", nil)
	c := f.role("c", nil)
	u := f.user("u@x.test", a.ID, b.ID)

	f.unchanged(rbac.EInvalid, "assignments[1].role_id", func() error {
		_, _, err := f.s.ReplaceAssignments(ctx, f.w(), u.ID, []rbac.AssignmentInput{{RoleID: c.ID}, {RoleID: "role_nope"}})
		return err
	})
	f.unchanged(rbac.EInvalid, "assignments[1]", func() error {
		_, _, err := f.s.ReplaceAssignments(ctx, f.w(), u.ID, []rbac.AssignmentInput{{RoleID: c.ID}, {RoleID: c.ID}})
		return err
	})
	got, err := f.s.GetUser(ctx, "acme", u.ID)
	require.NoError(t, err)
	require.Equal(t, []string{a.ID, b.ID}, got.Roles, "a failed replace keeps every assignment")

	items, _, err := f.s.ReplaceAssignments(ctx, f.w(), u.ID, []rbac.AssignmentInput{{RoleID: b.ID}, {RoleID: c.ID}})
	require.NoError(t, err)
	require.Len(t, items, 2)
	got, err = f.s.GetUser(ctx, "acme", u.ID)
	require.NoError(t, err)
	require.Equal(t, []string{b.ID, c.ID}, got.Roles)

	rev := f.revision()
	_, rev2, err := f.s.ReplaceAssignments(ctx, f.w(), u.ID, []rbac.AssignmentInput{{RoleID: c.ID}, {RoleID: b.ID}})
	require.NoError(t, err)
	require.Equal(t, rev, rev2, "replacing with the same set changes nothing")

	org, _, err := f.s.CreateOrganization(ctx, f.w(), rbac.OrganizationInput{Name: "o"})
	require.NoError(t, err)
	_, _, _, err = f.s.Assign(ctx, f.w(), u.ID, rbac.AssignmentInput{RoleID: c.ID, OrganizationID: org.ID})
	require.NoError(t, err)
	items, _, err = f.s.ReplaceAssignments(ctx, f.w(), u.ID, []rbac.AssignmentInput{{RoleID: c.ID, OrganizationID: org.ID}})
	require.NoError(t, err)
	require.Len(t, items, 1)
	list, _, err := f.s.ListAssignments(ctx, "acme", u.ID, rbac.Page{})
	require.NoError(t, err)
	require.Len(t, list, 1, "the global grant of the same role went, the scoped one stayed")
	require.Equal(t, org.ID, list[0].OrganizationID)

	_, _, err = f.s.ReplaceAssignments(ctx, f.w(), u.ID, nil)
	require.NoError(t, err)
	got, err = f.s.GetUser(ctx, "acme", u.ID)
	require.NoError(t, err)
	require.Empty(t, got.Roles)
}

func testSingleMode(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	a := f.role("a", nil)
	b := f.role("b", nil)
	u := f.user("u@x.test", a.ID, b.ID)
	single := rbac.ModeSingle
	_, err := f.s.UpdateTenant(ctx, operator, "acme", rbac.TenantPatch{AssignmentMode: &single})
	require.Equal(t, rbac.EConflict, rbac.ErrorCode(err), "a user holds two roles in one scope")
	require.Contains(t, err.Error(), u.ID)

	_, _, err = f.s.ReplaceAssignments(ctx, f.w(), u.ID, []rbac.AssignmentInput{{RoleID: a.ID}})
	require.NoError(t, err)
	_, err = f.s.UpdateTenant(ctx, operator, "acme", rbac.TenantPatch{AssignmentMode: &single})
	require.NoError(t, err)

	_, _, _, err = f.s.Assign(ctx, f.w(), u.ID, rbac.AssignmentInput{RoleID: b.ID})
	require.NoError(t, err)
	got, err := f.s.GetUser(ctx, "acme", u.ID)
	require.NoError(t, err)
	require.Equal(t, []string{b.ID}, got.Roles, "assigning replaces the role in that scope")
	evs, _, err := f.s.ListAuditEvents(ctx, "acme", rbac.AuditFilter{Page: rbac.Page{Limit: 1}})
	require.NoError(t, err)
	require.Equal(t, []any{a.ID}, evs[0].Details["replaced"])

	f.unchanged(rbac.EInvalid, "assignments[1]", func() error {
		_, _, err := f.s.ReplaceAssignments(ctx, f.w(), u.ID, []rbac.AssignmentInput{{RoleID: a.ID}, {RoleID: b.ID}})
		return err
	})
}

func testPermissions(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	base := f.role("base", []string{"docs:read"})
	mid := f.role("mid", []string{"docs:write"}, base.ID)
	top := f.role("top", []string{"reports:*"}, mid.ID)
	scoped := f.role("scoped", []string{"billing:read"})
	pending := f.role("pending", []string{"future:read"})
	_, _, err := f.s.UpdateRole(ctx, f.w(), rbac.MemberRoleID, rbac.RolePatch{Permissions: &[]string{"profile:read"}})
	require.NoError(t, err)
	org, _, err := f.s.CreateOrganization(ctx, f.w(), rbac.OrganizationInput{Name: "o"})
	require.NoError(t, err)
	u := f.user("u@x.test", top.ID)
	_, _, _, err = f.s.Assign(ctx, f.w(), u.ID, rbac.AssignmentInput{RoleID: scoped.ID, OrganizationID: org.ID})
	require.NoError(t, err)
	later := time.Now().Add(time.Hour)
	_, _, _, err = f.s.Assign(ctx, f.w(), u.ID, rbac.AssignmentInput{RoleID: pending.ID, NotBefore: &later})
	require.NoError(t, err)

	perms := f.permissions(t, u.ID, time.Now())
	require.Equal(t, []string{"docs:read", "docs:write", "profile:read", "reports:*"}, perms,
		"inherited transitively, default role included, scoped and pending left out")

	perms = f.permissions(t, u.ID, later.Add(time.Minute))
	require.Contains(t, perms, "future:read", "a pending assignment counts from not_before")

	disabled := rbac.StatusDisabled
	_, _, err = f.s.UpdateUser(ctx, f.w(), u.ID, rbac.UserPatch{Status: &disabled})
	require.NoError(t, err)
	perms = f.permissions(t, u.ID, time.Now())
	require.Empty(t, perms, "a disabled user holds nothing")
}
