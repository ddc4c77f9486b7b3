package eval

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/rosterhq/roster/internal/rbac"
)

// What-if (POST /bulk with dry_run): the writes ran in a transaction that
// was rolled back, and the store read their delta through it. Impact
// answers what that delta would do to effective permissions by the same
// code that answers them for real: it copies into a second Tenant only the
// users the delta can reach, with their groups and every role, applies the
// delta to that copy with Apply, and compares each reached user's answers
// there with the live tenant's. The live tenant is only read.

// UserImpact is how one user's effective permissions in one scope would
// change: OrgID "" is the global answer, else the answer in that
// organization (which includes the global permissions, as Permissions does).
type UserImpact struct {
	UserID, OrgID string
	Gained, Lost  []string // sorted, never both empty
}

// Impact compares the tenant now with the tenant after d, a delta that
// starts at its revision (a dry run's, which is never applied for real),
// at now: one UserImpact per user and scope whose permissions differ,
// sorted by user, global first, then by organization. The scopes compared
// are the global one and each organization the user has a scoped grant in
// (its own or a group's), before or after. It is an error for d to start
// at another revision than the tenant's: the comparison would mix states.
func (t *Tenant) Impact(d rbac.Delta, now time.Time) ([]UserImpact, error) {
	if err := checkDense(d); err != nil {
		return nil, err
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	if rev := t.rev.Load(); d.From != rev {
		return nil, fmt.Errorf("eval: a what-if from revision %d cannot compare with revision %d", d.From, rev)
	}
	if d.To == d.From {
		return nil, nil
	}
	ids := t.reach(d)
	after := t.copyOf(ids, d.From)
	if err := after.Apply(d); err != nil {
		return nil, err
	}
	after.mu.RLock()
	defer after.mu.RUnlock()
	var out []UserImpact
	for _, id := range ids {
		scopes := append(t.scopesOf(id), after.scopesOf(id)...)
		slices.Sort(scopes)
		for _, org := range append([]string{""}, slices.Compact(scopes)...) {
			gained, lost := diff(t.permissions(id, org, now), after.permissions(id, org, now))
			if len(gained) > 0 || len(lost) > 0 {
				out = append(out, UserImpact{UserID: id, OrgID: org, Gained: gained, Lost: lost})
			}
		}
	}
	return out, nil
}

// reach lists, sorted, every user whose permissions d can change: the
// users it names; the members, before and after, of the groups it names;
// whoever holds, directly or through a group, a role that implies a named
// role before or after (a role's edit or deletion reaches the holders of
// every role inheriting from it); whoever has a grant in a deleted
// organization; and every user when such a role is a default role, held by
// all. Grants that d adds are named (their user or group), so the holders
// read from the tenant as it is are enough. Called under the read lock.
func (t *Tenant) reach(d rbac.Delta) []string {
	named := rbac.Name(d.Changes)
	set := make(map[string]struct{})
	add := func(ids ...string) {
		for _, id := range ids {
			set[id] = struct{}{}
		}
	}
	add(named.Users...)
	groupsAfter := rbac.IndexBy(d.Groups, func(g rbac.SnapshotGroup) string { return g.ID })
	for _, gid := range named.Groups {
		if g := t.groups[gid]; g != nil {
			add(g.members...)
		}
		add(groupsAfter[gid].Members...)
	}
	addGroups := func(gids map[string]struct{}) {
		for gid := range gids {
			if g := t.groups[gid]; g != nil {
				add(g.members...)
			}
		}
	}
	implied := t.impliedBy(named.Roles, d.Roles)
	for _, r := range implied {
		if (t.roles[r] != nil && t.roles[r].def) || slices.ContainsFunc(d.Roles, func(sr rbac.SnapshotRole) bool { return sr.ID == r && sr.Default }) {
			add(slices.Collect(maps.Keys(t.users))...)
			break
		}
		for _, tree := range t.direct[r] {
			tree.Ascend(func(uid string) bool { add(uid); return true })
		}
		for _, gids := range t.groupGrants[r] {
			addGroups(gids)
		}
	}
	for _, c := range named.Deleted {
		if c.Action != rbac.ActionOrganizationDelete {
			continue
		}
		for _, byOrg := range t.direct {
			if tree := byOrg[c.TargetID]; tree != nil {
				tree.Ascend(func(uid string) bool { add(uid); return true })
			}
		}
		for _, byOrg := range t.groupGrants {
			addGroups(byOrg[c.TargetID])
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// impliedBy lists the roles that imply one of the named roles (inherit
// from it, or are it) before or after the change: named roles are those
// the delta names, after their state in after (absent: deleted).
func (t *Tenant) impliedBy(named []string, after []rbac.SnapshotRole) []string {
	if len(named) == 0 {
		return nil
	}
	roles := maps.Clone(t.roles)
	byID := rbac.IndexBy(after, func(r rbac.SnapshotRole) string { return r.ID })
	for _, id := range named {
		if r, ok := byID[id]; ok {
			roles[id] = newRole(r)
		} else {
			delete(roles, id)
		}
	}
	next := buildClosure(roles)
	var out []string
	for _, id := range named {
		out = append(append(out, t.impliers[id]...), next.impliers[id]...)
		out = append(out, id)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// copyOf is a new Tenant at revision rev holding every role and, of the
// users, only ids with the groups they are members of: enough to evaluate
// those users exactly as t does. Called under t's read lock; the copy
// shares nothing with t (New copies what it is given).
func (t *Tenant) copyOf(ids []string, rev int64) *Tenant {
	s := rbac.Snapshot{Revision: rev}
	for id, r := range t.roles {
		s.Roles = append(s.Roles, rbac.SnapshotRole{ID: id, Permissions: r.perms, Parents: r.parents, Default: r.def})
	}
	groups := make(map[string]struct{})
	for _, id := range ids {
		// A group may list a user the tenant does not have (yet): the
		// delta may bring it.
		for gid := range t.memberOf[id] {
			groups[gid] = struct{}{}
		}
		if u := t.users[id]; u != nil {
			s.Users = append(s.Users, rbac.SnapshotUser{ID: id, Active: u.active, Grants: u.grants, Email: u.email, ExternalID: u.external})
		}
	}
	for gid := range groups {
		if g := t.groups[gid]; g != nil {
			s.Groups = append(s.Groups, rbac.SnapshotGroup{ID: gid, Members: g.members, Grants: g.grants})
		}
	}
	return New(s)
}

// scopesOf lists the organizations the user has scoped grants in, its own
// or its groups', possibly repeated. Called under the read lock.
func (t *Tenant) scopesOf(id string) []string {
	u := t.users[id]
	if u == nil {
		return nil
	}
	var orgs []string
	addScoped := func(gs []rbac.Grant) {
		for _, g := range gs {
			if g.OrgID != "" {
				orgs = append(orgs, g.OrgID)
			}
		}
	}
	addScoped(u.grants)
	for gid := range t.memberOf[id] {
		if g := t.groups[gid]; g != nil {
			addScoped(g.grants)
		}
	}
	return orgs
}

// diff is what after has that before has not, and the reverse; both sorted.
func diff(before, after []string) (gained, lost []string) {
	i, j := 0, 0
	for i < len(before) || j < len(after) {
		switch {
		case j == len(after) || (i < len(before) && before[i] < after[j]):
			lost = append(lost, before[i])
			i++
		case i == len(before) || after[j] < before[i]:
			gained = append(gained, after[j])
			j++
		default:
			i++
			j++
		}
	}
	return gained, lost
}
