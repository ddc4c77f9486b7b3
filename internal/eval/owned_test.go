package eval

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/rbac"
)

// ownedFixture is a tenant with owner-only patterns, and users known by
// emails and external ids.
func ownedFixture() *Tenant {
	global := func(roles ...string) []rbac.Grant {
		var gs []rbac.Grant
		for _, r := range roles {
			gs = append(gs, rbac.Grant{RoleID: r})
		}
		return gs
	}
	return New(rbac.Snapshot{
		Revision: 3,
		Roles: []rbac.SnapshotRole{
			{ID: "author", Permissions: []string{"todo:update:own", "todo:read"}},
			{ID: "mod", Permissions: []string{"todo:*:own"}},
			{ID: "boss", Permissions: []string{"todo:update"}},
			{ID: "both", Permissions: []string{"todo:update:own", "todo:update"}},
			{ID: "a_own", Permissions: []string{"*:*:own"}},
			{ID: "b_plain", Permissions: []string{"todo:update"}},
			{ID: "odd", Permissions: []string{"todo:update:mine"}},
		},
		Users: []rbac.SnapshotUser{
			{ID: "olga", Active: true, Grants: global("author"), Email: "Olga@X.test", ExternalID: "ext-olga"},
			{ID: "pete", Active: true, Grants: global("author", "mod"), Email: "pete@x.test", ExternalID: "olga"},
			{ID: "quin", Active: true, Grants: global("boss", "author"), Email: "quin@x.test"},
			{ID: "rita", Active: true, Grants: global("both"), Email: "rita@x.test"},
			{ID: "sam", Active: true, Grants: global("b_plain", "a_own"), Email: "sam@x.test"},
			{ID: "tina", Active: true, Grants: []rbac.Grant{{RoleID: "author", OrgID: "o1"}}, Email: "tina@x.test"},
			{ID: "uma", Active: true, Grants: global("odd"), Email: "uma@x.test"},
			{ID: "vera", Active: false, Grants: global("author"), Email: "vera@x.test", ExternalID: "ext-vera"},
			{ID: "same@x.test", Active: true, Email: "other@x.test"},
			{ID: "zed", Active: true, Email: "SAME@x.test"},
		},
	})
}

func TestTenant_CheckOwned(t *testing.T) {
	e := ownedFixture()
	allow := func(role, pattern string) Decision { return Decision{Allowed: true, RoleID: role, Pattern: pattern} }
	cases := []struct {
		name, user, permission, org string
		owned                       bool
		want                        Decision
	}{
		{"own pattern, not the owner", "olga", "todo:update", "", false, Decision{}},
		{"own pattern, the owner", "olga", "todo:update", "", true, allow("author", "todo:update:own")},
		{"plain pattern whatever the owner", "olga", "todo:read", "", false, allow("author", "todo:read")},
		{"plain pattern on one's own", "olga", "todo:read", "", true, allow("author", "todo:read")},
		{"own pattern is per action", "olga", "todo:delete", "", true, Decision{}},
		{"own wildcard", "pete", "todo:delete", "", true, allow("mod", "todo:*:own")},
		{"own wildcard, not the owner", "pete", "todo:delete", "", false, Decision{}},
		{"smallest role among own patterns", "pete", "todo:update", "", true, allow("author", "todo:update:own")},
		{"plain role when not the owner", "quin", "todo:update", "", false, allow("boss", "todo:update")},
		{"smaller own role when the owner", "quin", "todo:update", "", true, allow("author", "todo:update:own")},
		{"smallest pattern of the role", "rita", "todo:update", "", true, allow("both", "todo:update")},
		{"own role first when the owner", "sam", "todo:update", "", true, allow("a_own", "*:*:own")},
		{"plain role when not", "sam", "todo:update", "", false, allow("b_plain", "todo:update")},
		{"own wildcard on anything owned", "sam", "wiki:delete", "", true, allow("a_own", "*:*:own")},
		{"a wildcard asked needs a wildcard", "sam", "wiki:*", "", true, allow("a_own", "*:*:own")},
		{"asking owner-only is no permission", "olga", "todo:update:own", "", true, Decision{}},
		{"asking owner-only of a plain holder", "quin", "todo:update:own", "", false, Decision{}},
		{"a third part other than own grants nothing", "uma", "todo:update", "", true, Decision{}},
		{"disabled", "vera", "todo:update", "", true, Decision{}},
		{"unknown", "nobody", "todo:update", "", true, Decision{}},
		{"own grant in its org", "tina", "todo:update", "o1", true, allow("author", "todo:update:own")},
		{"own grant outside its org", "tina", "todo:update", "", true, Decision{}},
		{"own grant in its org, not the owner", "tina", "todo:update", "o1", false, Decision{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, e.CheckOwned(c.user, c.permission, c.org, c.owned, t0))
			e.Read(func(v View) {
				require.Equal(t, c.want, v.CheckOwned(c.user, c.permission, c.org, c.owned, t0), "in a view")
			})
			if !c.owned {
				require.Equal(t, c.want, e.Check(c.user, c.permission, c.org, t0), "Check is CheckOwned(false)")
			}
		})
	}
	require.Equal(t, []string{"todo:read", "todo:update:own"}, e.Permissions("olga", "", t0), "patterns as written")
}

func TestTenant_HoldersOwned(t *testing.T) {
	e := ownedFixture()
	perm := func(p, org string) []string {
		return walk(t, 2, func(after string) ([]string, string) { return e.HoldersOfPermission(p, org, after, 2, t0) })
	}
	require.Equal(t, []string{"quin", "rita", "sam"}, perm("todo:update", ""), "plain holders only")
	require.Equal(t, []string{"olga", "pete", "quin", "rita", "sam"}, perm("todo:update:own", ""), "plain and owner-only holders")
	require.Equal(t, []string{"olga", "pete", "quin", "rita", "sam", "tina"}, perm("todo:update:own", "o1"))
	require.Equal(t, []string{"pete", "sam"}, perm("todo:delete:own", ""))
	require.Equal(t, []string{"pete", "sam"}, perm("todo:*:own", ""))
	require.Equal(t, []string{"sam"}, perm("*:*:own", ""))
	require.Equal(t, []string{}, perm("*:*", ""))
	require.Equal(t, []string{}, perm("todo:update:mine", ""))
}

func TestTenant_ResolveUser(t *testing.T) {
	e := ownedFixture()
	resolves := func(t *testing.T, want map[string]string) {
		t.Helper()
		for ref, id := range want {
			got, ok := e.ResolveUser(ref)
			require.Equal(t, id, got, "ResolveUser(%q)", ref)
			require.Equal(t, id != "", ok, "ResolveUser(%q)", ref)
			e.Read(func(v View) {
				got, ok := v.ResolveUser(ref)
				require.Equal(t, [2]any{id, id != ""}, [2]any{got, ok}, "View.ResolveUser(%q)", ref)
			})
		}
	}
	resolves(t, map[string]string{
		"ext-olga":     "olga",
		"olga":         "pete", // an external id comes before an id
		"Olga@X.test":  "olga",
		"olga@x.test":  "olga",
		"OLGA@X.TEST":  "olga",
		"pete":         "pete",
		"PETE@x.test":  "pete",
		"vera@x.test":  "vera", // disabled, still known
		"ext-vera":     "vera",
		"same@x.test":  "same@x.test", // an id comes before an email
		"SAME@x.test":  "zed",
		"other@x.test": "same@x.test",
		"Ext-Olga":     "", // external ids match exactly
		"":             "",
		"nobody":       "",
	})
	e.Read(func(v View) {
		require.True(t, v.IsOwner("olga", "OLGA@x.test"))
		require.True(t, v.IsOwner("pete", "olga"))
		require.False(t, v.IsOwner("olga", "olga"), "olga is pete's external id")
		require.False(t, v.IsOwner("olga", ""))
		require.False(t, v.IsOwner("nobody", "nobody"))
	})

	t.Run("a user's names change", func(t *testing.T) {
		e.PutUser(rbac.SnapshotUser{ID: "olga", Active: true, Grants: []rbac.Grant{{RoleID: "author"}}, Email: "olga2@x.test"})
		resolves(t, map[string]string{"olga@x.test": "", "OLGA2@x.test": "olga", "ext-olga": "", "olga": "pete"})
	})
	t.Run("a deleted user's names go with it", func(t *testing.T) {
		e.DeleteUser("pete")
		resolves(t, map[string]string{"olga": "olga", "pete@x.test": "", "pete": ""})
	})
	t.Run("disabling keeps the names", func(t *testing.T) {
		e.PutUser(rbac.SnapshotUser{ID: "quin", Active: false, Email: "Quin@x.test", ExternalID: "q"})
		resolves(t, map[string]string{"quin@x.test": "quin", "q": "quin"})
	})
	t.Run("names swapped in one delta", func(t *testing.T) {
		e.PutDeleteUsers([]rbac.SnapshotUser{
			{ID: "quin", Active: true, Email: "olga2@x.test", ExternalID: "o"},
			{ID: "olga", Active: true, Email: "quin@x.test", ExternalID: "q"},
		}, nil)
		resolves(t, map[string]string{"olga2@x.test": "quin", "quin@x.test": "olga", "q": "olga", "o": "quin"})
	})
	t.Run("names handed over by a user deleted in the delta", func(t *testing.T) {
		e.PutDeleteUsers([]rbac.SnapshotUser{{ID: "rita", Active: true, Email: "olga2@x.test", ExternalID: "o"}}, []string{"quin"})
		resolves(t, map[string]string{"olga2@x.test": "rita", "o": "rita", "rita@x.test": "", "quin": ""})
	})
	t.Run("the export reads names from the indexes", func(t *testing.T) {
		v := e.View()
		users := rbac.IndexBy(v.Export(t0).Users, func(u rbac.SnapshotUser) string { return u.ID })
		v.Close()
		require.Equal(t, "olga2@x.test", users["rita"].Email)
		require.Equal(t, "o", users["rita"].ExternalID)
		require.Equal(t, "quin@x.test", users["olga"].Email)
		require.Equal(t, "same@x.test", users["zed"].Email, "lowercased")
		require.NotContains(t, users, "quin")

		// An index out of step with the users shows in the export.
		e.mu.Lock()
		e.byEmail["ghost@x.test"] = "gone"
		e.byEmail["olga3@x.test"] = "olga"
		delete(e.byExternal, "o")
		e.mu.Unlock()
		v = e.View()
		users = rbac.IndexBy(v.Export(t0).Users, func(u rbac.SnapshotUser) string { return u.ID })
		v.Close()
		require.Equal(t, rbac.SnapshotUser{ID: "gone", Email: "ghost@x.test"}, users["gone"])
		require.Equal(t, "olga3@x.test\x00quin@x.test", users["olga"].Email)
		require.Empty(t, users["rita"].ExternalID)
		id, ok := e.ResolveUser("ghost@x.test")
		require.False(t, ok, "a name left pointing at no user names nobody: %q", id)
	})
}
