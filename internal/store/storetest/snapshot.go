package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/auth"
	"github.com/rosterhq/roster/internal/rbac"
)

func testSnapshot(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	viewer := f.role("viewer", []string{"docs:read"})
	editor := f.role("editor", []string{"docs:write"}, viewer.ID)
	org, _, err := f.s.CreateOrganization(ctx, f.w(), rbac.OrganizationInput{Name: "o"})
	require.NoError(t, err)
	soon := time.Now().Add(time.Hour)
	later := time.Now().Add(3 * time.Hour)

	a := f.user("a@x.test", viewer.ID)
	idp := "idp-a"
	_, _, err = f.s.UpdateUser(ctx, f.w(), a.ID, rbac.UserPatch{ExternalUserID: &idp})
	require.NoError(t, err)
	_, _, _, err = f.s.Assign(ctx, f.w(), a.ID, rbac.AssignmentInput{RoleID: editor.ID, OrganizationID: org.ID, ExpiresAt: &soon})
	require.NoError(t, err)
	_, _, _, err = f.s.Assign(ctx, f.w(), a.ID, rbac.AssignmentInput{RoleID: editor.ID, NotBefore: &later})
	require.NoError(t, err)
	b := f.user("Bea.B@X.test")
	disabled := rbac.StatusDisabled
	_, _, err = f.s.UpdateUser(ctx, f.w(), b.ID, rbac.UserPatch{Status: &disabled})
	require.NoError(t, err)
	g := f.group("team")
	_, err = f.s.AddGroupMembers(ctx, f.w(), g.ID, []string{b.ID, a.ID})
	require.NoError(t, err)
	_, _, _, err = f.s.AssignGroup(ctx, f.w(), g.ID, rbac.AssignmentInput{RoleID: editor.ID})
	require.NoError(t, err)
	_, _, _, err = f.s.AssignGroup(ctx, f.w(), g.ID, rbac.AssignmentInput{RoleID: viewer.ID, OrganizationID: org.ID, ExpiresAt: &soon})
	require.NoError(t, err)
	empty := f.group("empty")

	now := time.Now().Add(2 * time.Hour) // the grants ending soon have expired
	mustSetClock(t, f.s, &now)
	snap, err := f.s.LoadSnapshot(ctx, "acme")
	require.NoError(t, err)
	require.Equal(t, f.revision(), snap.Revision)

	roles := map[string]rbac.SnapshotRole{}
	for _, r := range snap.Roles {
		roles[r.ID] = r
	}
	require.Len(t, roles, 4)
	require.Equal(t, []string{"*:*"}, roles[rbac.AdminRoleID].Permissions)
	require.False(t, roles[rbac.AdminRoleID].Default)
	require.True(t, roles[rbac.MemberRoleID].Default)
	require.Empty(t, roles[rbac.MemberRoleID].Permissions)
	require.Equal(t, []string{"docs:read"}, roles[viewer.ID].Permissions)
	require.Empty(t, roles[viewer.ID].Parents)
	require.Equal(t, []string{"docs:write"}, roles[editor.ID].Permissions)
	require.Equal(t, []string{viewer.ID}, roles[editor.ID].Parents)

	users := map[string]rbac.SnapshotUser{}
	for _, u := range snap.Users {
		users[u.ID] = u
	}
	require.Len(t, users, 2)
	require.True(t, users[a.ID].Active)
	grants := users[a.ID].Grants
	require.Len(t, grants, 2, "the expired scoped grant is left out")
	require.Equal(t, rbac.Grant{RoleID: editor.ID}, rbac.Grant{RoleID: grants[0].RoleID, OrgID: grants[0].OrgID})
	require.NotNil(t, grants[0].NotBefore, "a pending grant comes with its window")
	require.WithinDuration(t, later, *grants[0].NotBefore, time.Millisecond)
	require.Nil(t, grants[0].ExpiresAt)
	require.Equal(t, rbac.Grant{RoleID: viewer.ID}, grants[1])
	require.False(t, users[b.ID].Active)
	require.Empty(t, users[b.ID].Grants)
	require.Equal(t, "a@x.test", users[a.ID].Email, "users come with the names they are known by")
	require.Equal(t, "idp-a", users[a.ID].ExternalID)
	require.Equal(t, "Bea.B@X.test", users[b.ID].Email, "as written: evaluation ignores its case")
	require.Empty(t, users[b.ID].ExternalID, "none")

	require.Len(t, snap.Groups, 2)
	groups := map[string]rbac.SnapshotGroup{}
	for _, sg := range snap.Groups {
		groups[sg.ID] = sg
	}
	require.Equal(t, sortedIDs([]string{a.ID, b.ID}), groups[g.ID].Members)
	require.Equal(t, []rbac.Grant{{RoleID: editor.ID}}, groups[g.ID].Grants, "the expired group grant is left out")
	require.Empty(t, groups[empty.ID].Members)
	require.Empty(t, groups[empty.ID].Grants)

	_, err = f.s.LoadSnapshot(ctx, "nope")
	require.Equal(t, rbac.ENotFound, rbac.ErrorCode(err))
}

func testChanges(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	_, err := f.s.CreateTenant(ctx, operator, rbac.TenantInput{ID: "globex", Name: "Globex"})
	require.NoError(t, err)
	other := fixture{t: t, s: f.s, tenant: "globex"}
	first, err := f.s.Changes(ctx, "acme", 0, 1)
	require.NoError(t, err)
	require.Equal(t, []rbac.Change{{Revision: 1, Action: rbac.ActionTenantCreate, Target: rbac.TargetTenant, TargetID: "acme"}}, first)

	rev0 := f.revision()
	var want []rbac.Change
	expect := func(action rbac.Action, target rbac.Target, targetID string) {
		want = append(want, rbac.Change{Revision: rev0 + int64(len(want)) + 1, Action: action, Target: target, TargetID: targetID})
	}
	r := f.role("r", []string{"x:read"})
	expect(rbac.ActionRoleCreate, rbac.TargetRole, r.ID)
	u := f.user("u@x.test")
	expect(rbac.ActionUserCreate, rbac.TargetUser, u.ID)
	_, _, _, err = f.s.Assign(ctx, f.w(), u.ID, rbac.AssignmentInput{RoleID: r.ID})
	require.NoError(t, err)
	expect(rbac.ActionAssignmentCreate, rbac.TargetUser, u.ID)
	f.same(func() (int64, error) {
		_, _, rev, err := f.s.Assign(ctx, f.w(), u.ID, rbac.AssignmentInput{RoleID: r.ID})
		return rev, err
	})
	other.role("elsewhere", nil) // another tenant's writes are not this tenant's changes
	org, _, err := f.s.CreateOrganization(ctx, f.w(), rbac.OrganizationInput{Name: "o"})
	require.NoError(t, err)
	expect(rbac.ActionOrganizationCreate, rbac.TargetOrganization, org.ID)
	_, hash := auth.NewSecret()
	tok, _, err := f.s.CreateToken(ctx, f.w(), rbac.TokenInput{UserID: u.ID, Name: "ci", Hash: hash})
	require.NoError(t, err)
	expect(rbac.ActionTokenCreate, rbac.TargetToken, tok.ID)
	g := f.group("g")
	expect(rbac.ActionGroupCreate, rbac.TargetGroup, g.ID)
	_, err = f.s.AddGroupMembers(ctx, f.w(), g.ID, []string{u.ID})
	require.NoError(t, err)
	expect(rbac.ActionGroupMembersAdd, rbac.TargetGroup, g.ID)
	f.same(func() (int64, error) { return f.s.AddGroupMembers(ctx, f.w(), g.ID, []string{u.ID}) })
	_, _, _, err = f.s.AssignGroup(ctx, f.w(), g.ID, rbac.AssignmentInput{RoleID: r.ID})
	require.NoError(t, err)
	expect(rbac.ActionGroupAssignmentCreate, rbac.TargetGroup, g.ID)
	f.same(func() (int64, error) {
		_, _, rev, err := f.s.AssignGroup(ctx, f.w(), g.ID, rbac.AssignmentInput{RoleID: r.ID})
		return rev, err
	})
	perms := []string{"x:read", "x:write"}
	_, _, err = f.s.UpdateRole(ctx, f.w(), r.ID, rbac.RolePatch{Permissions: &perms})
	require.NoError(t, err)
	expect(rbac.ActionRoleUpdate, rbac.TargetRole, r.ID)
	f.same(func() (int64, error) {
		_, rev, err := f.s.UpdateRole(ctx, f.w(), r.ID, rbac.RolePatch{Permissions: &perms})
		return rev, err
	})
	_, err = f.s.RemoveGroupMembers(ctx, f.w(), g.ID, []string{u.ID})
	require.NoError(t, err)
	expect(rbac.ActionGroupMembersRemove, rbac.TargetGroup, g.ID)
	_, err = f.s.UnassignGroup(ctx, f.w(), g.ID, r.ID, "")
	require.NoError(t, err)
	expect(rbac.ActionGroupAssignmentDelete, rbac.TargetGroup, g.ID)
	_, err = f.s.Unassign(ctx, f.w(), u.ID, r.ID, "")
	require.NoError(t, err)
	expect(rbac.ActionAssignmentDelete, rbac.TargetUser, u.ID)
	_, err = f.s.RevokeToken(ctx, f.w(), u.ID, tok.ID)
	require.NoError(t, err)
	expect(rbac.ActionTokenRevoke, rbac.TargetToken, tok.ID)
	_, err = f.s.DeleteOrganization(ctx, f.w(), org.ID)
	require.NoError(t, err)
	expect(rbac.ActionOrganizationDelete, rbac.TargetOrganization, org.ID)
	_, err = f.s.DeleteGroup(ctx, f.w(), g.ID)
	require.NoError(t, err)
	expect(rbac.ActionGroupDelete, rbac.TargetGroup, g.ID)
	name := "Acme Inc"
	_, err = f.s.UpdateTenant(ctx, operator, "acme", rbac.TenantPatch{Name: &name})
	require.NoError(t, err)
	expect(rbac.ActionTenantUpdate, rbac.TargetTenant, "acme")
	_, err = f.s.DeleteUser(ctx, f.w(), u.ID)
	require.NoError(t, err)
	expect(rbac.ActionUserDelete, rbac.TargetUser, u.ID)
	_, err = f.s.DeleteRole(ctx, f.w(), r.ID)
	require.NoError(t, err)
	expect(rbac.ActionRoleDelete, rbac.TargetRole, r.ID)

	got, err := f.s.Changes(ctx, "acme", rev0, 0)
	require.NoError(t, err)
	require.Equal(t, want, got, "one change per write that moved the revision, oldest first")
	require.Equal(t, rev0+int64(len(want)), f.revision())
	rev, err := f.s.TenantRevision(ctx, "acme")
	require.NoError(t, err)
	require.Equal(t, f.revision(), rev)

	got, err = f.s.Changes(ctx, "acme", rev0+2, 3)
	require.NoError(t, err)
	require.Equal(t, want[2:5], got, "since is exclusive; at most limit")
	got, err = f.s.Changes(ctx, "acme", rev, 10)
	require.NoError(t, err)
	require.Empty(t, got)
	_, err = f.s.Changes(ctx, "nope", 0, 10)
	require.Equal(t, rbac.ENotFound, rbac.ErrorCode(err))
	_, err = f.s.TenantRevision(ctx, "nope")
	require.Equal(t, rbac.ENotFound, rbac.ErrorCode(err))
}

// testLoadDelta: a delta names what the changes after since touched, at
// the head revision, read together with the changes.
func testLoadDelta(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	r := f.role("r", []string{"x:read"})
	since := f.revision()
	child := f.role("child", nil, r.ID)
	u := f.user("u@x.test", r.ID)
	g := f.group("g")
	_, err := f.s.AddGroupMembers(ctx, f.w(), g.ID, []string{u.ID})
	require.NoError(t, err)
	_, _, _, err = f.s.AssignGroup(ctx, f.w(), g.ID, rbac.AssignmentInput{RoleID: child.ID})
	require.NoError(t, err)

	d, ok, err := f.s.LoadDelta(ctx, "acme", since, 100)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, since, d.From)
	require.Equal(t, f.revision(), d.To)
	require.Len(t, d.Changes, int(d.To-d.From), "one change per revision")
	require.Equal(t, []rbac.SnapshotUser{{ID: u.ID, Active: true, Grants: []rbac.Grant{{RoleID: r.ID}}, Email: "u@x.test"}}, d.Users)
	require.Equal(t, []rbac.SnapshotRole{{ID: child.ID, Permissions: []string{}, Parents: []string{r.ID}}}, d.Roles)
	require.Equal(t, []rbac.SnapshotGroup{{ID: g.ID, Members: []string{u.ID}, Grants: []rbac.Grant{{RoleID: child.ID}}}}, d.Groups)

	_, ok, err = f.s.LoadDelta(ctx, "acme", since, 3)
	require.NoError(t, err)
	require.False(t, ok, "changes weighing more than maxWeight read no state")
	d, ok, err = f.s.LoadDelta(ctx, "acme", f.revision(), 100)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, rbac.Delta{From: f.revision(), To: f.revision()}, d, "nothing after the head")
	_, _, err = f.s.LoadDelta(ctx, "globex", 0, 100)
	require.Equal(t, rbac.ENotFound, rbac.ErrorCode(err))

	// A delta reads only what its changes name.
	since = f.revision()
	lone := f.user("lone@x.test")
	d, ok, err = f.s.LoadDelta(ctx, "acme", since, 100)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, []rbac.SnapshotUser{{ID: lone.ID, Active: true, Email: "lone@x.test"}}, d.Users)
	require.Empty(t, d.Roles, "no role was named")
	require.Empty(t, d.Groups, "no group was named")

	// A user's new names come with it.
	since = f.revision()
	email, ext := "Lone.Again@x.test", "idp-lone"
	_, _, err = f.s.UpdateUser(ctx, f.w(), lone.ID, rbac.UserPatch{Email: &email, ExternalUserID: &ext})
	require.NoError(t, err)
	d, ok, err = f.s.LoadDelta(ctx, "acme", since, 100)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, []rbac.SnapshotUser{{ID: lone.ID, Active: true, Email: email, ExternalID: ext}}, d.Users)

	// What is gone by the head is named but missing.
	since = f.revision()
	_, err = f.s.DeleteGroup(ctx, f.w(), g.ID)
	require.NoError(t, err)
	_, err = f.s.DeleteUser(ctx, f.w(), u.ID)
	require.NoError(t, err)
	_, err = f.s.DeleteRole(ctx, f.w(), child.ID)
	require.NoError(t, err)
	d, ok, err = f.s.LoadDelta(ctx, "acme", since, 100)
	require.NoError(t, err)
	require.True(t, ok)
	require.Empty(t, d.Users)
	require.Empty(t, d.Roles)
	require.Empty(t, d.Groups)
	require.Equal(t, rbac.Named{Users: []string{u.ID}, Roles: []string{child.ID}, Groups: []string{g.ID}, Deleted: d.Changes}, rbac.Name(d.Changes))
}

// testSnapshotConsistency loads snapshots while users are being created: each
// creation moves the revision by one, so a consistent snapshot holds exactly
// as many new users as its revision has moved.
func testSnapshotConsistency(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	base, err := f.s.LoadSnapshot(ctx, "acme")
	require.NoError(t, err)
	const writers, each = 4, 15
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				_, _, err := f.s.CreateUser(ctx, f.w(), rbac.UserInput{Email: fmt.Sprintf("w%d-%d@x.test", w, i)})
				errs <- err
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	check := func() {
		snap, err := f.s.LoadSnapshot(ctx, "acme")
		require.NoError(t, err)
		require.Equal(t, snap.Revision-base.Revision, int64(len(snap.Users)-len(base.Users)),
			"the snapshot's users and revision come from one state")
	}
	for loading := true; loading; {
		select {
		case <-done:
			loading = false
		default:
			check()
		}
	}
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	check()
	require.Equal(t, base.Revision+writers*each, f.revision())
}
