package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/auth"
	"github.com/rosterhq/roster/internal/eval"
	"github.com/rosterhq/roster/internal/rbac"
)

// Clocked is implemented by stores whose clock a test may move.
type Clocked interface{ SetClock(now func() time.Time) }

// Factory returns a fresh, migrated, empty store; the suite closes it.
type Factory func(t *testing.T) rbac.Store

// Run runs the whole suite against stores made by newStore.
func Run(t *testing.T, newStore Factory) {
	// In a fixed order: a failure reproduces in the same sequence every run.
	suites := []struct {
		name string
		fn   func(*testing.T, Factory)
	}{
		{"Tenants", testTenants},
		{"Roles", testRoles},
		{"RoleUpdates", testRoleUpdates},
		{"Users", testUsers},
		{"Assignments", testAssignments},
		{"Replace", testReplace},
		{"SingleMode", testSingleMode},
		{"Permissions", testPermissions},
		{"Organizations", testOrganizations},
		{"Tokens", testTokens},
		{"MintedBy", testMintedBy},
		{"Pagination", testPagination},
		{"Concurrency", testConcurrency},
		{"Isolation", testIsolation},
		{"Groups", testGroups},
		{"GroupMembers", testGroupMembers},
		{"GroupAssignments", testGroupAssignments},
		{"GroupCascades", testGroupCascades},
		{"GroupPermissions", testGroupPermissions},
		{"GroupIsolation", testGroupIsolation},
		{"Snapshot", testSnapshot},
		{"LoadDelta", testLoadDelta},
		{"SnapshotConsistency", testSnapshotConsistency},
		{"Changes", testChanges},
		{"RoleAssignees", testRoleAssignees},
		{"Idempotency", testIdempotency},
		{"InTransaction", testInTransaction},
		{"History", testHistory},
		{"DryRun", testDryRun},
		{"Provisioning", testProvisioning},
	}
	for _, suite := range suites {
		t.Run(suite.name, func(t *testing.T) { suite.fn(t, newStore) })
	}
}

var (
	ctx      = context.Background()
	operator = rbac.Actor{Operator: true}
)

type fixture struct {
	t      *testing.T
	s      rbac.Store
	tenant string
}

func (f fixture) w() rbac.Write { return rbac.Write{TenantID: f.tenant, Actor: operator} }

// setup returns a store with tenant "acme".
func setup(t *testing.T, newStore Factory) fixture {
	t.Helper()
	s := newStore(t)
	t.Cleanup(func() { _ = s.Close() })
	_, err := s.CreateTenant(ctx, operator, rbac.TenantInput{ID: "acme", Name: "Acme"})
	require.NoError(t, err)
	return fixture{t: t, s: s, tenant: "acme"}
}

func (f fixture) role(name string, perms []string, parents ...string) rbac.Role {
	f.t.Helper()
	r, _, err := f.s.CreateRole(ctx, f.w(), rbac.RoleInput{Name: name, DisplayName: name, Permissions: perms,
		InheritsFrom: parents, Assignable: true})
	require.NoError(f.t, err)
	return r
}

func (f fixture) user(email string, roles ...string) rbac.User {
	f.t.Helper()
	u, _, err := f.s.CreateUser(ctx, f.w(), rbac.UserInput{Email: email, Roles: roles})
	require.NoError(f.t, err)
	return u
}

// permissions is what evaluation answers for the user's global
// permissions at now, from an engine built afresh from the store's
// snapshot: the store's contract is that evaluation of what it holds is
// right.
func (f fixture) permissions(t *testing.T, userID string, now time.Time) []string {
	t.Helper()
	snap, err := f.s.LoadSnapshot(ctx, f.tenant)
	require.NoError(t, err)
	return eval.New(snap).Permissions(userID, "", now)
}

func (f fixture) revision() int64 {
	f.t.Helper()
	tn, err := f.s.GetTenant(ctx, f.tenant)
	require.NoError(f.t, err)
	return tn.Revision
}

func (f fixture) auditCount() int {
	f.t.Helper()
	n := 0
	after := ""
	for {
		evs, next, err := f.s.ListAuditEvents(ctx, f.tenant, rbac.AuditFilter{Page: rbac.Page{Limit: 100, After: after}})
		require.NoError(f.t, err)
		n += len(evs)
		if next == "" {
			return n
		}
		after = next
	}
}

// unchanged asserts that fn fails with code and leaves revision and audit log as they were.
func (f fixture) unchanged(code rbac.Code, field string, fn func() error) {
	f.t.Helper()
	rev, events := f.revision(), f.auditCount()
	err := fn()
	require.Error(f.t, err)
	require.Equal(f.t, code, rbac.ErrorCode(err), "error: %v", err)
	if field != "" {
		var e *rbac.Error
		require.ErrorAs(f.t, err, &e)
		require.NotEmpty(f.t, e.Fields, "error names no field: %v", err)
		require.Equal(f.t, field, e.Fields[0].Field)
	}
	require.Equal(f.t, rev, f.revision(), "a failed write moved the revision")
	require.Equal(f.t, events, f.auditCount(), "a failed write left an audit event")
}

func testTenants(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	tn, err := f.s.GetTenant(ctx, "acme")
	require.NoError(t, err)
	require.Equal(t, rbac.ModeMultiple, tn.AssignmentMode)
	require.EqualValues(t, 1, tn.Revision)

	admin, err := f.s.GetRole(ctx, "acme", rbac.AdminRoleID)
	require.NoError(t, err)
	require.Equal(t, []string{"*:*"}, admin.Permissions)
	require.False(t, admin.Assignable)
	require.True(t, admin.System)
	member, err := f.s.GetRole(ctx, "acme", rbac.MemberRoleID)
	require.NoError(t, err)
	require.True(t, member.Default)
	require.Empty(t, member.Permissions)

	_, err = f.s.CreateTenant(ctx, operator, rbac.TenantInput{ID: "acme", Name: "again"})
	require.Equal(t, rbac.EConflict, rbac.ErrorCode(err))

	_, hash := auth.NewSecret()
	created, err := f.s.CreateTenant(ctx, operator, rbac.TenantInput{ID: "globex", Name: "Globex",
		Admin: &rbac.UserInput{Email: "hank@globex.test"}, AdminTokenHash: hash})
	require.NoError(t, err)
	require.NotNil(t, created.AdminUser)
	require.Equal(t, []string{rbac.AdminRoleID}, created.AdminUser.Roles)
	as, _, err := f.s.ListAssignments(ctx, "globex", created.AdminUser.ID, rbac.Page{})
	require.NoError(t, err)
	require.Len(t, as, 1)
	require.Equal(t, rbac.OperatorID, as[0].AssignedBy)
	tok, err := f.s.Authenticate(ctx, hash, time.Now())
	require.NoError(t, err)
	require.Equal(t, created.AdminUser.ID, tok.UserID)

	mode := rbac.ModeSingle
	up, err := f.s.UpdateTenant(ctx, operator, "globex", rbac.TenantPatch{AssignmentMode: &mode})
	require.NoError(t, err)
	require.Equal(t, rbac.ModeSingle, up.AssignmentMode)
	require.EqualValues(t, 2, up.Revision)

	list, next, err := f.s.ListTenants(ctx, rbac.Page{Limit: 1})
	require.NoError(t, err)
	require.Equal(t, "acme", list[0].ID)
	require.NotEmpty(t, next)

	require.NoError(t, f.s.DeleteTenant(ctx, "globex"))
	_, err = f.s.GetTenant(ctx, "globex")
	require.Equal(t, rbac.ENotFound, rbac.ErrorCode(err))
	_, err = f.s.Authenticate(ctx, hash, time.Now())
	require.Equal(t, rbac.EUnauthorized, rbac.ErrorCode(err), "a deleted tenant's tokens must stop working")
	require.Equal(t, rbac.ENotFound, rbac.ErrorCode(f.s.DeleteTenant(ctx, "globex")))
}

func testRoles(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	viewer := f.role("viewer", []string{"docs:read", "docs:read"})
	require.Equal(t, "role_viewer", viewer.ID)
	require.Equal(t, []string{"docs:read"}, viewer.Permissions, "duplicates are dropped")

	cases := []struct {
		name  string
		in    rbac.RoleInput
		code  rbac.Code
		field string
	}{
		{"name taken ignoring case", rbac.RoleInput{Name: "VIEWER", DisplayName: "x"}, rbac.EConflict, ""},
		{"bad name", rbac.RoleInput{Name: "-x", DisplayName: "x"}, rbac.EInvalid, "name"},
		{"bad permission", rbac.RoleInput{Name: "a", DisplayName: "x", Permissions: []string{"ok:read", "Docs:Read"}}, rbac.EInvalid, "permissions[1]"},
		{"unknown parent", rbac.RoleInput{Name: "b", DisplayName: "x", InheritsFrom: []string{"role_viewer", "role_nope"}}, rbac.EInvalid, "inherits_from[1]"},
		{"inherit admin", rbac.RoleInput{Name: "c", DisplayName: "x", InheritsFrom: []string{rbac.AdminRoleID}}, rbac.EInvalid, "inherits_from[0]"},
		{"metadata too big", rbac.RoleInput{Name: "d", DisplayName: "x", Metadata: map[string]any{"k": string(make([]byte, 17<<10))}}, rbac.EInvalid, "metadata"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.unchanged(c.code, c.field, func() error { _, _, err := f.s.CreateRole(ctx, f.w(), c.in); return err })
		})
	}

	editor := f.role("editor", []string{"docs:write"}, viewer.ID)
	require.Equal(t, []string{viewer.ID}, editor.InheritsFrom)
	f.user("a@x.test", editor.ID)
	got, err := f.s.GetRole(ctx, "acme", editor.ID)
	require.NoError(t, err)
	require.Equal(t, 1, got.UserCount)

	f.unchanged(rbac.EConflict, "", func() error { _, err := f.s.DeleteRole(ctx, f.w(), viewer.ID); return err })
	f.unchanged(rbac.EInvalid, "", func() error { _, err := f.s.DeleteRole(ctx, f.w(), rbac.MemberRoleID); return err })
	f.unchanged(rbac.ENotFound, "", func() error { _, err := f.s.DeleteRole(ctx, f.w(), "role_nope"); return err })

	rev := f.revision()
	newRev, err := f.s.DeleteRole(ctx, f.w(), editor.ID)
	require.NoError(t, err)
	require.Equal(t, rev+1, newRev)
	evs, _, err := f.s.ListAuditEvents(ctx, "acme", rbac.AuditFilter{Page: rbac.Page{Limit: 1}})
	require.NoError(t, err)
	require.Equal(t, "role.delete", evs[0].Action)
	require.EqualValues(t, 1, evs[0].Details["removed_assignments"])
	users, _, err := f.s.ListUsers(ctx, "acme", rbac.UserFilter{})
	require.NoError(t, err)
	require.Empty(t, users[0].Roles, "the deleted role's assignments are gone")

	roles, _, err := f.s.ListRoles(ctx, "acme", rbac.RoleFilter{Type: "custom"})
	require.NoError(t, err)
	require.Len(t, roles, 1)
	roles, _, err = f.s.ListRoles(ctx, "acme", rbac.RoleFilter{Search: "VIEW"})
	require.NoError(t, err)
	require.Len(t, roles, 1)
}

func testRoleUpdates(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	a := f.role("a", []string{"x:read"})
	b := f.role("b", nil, a.ID)
	c := f.role("c", nil, b.ID)
	ptr := func(v ...string) *[]string { return &v }

	f.unchanged(rbac.EInvalid, "inherits_from", func() error {
		_, _, err := f.s.UpdateRole(ctx, f.w(), a.ID, rbac.RolePatch{InheritsFrom: ptr(c.ID)})
		return err
	})
	f.unchanged(rbac.EInvalid, "inherits_from[0]", func() error {
		_, _, err := f.s.UpdateRole(ctx, f.w(), a.ID, rbac.RolePatch{InheritsFrom: ptr(a.ID)})
		return err
	})
	other := "other"
	f.unchanged(rbac.EInvalid, "name", func() error {
		_, _, err := f.s.UpdateRole(ctx, f.w(), a.ID, rbac.RolePatch{Name: &other})
		return err
	})
	f.unchanged(rbac.EPrecondition, "", func() error {
		_, _, err := f.s.UpdateRole(ctx, rbac.Write{TenantID: "acme", Actor: operator, IfMatch: `"99"`}, a.ID, rbac.RolePatch{Permissions: ptr("y:read")})
		return err
	})
	f.unchanged(rbac.EInvalid, "", func() error {
		_, _, err := f.s.UpdateRole(ctx, f.w(), rbac.AdminRoleID, rbac.RolePatch{Permissions: ptr("x:read")})
		return err
	})
	f.unchanged(rbac.EInvalid, "", func() error {
		yes := true
		_, _, err := f.s.UpdateRole(ctx, f.w(), rbac.MemberRoleID, rbac.RolePatch{Assignable: &yes})
		return err
	})
	f.unchanged(rbac.ENotFound, "", func() error {
		_, _, err := f.s.UpdateRole(ctx, f.w(), "role_nope", rbac.RolePatch{Permissions: ptr("y:read")})
		return err
	})

	rev := f.revision()
	same, gotRev, err := f.s.UpdateRole(ctx, f.w(), a.ID, rbac.RolePatch{Permissions: ptr("x:read")})
	require.NoError(t, err)
	require.Equal(t, rev, gotRev, "a no-op update does not move the revision")
	require.Equal(t, a.Version, same.Version)

	up, gotRev, err := f.s.UpdateRole(ctx, rbac.Write{TenantID: "acme", Actor: operator, IfMatch: rbac.ETag(a.Version)},
		a.ID, rbac.RolePatch{Permissions: ptr("x:read", "x:write")})
	require.NoError(t, err)
	require.Equal(t, rev+1, gotRev)
	require.Equal(t, a.Version+1, up.Version)
	require.Equal(t, []string{"x:read", "x:write"}, up.Permissions)

	_, _, err = f.s.UpdateRole(ctx, f.w(), rbac.MemberRoleID, rbac.RolePatch{Permissions: ptr("profile:read")})
	require.NoError(t, err, "role_member's permissions are editable")
	_, _, err = f.s.UpdateRole(ctx, f.w(), c.ID, rbac.RolePatch{InheritsFrom: ptr(a.ID)})
	require.NoError(t, err, "re-parenting without a cycle")
}

func testIsolation(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	_, err := f.s.CreateTenant(ctx, operator, rbac.TenantInput{ID: "globex", Name: "Globex"})
	require.NoError(t, err)
	r := f.role("secret", []string{"x:read"})
	u := f.user("a@acme.test", r.ID)
	g := fixture{t: t, s: f.s, tenant: "globex"}

	_, err = f.s.GetRole(ctx, "globex", r.ID)
	require.Equal(t, rbac.ENotFound, rbac.ErrorCode(err))
	_, err = f.s.GetUser(ctx, "globex", u.ID)
	require.Equal(t, rbac.ENotFound, rbac.ErrorCode(err))
	gr := g.role("globex-role", nil)
	_, _, _, err = f.s.Assign(ctx, g.w(), u.ID, rbac.AssignmentInput{RoleID: gr.ID})
	require.Equal(t, rbac.ENotFound, rbac.ErrorCode(err))
	_, _, err = g.s.CreateUser(ctx, g.w(), rbac.UserInput{Email: "b@globex.test", Roles: []string{r.ID}})
	require.Equal(t, rbac.EInvalid, rbac.ErrorCode(err), "another tenant's role is unknown here")
	g.user("a@acme.test") // emails are unique per tenant only
	users, _, err := f.s.ListUsers(ctx, "globex", rbac.UserFilter{})
	require.NoError(t, err)
	require.Len(t, users, 1)
	_, err = f.s.DeleteRole(ctx, g.w(), r.ID)
	require.Equal(t, rbac.ENotFound, rbac.ErrorCode(err))
}

func mustSetClock(t *testing.T, s rbac.Store, now *time.Time) {
	t.Helper()
	c, ok := s.(Clocked)
	if !ok {
		t.Skip("store has no settable clock")
	}
	c.SetClock(func() time.Time { return *now })
}

func fmtUser(i int) string { return fmt.Sprintf("user%03d@x.test", i) }
