package eval

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/rbac"
)

func at(t time.Time) *time.Time { return &t }

// fixture is a small tenant exercising every rule; t0 is the reference time.
func fixture() *Tenant {
	global := func(role string) rbac.Grant { return rbac.Grant{RoleID: role} }
	in := func(role, org string) rbac.Grant { return rbac.Grant{RoleID: role, OrgID: org} }
	return New(rbac.Snapshot{
		Revision: 7,
		Roles: []rbac.SnapshotRole{
			{ID: "viewer", Permissions: []string{"docs:read"}},
			{ID: "editor", Permissions: []string{"docs:write"}, Parents: []string{"viewer", "ghost"}},
			{ID: "admin", Permissions: []string{"*:*"}, Parents: []string{"editor"}},
			{ID: "member", Permissions: []string{"profile:read"}, Default: true},
			{ID: "reporter", Permissions: []string{"reports:read"}},
			{ID: "reports_all", Permissions: []string{"reports:*"}},
			{ID: "a_audit", Permissions: []string{"reports:read", "audit:read"}},
			{ID: "multi", Permissions: []string{"docs:*", "*:read"}},
		},
		Users: []rbac.SnapshotUser{
			{ID: "alice", Active: true, Grants: []rbac.Grant{global("editor")}},
			{ID: "bob", Active: false, Grants: []rbac.Grant{global("admin")}},
			{ID: "carol", Active: true, Grants: []rbac.Grant{in("editor", "o1")}},
			{ID: "dave", Active: true, Grants: []rbac.Grant{{RoleID: "reporter", NotBefore: at(t0), ExpiresAt: at(t0.Add(time.Hour))}}},
			{ID: "erin", Active: true},
			{ID: "frank", Active: true, Grants: []rbac.Grant{global("no-such-role")}},
			{ID: "gina", Active: true, Grants: []rbac.Grant{global("reporter"), global("a_audit")}},
			{ID: "hank", Active: true, Grants: []rbac.Grant{global("multi")}},
			{ID: "ivan", Active: true, Grants: []rbac.Grant{global("viewer"), global("editor")}},
		},
		Groups: []rbac.SnapshotGroup{
			{ID: "g-ops", Members: []string{"erin", "ivan"}, Grants: []rbac.Grant{global("reports_all"), in("viewer", "o2")}},
			{ID: "g-view", Members: []string{"ivan", "bob"}, Grants: []rbac.Grant{global("viewer")}},
		},
	})
}

func TestTenant_Check(t *testing.T) {
	e := fixture()
	allow := func(role, pattern string) Decision { return Decision{Allowed: true, RoleID: role, Pattern: pattern} }
	cases := []struct {
		name, user, permission, org string
		now                         time.Time
		want                        Decision
	}{
		{"direct", "alice", "docs:write", "", t0, allow("editor", "docs:write")},
		{"inherited", "alice", "docs:read", "", t0, allow("viewer", "docs:read")},
		{"default role", "frank", "profile:read", "", t0, allow("member", "profile:read")},
		{"unknown role granted is ignored", "frank", "docs:read", "", t0, Decision{}},
		{"disabled holds nothing", "bob", "profile:read", "", t0, Decision{}},
		{"unknown user", "nobody", "profile:read", "", t0, Decision{}},
		{"org grant without org", "carol", "docs:write", "", t0, Decision{}},
		{"org grant in its org", "carol", "docs:read", "o1", t0, allow("viewer", "docs:read")},
		{"org grant in another org", "carol", "docs:write", "o2", t0, Decision{}},
		{"global counts in an org", "carol", "profile:read", "o1", t0, allow("member", "profile:read")},
		{"before not_before", "dave", "reports:read", "", t0.Add(-time.Nanosecond), Decision{}},
		{"at not_before", "dave", "reports:read", "", t0, allow("reporter", "reports:read")},
		{"at expires_at", "dave", "reports:read", "", t0.Add(time.Hour), Decision{}},
		{"group grant", "erin", "reports:read", "", t0, allow("reports_all", "reports:*")},
		{"asking a wildcard", "erin", "reports:*", "", t0, allow("reports_all", "reports:*")},
		{"a wildcard needs a wildcard", "gina", "reports:*", "", t0, Decision{}},
		{"asking *:* needs *:*", "alice", "*:*", "", t0, Decision{}},
		{"group grant in org", "erin", "docs:read", "o2", t0, allow("viewer", "docs:read")},
		{"group org grant without org", "erin", "docs:read", "", t0, Decision{}},
		{"smallest role id", "gina", "reports:read", "", t0, allow("a_audit", "reports:read")},
		{"smallest pattern of that role", "hank", "docs:read", "", t0, allow("multi", "*:read")},
		{"malformed permission", "alice", "docs", "", t0, Decision{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, e.Check(c.user, c.permission, c.org, c.now))
		})
	}
}

func TestTenant_Permissions(t *testing.T) {
	e := fixture()
	cases := []struct {
		name, user, org string
		want            []string
	}{
		{"inheritance and default", "alice", "", []string{"docs:read", "docs:write", "profile:read"}},
		{"org adds to global", "carol", "o1", []string{"docs:read", "docs:write", "profile:read"}},
		{"global only", "carol", "", []string{"profile:read"}},
		{"deduplicated", "ivan", "", []string{"docs:read", "docs:write", "profile:read", "reports:*"}},
		{"disabled", "bob", "", []string{}},
		{"unknown", "nobody", "", []string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, e.Permissions(c.user, c.org, t0))
		})
	}
}

func TestTenant_EvaluatedRoles(t *testing.T) {
	e := fixture()
	direct, def := Source{Type: SourceDirect}, Source{Type: SourceDefault}
	via := func(r string) Source { return Source{Type: SourceInherited, ViaRoleID: r} }
	group := func(g string) Source { return Source{Type: SourceGroup, GroupID: g} }
	member := EvaluatedRole{RoleID: "member", Sources: []Source{def}}
	cases := []struct {
		name, user, org string
		all             bool
		want            []EvaluatedRole
	}{
		{"chain", "alice", "", false, []EvaluatedRole{
			{RoleID: "editor", Sources: []Source{direct}}, member,
			{RoleID: "viewer", Sources: []Source{via("editor")}},
		}},
		{"several sources at once", "ivan", "", false, []EvaluatedRole{
			{RoleID: "editor", Sources: []Source{direct}}, member,
			{RoleID: "reports_all", Sources: []Source{group("g-ops")}},
			{RoleID: "viewer", Sources: []Source{direct, group("g-view"), via("editor")}},
		}},
		{"global only", "carol", "", false, []EvaluatedRole{member}},
		{"every scope", "carol", "", true, []EvaluatedRole{
			{RoleID: "editor", OrgID: "o1", Sources: []Source{direct}}, member,
			{RoleID: "viewer", OrgID: "o1", Sources: []Source{via("editor")}},
		}},
		{"one org", "erin", "o2", false, []EvaluatedRole{
			member, {RoleID: "reports_all", Sources: []Source{group("g-ops")}},
			{RoleID: "viewer", OrgID: "o2", Sources: []Source{group("g-ops")}},
		}},
		{"disabled", "bob", "", true, []EvaluatedRole{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, e.EvaluatedRoles(c.user, c.org, c.all, t0))
		})
	}
}

func TestTenant_Holders(t *testing.T) {
	e := fixture()
	all := func(page func(after string) ([]string, string)) []string { return walk(t, 2, page) }
	role := func(r, org string) []string {
		return all(func(after string) ([]string, string) { return e.HoldersOfRole(r, org, after, 2, t0) })
	}
	perm := func(p, org string) []string {
		return all(func(after string) ([]string, string) { return e.HoldersOfPermission(p, org, after, 2, t0) })
	}
	require.Equal(t, []string{"alice", "ivan"}, role("viewer", ""))
	require.Equal(t, []string{"alice", "carol", "ivan"}, role("viewer", "o1"))
	require.Equal(t, []string{"alice", "erin", "ivan"}, role("viewer", "o2"))
	require.Equal(t, []string{"alice", "carol", "dave", "erin", "frank", "gina", "hank", "ivan"}, role("member", ""))
	require.Equal(t, []string{}, role("ghost", ""))
	require.Equal(t, []string{"dave", "erin", "gina", "hank", "ivan"}, perm("reports:read", ""))
	require.Equal(t, []string{"erin", "ivan"}, perm("reports:*", ""))
	require.Equal(t, []string{}, perm("reports", ""))

	ids, next := e.HoldersOfRole("member", "", "", 0, t0)
	require.Len(t, ids, 8) // limit <= 0 is 20
	require.Empty(t, next)
}

func TestTenant_ClockExpiresCache(t *testing.T) {
	e := fixture()
	require.NotContains(t, e.Permissions("dave", "", t0.Add(-time.Minute)), "reports:read")
	require.Contains(t, e.Permissions("dave", "", t0), "reports:read")
	require.NotContains(t, e.Permissions("dave", "", t0.Add(time.Hour)), "reports:read")
	require.Contains(t, e.Permissions("dave", "", t0.Add(30*time.Minute)), "reports:read", "time may go back")
}

func TestTenant_Updates(t *testing.T) {
	t.Run("PutUser", func(t *testing.T) {
		e := fixture()
		require.True(t, e.Check("frank", "profile:read", "", t0).Allowed) // warm the cache
		e.PutUser(rbac.SnapshotUser{ID: "frank", Active: true, Grants: []rbac.Grant{{RoleID: "admin"}}})
		require.Equal(t, Decision{Allowed: true, RoleID: "admin", Pattern: "*:*"}, e.Check("frank", "x:y", "", t0))
		e.PutUser(rbac.SnapshotUser{ID: "frank", Active: false})
		require.False(t, e.Check("frank", "profile:read", "", t0).Allowed)
		require.True(t, e.HasUser("frank"))
	})
	t.Run("DeleteUser drops it from groups", func(t *testing.T) {
		e := fixture()
		e.DeleteUser("erin")
		require.False(t, e.HasUser("erin"))
		e.PutUser(rbac.SnapshotUser{ID: "erin", Active: true})
		require.False(t, e.Check("erin", "reports:read", "", t0).Allowed)
	})
	t.Run("PutGroup before its member exists", func(t *testing.T) {
		e := fixture()
		e.PutGroup(rbac.SnapshotGroup{ID: "g-new", Members: []string{"zed"}, Grants: []rbac.Grant{{RoleID: "admin"}}})
		e.PutUser(rbac.SnapshotUser{ID: "zed", Active: true})
		require.True(t, e.Check("zed", "x:y", "", t0).Allowed)
		require.Equal(t, []string{"zed"}, mustPage(e.HoldersOfRole("admin", "", "", 10, t0)))
		e.DeleteGroup("g-new")
		require.False(t, e.Check("zed", "x:y", "", t0).Allowed)
	})
	t.Run("PutRole and DeleteRole", func(t *testing.T) {
		e := fixture()
		require.True(t, e.Check("alice", "docs:read", "", t0).Allowed)
		e.PutRole(rbac.SnapshotRole{ID: "viewer", Permissions: []string{"wiki:read"}})
		require.False(t, e.Check("alice", "docs:read", "", t0).Allowed)
		require.True(t, e.Check("alice", "wiki:read", "", t0).Allowed)
		e.DeleteRole("editor")
		require.Equal(t, []string{"profile:read"}, e.Permissions("alice", "", t0))
		e.PutRole(rbac.SnapshotRole{ID: "editor", Permissions: []string{"docs:write"}})
		require.False(t, e.Check("alice", "docs:write", "", t0).Allowed, "the grant went with the role")
	})
	t.Run("DeleteOrganization", func(t *testing.T) {
		e := fixture()
		require.True(t, e.Check("carol", "docs:write", "o1", t0).Allowed)
		require.True(t, e.Check("erin", "docs:read", "o2", t0).Allowed)
		e.DeleteOrganization("o1")
		e.DeleteOrganization("o2")
		require.False(t, e.Check("carol", "docs:write", "o1", t0).Allowed)
		require.False(t, e.Check("erin", "docs:read", "o2", t0).Allowed)
		require.Equal(t, []EvaluatedRole{{RoleID: "member", Sources: []Source{{Type: SourceDefault}}}}, e.EvaluatedRoles("carol", "", true, t0))
	})
	t.Run("revisions apply strictly in order", func(t *testing.T) {
		e := fixture()
		require.EqualValues(t, 7, e.Revision())
		grant := rbac.SnapshotUser{ID: "frank", Active: true, Grants: []rbac.Grant{{RoleID: "admin"}}}
		change := func(rev int64) rbac.Change {
			return rbac.Change{Revision: rev, Action: rbac.ActionUserUpdate, Target: rbac.TargetUser, TargetID: "frank"}
		}
		for name, d := range map[string]rbac.Delta{
			"skips a revision":       {From: 8, To: 9, Changes: []rbac.Change{change(9)}},
			"goes back":              {From: 6, To: 7, Changes: []rbac.Change{change(7)}},
			"misses a change":        {From: 7, To: 9, Changes: []rbac.Change{change(9)}},
			"changes out of order":   {From: 7, To: 9, Changes: []rbac.Change{change(9), change(8)}},
			"more changes than revs": {From: 7, To: 8, Changes: []rbac.Change{change(8), change(9)}},
		} {
			d.Users = []rbac.SnapshotUser{grant}
			require.Error(t, e.Apply(d), name)
			require.EqualValues(t, 7, e.Revision(), name)
			require.False(t, e.Check("frank", "x:y", "", t0).Allowed, "%s: nothing applied", name)
		}
		require.NoError(t, e.Apply(rbac.Delta{From: 7, To: 9, Changes: []rbac.Change{change(8), change(9)}, Users: []rbac.SnapshotUser{grant}}))
		require.EqualValues(t, 9, e.Revision())
		require.True(t, e.Check("frank", "x:y", "", t0).Allowed)
		v := e.View()
		defer v.Close()
		require.EqualValues(t, 9, v.Revision(), "a view reports the revision of the state it reads")
	})
}

func TestTenant_CycleTerminates(t *testing.T) {
	e := New(rbac.Snapshot{
		Roles: []rbac.SnapshotRole{
			{ID: "a", Permissions: []string{"a:x"}, Parents: []string{"b"}},
			{ID: "b", Permissions: []string{"b:x"}, Parents: []string{"a", "b"}},
		},
		Users: []rbac.SnapshotUser{{ID: "u", Active: true, Grants: []rbac.Grant{{RoleID: "a"}}}},
	})
	require.Equal(t, []string{"a:x", "b:x"}, e.Permissions("u", "", t0))
	require.Len(t, e.EvaluatedRoles("u", "", true, t0), 2)
	require.Equal(t, []string{"u"}, mustPage(e.HoldersOfPermission("b:x", "", "", 10, t0)))
}

func mustPage(ids []string, next string) []string {
	if next != "" {
		panic("unexpected next page")
	}
	return ids
}

// A query that panics inside Read leaves no view open: the next update
// still applies (an open view would block it, and every later one, for good).
func TestTenant_ReadClosesOnPanic(t *testing.T) {
	e := fixture()
	func() {
		defer func() { require.NotNil(t, recover()) }()
		e.Read(func(View) { panic("a bug in a query") })
	}()
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.PutUser(rbac.SnapshotUser{ID: "frank", Active: true, Grants: []rbac.Grant{{RoleID: "admin"}}})
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("an update waited on a view left open by a panic")
	}
}
