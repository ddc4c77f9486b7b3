package eval

import (
	"sort"
	"strings"
	"time"

	"github.com/rosterhq/roster/internal/rbac"
)

// reference is a naive evaluator that shares no code with the engine: it
// keeps the raw snapshot data and recomputes everything from it on every
// question, with its own pattern matcher.
type reference struct {
	roles  map[string]rbac.SnapshotRole
	users  map[string]rbac.SnapshotUser
	groups map[string]rbac.SnapshotGroup
}

func newReference(s rbac.Snapshot) *reference {
	r := &reference{roles: map[string]rbac.SnapshotRole{}, users: map[string]rbac.SnapshotUser{}, groups: map[string]rbac.SnapshotGroup{}}
	for _, x := range s.Roles {
		r.roles[x.ID] = x
	}
	for _, x := range s.Users {
		r.users[x.ID] = x
	}
	for _, x := range s.Groups {
		r.groups[x.ID] = x
	}
	return r
}

func (r *reference) putUser(u rbac.SnapshotUser)   { r.users[u.ID] = u }
func (r *reference) putRole(x rbac.SnapshotRole)   { r.roles[x.ID] = x }
func (r *reference) putGroup(g rbac.SnapshotGroup) { r.groups[g.ID] = g }
func (r *reference) deleteGroup(id string)         { delete(r.groups, id) }

func (r *reference) deleteUser(id string) {
	delete(r.users, id)
	for gid, g := range r.groups {
		var kept []string
		for _, m := range g.Members {
			if m != id {
				kept = append(kept, m)
			}
		}
		g.Members = kept
		r.groups[gid] = g
	}
}

func (r *reference) dropGrants(drop func(rbac.Grant) bool) {
	keep := func(gs []rbac.Grant) []rbac.Grant {
		var out []rbac.Grant
		for _, g := range gs {
			if !drop(g) {
				out = append(out, g)
			}
		}
		return out
	}
	for id, u := range r.users {
		u.Grants = keep(u.Grants)
		r.users[id] = u
	}
	for id, g := range r.groups {
		g.Grants = keep(g.Grants)
		r.groups[id] = g
	}
}

func (r *reference) deleteRole(id string) {
	delete(r.roles, id)
	r.dropGrants(func(g rbac.Grant) bool { return g.RoleID == id })
	for rid, x := range r.roles {
		var kept []string
		for _, p := range x.Parents {
			if p != id {
				kept = append(kept, p)
			}
		}
		x.Parents = kept
		r.roles[rid] = x
	}
}

func (r *reference) deleteOrganization(org string) {
	r.dropGrants(func(g rbac.Grant) bool { return g.OrgID == org })
}

func refActive(g rbac.Grant, now time.Time) bool {
	if g.NotBefore != nil && g.NotBefore.After(now) {
		return false
	}
	if g.ExpiresAt != nil && !g.ExpiresAt.After(now) {
		return false
	}
	return true
}

// refShape reads a permission or pattern: its two parts, and whether it is
// owner-only (a third part `own`); ok is false for anything else.
func refShape(s string) (parts []string, own, ok bool) {
	parts = strings.Split(s, ":")
	switch {
	case len(parts) == 2:
		return parts, false, true
	case len(parts) == 3 && parts[2] == "own":
		return parts[:2], true, true
	}
	return nil, false, false
}

// refGrants is the product's pattern rule, written again: pattern grants
// the plain permission q when each of its parts is `*` or q's part, and it
// is plain, or owner-only and the resource is the user's (owned).
func refGrants(pattern, q string, owned bool) bool {
	p, pOwn, ok1 := refShape(pattern)
	w, qOwn, ok2 := refShape(q)
	if !ok1 || !ok2 || qOwn || pOwn && !owned {
		return false
	}
	for i := range 2 {
		if p[i] != "*" && p[i] != w[i] {
			return false
		}
	}
	return true
}

// resolve is the user ref names: by external_user_id, else by id, else by
// email ignoring case (lowercased, as the store keeps emails unique).
func (r *reference) resolve(ref string) (string, bool) {
	if ref == "" {
		return "", false
	}
	for id, u := range r.users {
		if u.ExternalID == ref {
			return id, true
		}
	}
	if _, ok := r.users[ref]; ok {
		return ref, true
	}
	for id, u := range r.users {
		if u.Email != "" && strings.ToLower(u.Email) == strings.ToLower(ref) {
			return id, true
		}
	}
	return "", false
}

// snapshot is the reference's state as a snapshot.
func (r *reference) snapshot(rev int64) rbac.Snapshot {
	s := rbac.Snapshot{Revision: rev}
	for _, x := range r.roles {
		s.Roles = append(s.Roles, x)
	}
	for _, x := range r.users {
		s.Users = append(s.Users, x)
	}
	for _, x := range r.groups {
		s.Groups = append(s.Groups, x)
	}
	return s
}

// roots maps each known role a user holds in scope without inheritance to
// its sources.
func (r *reference) roots(userID, scope string, now time.Time) map[string][]Source {
	out := map[string][]Source{}
	u, ok := r.users[userID]
	if !ok || !u.Active {
		return out
	}
	add := func(roleID string, s Source) {
		if _, known := r.roles[roleID]; known {
			out[roleID] = append(out[roleID], s)
		}
	}
	for _, g := range u.Grants {
		if g.OrgID == scope && refActive(g, now) {
			add(g.RoleID, Source{Type: "direct"})
		}
	}
	for gid, grp := range r.groups {
		member := false
		for _, m := range grp.Members {
			member = member || m == userID
		}
		for _, g := range grp.Grants {
			if member && g.OrgID == scope && refActive(g, now) {
				add(g.RoleID, Source{Type: "group", GroupID: gid})
			}
		}
	}
	if scope == "" {
		for id, x := range r.roles {
			if x.Default {
				add(id, Source{Type: "default"})
			}
		}
	}
	return out
}

// held is every role held in scope, by fixpoint over parents.
func (r *reference) held(userID, scope string, now time.Time) map[string]bool {
	h := map[string]bool{}
	for id := range r.roots(userID, scope, now) {
		h[id] = true
	}
	for changed := true; changed; {
		changed = false
		for id := range h {
			for _, p := range r.roles[id].Parents {
				if _, known := r.roles[p]; known && !h[p] {
					h[p] = true
					changed = true
				}
			}
		}
	}
	return h
}

func (r *reference) considered(userID, org string, now time.Time) []string {
	h := r.held(userID, "", now)
	if org != "" {
		for id := range r.held(userID, org, now) {
			h[id] = true
		}
	}
	var ids []string
	for id := range h {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// check answers for a resource the user owns when owned.
func (r *reference) check(userID, q, org string, owned bool, now time.Time) Decision {
	for _, id := range r.considered(userID, org, now) {
		perms := append([]string(nil), r.roles[id].Permissions...)
		sort.Strings(perms)
		for _, p := range perms {
			if refGrants(p, q, owned) {
				return Decision{Allowed: true, RoleID: id, Pattern: p}
			}
		}
	}
	return Decision{}
}

func (r *reference) permissions(userID, org string, now time.Time) []string {
	set := map[string]bool{}
	for _, id := range r.considered(userID, org, now) {
		for _, p := range r.roles[id].Permissions {
			set[p] = true
		}
	}
	out := []string{}
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func (r *reference) evaluatedRoles(userID, org string, allScopes bool, now time.Time) []EvaluatedRole {
	scopes := map[string]bool{"": true, org: true}
	if allScopes {
		for _, g := range r.users[userID].Grants {
			scopes[g.OrgID] = true
		}
		for _, grp := range r.groups {
			for _, g := range grp.Grants {
				scopes[g.OrgID] = true
			}
		}
	}
	out := []EvaluatedRole{}
	for scope := range scopes {
		roots := r.roots(userID, scope, now)
		held := r.held(userID, scope, now)
		for id := range held {
			sources := append([]Source(nil), roots[id]...)
			for x := range held {
				for _, p := range r.roles[x].Parents {
					if p == id {
						sources = append(sources, Source{Type: "inherited", ViaRoleID: x})
						break
					}
				}
			}
			sort.Slice(sources, func(i, j int) bool {
				a, b := sources[i], sources[j]
				if a.Type != b.Type {
					return a.Type < b.Type
				}
				if a.GroupID != b.GroupID {
					return a.GroupID < b.GroupID
				}
				return a.ViaRoleID < b.ViaRoleID
			})
			var distinct []Source
			for i, s := range sources {
				if i == 0 || s != sources[i-1] {
					distinct = append(distinct, s)
				}
			}
			out = append(out, EvaluatedRole{RoleID: id, OrgID: scope, Sources: distinct})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].RoleID != out[j].RoleID {
			return out[i].RoleID < out[j].RoleID
		}
		return out[i].OrgID < out[j].OrgID
	})
	return out
}

func (r *reference) holders(pred func(userID string) bool) []string {
	out := []string{}
	for id := range r.users {
		if pred(id) {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

func (r *reference) holdersOfRole(roleID, org string, now time.Time) []string {
	return r.holders(func(u string) bool {
		for _, id := range r.considered(u, org, now) {
			if id == roleID {
				return true
			}
		}
		return false
	})
}

// holdersOfPermission: the holders of `x:y:own` are allowed x:y on what
// they own; those of plain `x:y` are allowed it on anything.
func (r *reference) holdersOfPermission(q, org string, now time.Time) []string {
	parts, own, ok := refShape(q)
	if !ok {
		return []string{}
	}
	plain := parts[0] + ":" + parts[1]
	return r.holders(func(u string) bool { return r.check(u, plain, org, own, now).Allowed })
}
