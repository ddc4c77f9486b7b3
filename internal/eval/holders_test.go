package eval

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/rbac"
)

// holderSource builds a tenant where n users hold role "r" (which grants
// docs:read) through one kind of source. With noise, every holder has a
// non-holder next to it in id order inside the same source (an expired
// grant in the direct tree, a disabled or unknown member of the group), so
// that pages and the engine's read-ahead chunks end at every offset and
// skipped ids are read too.
type holderSource func(n int, noise bool) rbac.Snapshot

var (
	holderRole = rbac.SnapshotRole{ID: "r", Permissions: []string{"docs:read"}}
	expired    = t0.Add(-time.Hour)
)

func holderID(i int) string { return fmt.Sprintf("u%03d", i) }

// noiseID sorts right after holderID(i).
func noiseID(i int) string { return holderID(i) + "-x" }

func directSource(n int, noise bool) rbac.Snapshot {
	s := rbac.Snapshot{Roles: []rbac.SnapshotRole{holderRole}}
	for i := range n {
		s.Users = append(s.Users, rbac.SnapshotUser{ID: holderID(i), Active: true, Grants: []rbac.Grant{{RoleID: "r"}}})
		if noise {
			s.Users = append(s.Users, rbac.SnapshotUser{ID: noiseID(i), Active: true, Grants: []rbac.Grant{{RoleID: "r", ExpiresAt: &expired}}})
		}
	}
	return s
}

func groupSource(n int, noise bool) rbac.Snapshot {
	s := rbac.Snapshot{Roles: []rbac.SnapshotRole{holderRole}}
	g := rbac.SnapshotGroup{ID: "g", Grants: []rbac.Grant{{RoleID: "r"}}}
	for i := range n {
		s.Users = append(s.Users, rbac.SnapshotUser{ID: holderID(i), Active: true})
		g.Members = append(g.Members, holderID(i))
		if noise {
			g.Members = append(g.Members, noiseID(i))
			if i%2 == 0 { // the others are members the tenant does not know
				s.Users = append(s.Users, rbac.SnapshotUser{ID: noiseID(i), Active: false})
			}
		}
	}
	s.Groups = []rbac.SnapshotGroup{g}
	return s
}

func defaultSource(n int, noise bool) rbac.Snapshot {
	def := holderRole
	def.Default = true
	s := rbac.Snapshot{Roles: []rbac.SnapshotRole{def}}
	for i := range n {
		s.Users = append(s.Users, rbac.SnapshotUser{ID: holderID(i), Active: true})
		if noise {
			s.Users = append(s.Users, rbac.SnapshotUser{ID: noiseID(i), Active: false})
		}
	}
	return s
}

// mixedSource spreads the holders over a direct grant, two groups and a
// grant scoped to organization o1 (counted only when asking in o1), with
// overlaps, so the merge sees the same id from several sources.
func mixedSource(n int, noise bool) rbac.Snapshot {
	s := rbac.Snapshot{Roles: []rbac.SnapshotRole{holderRole}}
	groups := []rbac.SnapshotGroup{{ID: "ga", Grants: []rbac.Grant{{RoleID: "r"}}}, {ID: "gb", Grants: []rbac.Grant{{RoleID: "r"}}}}
	for i := range n {
		u := rbac.SnapshotUser{ID: holderID(i), Active: true}
		switch i % 4 {
		case 0:
			u.Grants = []rbac.Grant{{RoleID: "r"}}
		case 1:
			groups[0].Members = append(groups[0].Members, u.ID)
		case 2:
			groups[1].Members = append(groups[1].Members, u.ID)
			u.Grants = []rbac.Grant{{RoleID: "r", OrgID: "o1"}}
		default: // everywhere at once
			u.Grants = []rbac.Grant{{RoleID: "r"}, {RoleID: "r", OrgID: "o1"}}
			groups[0].Members = append(groups[0].Members, u.ID)
			groups[1].Members = append(groups[1].Members, u.ID)
		}
		s.Users = append(s.Users, u)
		if noise {
			s.Users = append(s.Users, rbac.SnapshotUser{ID: noiseID(i), Active: true, Grants: []rbac.Grant{{RoleID: "r", ExpiresAt: &expired}}})
			groups[i%2].Members = append(groups[i%2].Members, noiseID(i)+"-unknown")
		}
	}
	s.Groups = groups
	return s
}

// Every page size at and around the engine's read-ahead chunk (32), over
// every kind of source, walked to the end and compared with the naive
// reference. Sources of more than 32 ids once panicked when a page read
// past the first chunk.
func TestTenant_HoldersPageEdges(t *testing.T) {
	sources := []struct {
		name string
		make holderSource
	}{
		{"direct", directSource},
		{"group", groupSource},
		{"default", defaultSource},
		{"mixed", mixedSource},
	}
	for _, src := range sources {
		for _, noise := range []bool{false, true} {
			for _, n := range []int{0, 1, 31, 32, 33, 64, 100} {
				s := src.make(n, noise)
				e, ref := New(s), newReference(s)
				for _, org := range []string{"", "o1"} {
					want := ref.holdersOfRole("r", org, t0)
					require.Len(t, want, n, "the fixture itself: %s n=%d noise=%v", src.name, n, noise)
					for _, limit := range []int{1, 31, 32, 33, 100} {
						name := fmt.Sprintf("%s/noise=%v/holders=%d/org=%q/limit=%d", src.name, noise, n, org, limit)
						t.Run(name, func(t *testing.T) {
							require.Equal(t, want, walk(t, limit, func(after string) ([]string, string) {
								return e.HoldersOfRole("r", org, after, limit, t0)
							}), "HoldersOfRole")
							require.Equal(t, ref.holdersOfPermission("docs:read", org, t0), walk(t, limit, func(after string) ([]string, string) {
								return e.HoldersOfPermission("docs:read", org, after, limit, t0)
							}), "HoldersOfPermission")
						})
					}
				}
			}
		}
	}
}

// A page read through a View leaves the group's member list as it was: the
// cursor reads a group's members in place and must never write into them.
func TestTenant_HoldersLeavesGroupMembersAlone(t *testing.T) {
	s := groupSource(100, true)
	e := New(s)
	before := append([]string(nil), e.groups["g"].members...)
	for _, limit := range []int{1, 32, 100} {
		walk(t, limit, func(after string) ([]string, string) { return e.HoldersOfRole("r", "", after, limit, t0) })
	}
	require.Equal(t, before, e.groups["g"].members)
}
