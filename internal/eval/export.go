package eval

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/rosterhq/roster/internal/rbac"
)

// Export is the state the view reads, in the snapshot's terms and in a
// canonical form (see Canonical), so that it can be compared with a fresh
// snapshot of the same revision: a verification of the engine, not a way
// to feed another one.
//
// Users' emails and external ids are read back from the name indexes
// ResolveUser answers from, not from the users: a user the index misses
// exports none, one it reaches by several names exports them all (joined by
// NUL, which no stored name holds), and a name left pointing at a user the
// engine no longer has exports that user, so that an index out of step
// with the users differs from the database.
func (v View) Export(now time.Time) rbac.Snapshot {
	t := v.t
	s := rbac.Snapshot{Revision: t.rev.Load()}
	for _, id := range slices.Sorted(maps.Keys(t.roles)) {
		r := t.roles[id]
		s.Roles = append(s.Roles, rbac.SnapshotRole{ID: id, Permissions: r.perms, Parents: r.parents, Default: r.def})
	}
	emails, externals := namesByUser(t.byEmail), namesByUser(t.byExternal)
	ids := slices.Collect(maps.Keys(t.users))
	for id := range emails {
		ids = append(ids, id)
	}
	for id := range externals {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range slices.Compact(ids) {
		su := rbac.SnapshotUser{ID: id, Email: emails[id], ExternalID: externals[id]}
		if u := t.users[id]; u != nil {
			su.Active, su.Grants = u.active, u.grants
		}
		s.Users = append(s.Users, su)
	}
	for _, id := range slices.Sorted(maps.Keys(t.groups)) {
		g := t.groups[id]
		s.Groups = append(s.Groups, rbac.SnapshotGroup{ID: id, Members: g.members, Grants: g.grants})
	}
	return Canonical(s, now)
}

// namesByUser inverts a name index: user id → its names, sorted and joined
// by NUL (one, when the index is in step).
func namesByUser(index map[string]string) map[string]string {
	out := make(map[string]string, len(index))
	for name, id := range index {
		prev, several := out[id]
		if !several {
			out[id] = name
			continue
		}
		names := append(strings.Split(prev, "\x00"), name)
		slices.Sort(names)
		out[id] = strings.Join(names, "\x00")
	}
	return out
}

// Canonical returns a copy of s that compares equal to any other snapshot
// that evaluates the same at now and later: entities sorted by id, their
// lists sorted, grants already expired at now dropped (a store may leave
// them out), a disabled user's grants dropped (they count nowhere, and the
// engine replaces them wholesale when the user is enabled again), emails
// lowercased (they name a user ignoring case), and empty lists nil.
func Canonical(s rbac.Snapshot, now time.Time) rbac.Snapshot {
	out := rbac.Snapshot{Revision: s.Revision}
	for _, r := range s.Roles {
		out.Roles = append(out.Roles, rbac.SnapshotRole{ID: r.ID, Permissions: sortedSet(r.Permissions),
			Parents: sortedSet(r.Parents), Default: r.Default})
	}
	for _, u := range s.Users {
		cu := rbac.SnapshotUser{ID: u.ID, Active: u.Active, Email: strings.ToLower(u.Email), ExternalID: u.ExternalID}
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
