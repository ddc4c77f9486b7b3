package eval

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"github.com/rosterhq/roster/internal/rbac"
)

// Export is the state the view reads, in the snapshot's terms and in a
// canonical form (see Canonical), so that it can be compared with a fresh
// snapshot of the same revision: a verification of the engine, not a way
// to feed another one.
func (v View) Export(now time.Time) rbac.Snapshot {
	t := v.t
	s := rbac.Snapshot{Revision: t.rev.Load()}
	for _, id := range slices.Sorted(maps.Keys(t.roles)) {
		r := t.roles[id]
		s.Roles = append(s.Roles, rbac.SnapshotRole{ID: id, Permissions: r.perms, Parents: r.parents, Default: r.def})
	}
	for _, id := range slices.Sorted(maps.Keys(t.users)) {
		u := t.users[id]
		s.Users = append(s.Users, rbac.SnapshotUser{ID: id, Active: u.active, Grants: u.grants})
	}
	for _, id := range slices.Sorted(maps.Keys(t.groups)) {
		g := t.groups[id]
		s.Groups = append(s.Groups, rbac.SnapshotGroup{ID: id, Members: g.members, Grants: g.grants})
	}
	return Canonical(s, now)
}

// Canonical returns a copy of s that compares equal to any other snapshot
// that evaluates the same at now and later: entities sorted by id, their
// lists sorted, grants already expired at now dropped (a store may leave
// them out), a disabled user's grants dropped (they count nowhere, and the
// engine replaces them wholesale when the user is enabled again), and empty
// lists nil.
func Canonical(s rbac.Snapshot, now time.Time) rbac.Snapshot {
	out := rbac.Snapshot{Revision: s.Revision}
	for _, r := range s.Roles {
		out.Roles = append(out.Roles, rbac.SnapshotRole{ID: r.ID, Permissions: sortedSet(r.Permissions),
			Parents: sortedSet(r.Parents), Default: r.Default})
	}
	for _, u := range s.Users {
		cu := rbac.SnapshotUser{ID: u.ID, Active: u.Active}
		if u.Active {
			cu.Grants = liveGrants(u.Grants, now)
		}
		out.Users = append(out.Users, cu)
	}
	for _, g := range s.Groups {
		out.Groups = append(out.Groups, rbac.SnapshotGroup{ID: g.ID, Members: sortedSet(g.Members), Grants: liveGrants(g.Grants, now)})
	}
	slices.SortFunc(out.Roles, func(a, b rbac.SnapshotRole) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(out.Users, func(a, b rbac.SnapshotUser) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(out.Groups, func(a, b rbac.SnapshotGroup) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

func sortedSet(xs []string) []string {
	if len(xs) == 0 {
		return nil
	}
	out := slices.Clone(xs)
	slices.Sort(out)
	return slices.Compact(out)
}

// liveGrants sorts the grants that have not expired at now, with their
// times in UTC (databases hand them back in the local zone or UTC).
func liveGrants(gs []rbac.Grant, now time.Time) []rbac.Grant {
	var out []rbac.Grant
	for _, g := range gs {
		if g.ExpiresAt != nil && !now.Before(*g.ExpiresAt) {
			continue
		}
		c := rbac.Grant{RoleID: g.RoleID, OrgID: g.OrgID}
		if g.NotBefore != nil {
			nb := g.NotBefore.UTC()
			c.NotBefore = &nb
		}
		if g.ExpiresAt != nil {
			ex := g.ExpiresAt.UTC()
			c.ExpiresAt = &ex
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b rbac.Grant) int {
		return cmp.Or(cmp.Compare(a.RoleID, b.RoleID), cmp.Compare(a.OrgID, b.OrgID),
			cmpTime(a.NotBefore, b.NotBefore), cmpTime(a.ExpiresAt, b.ExpiresAt))
	})
	return out
}

func cmpTime(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return a.Compare(*b)
}
