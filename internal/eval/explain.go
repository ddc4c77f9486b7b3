package eval

import (
	"cmp"
	"slices"
	"time"
)

// Source is one reason a role is held.
type Source struct {
	Type      string // "direct", "group", "inherited" or "default"
	GroupID   string // for "group"
	ViaRoleID string // for "inherited": the held role that inherits it directly
}

// EvaluatedRole is a role held in a scope, with every reason it is held.
type EvaluatedRole struct {
	RoleID  string
	OrgID   string // "" = global
	Sources []Source
}

// The source types.
const (
	SourceDirect    = "direct"
	SourceGroup     = "group"
	SourceInherited = "inherited"
	SourceDefault   = "default"
)

// EvaluatedRoles lists one item per (role, scope) the user holds, sorted by
// (RoleID, OrgID): every scope when allScopes, else global plus org (when
// org != ""). It is the explanation path, computed afresh each time.
func (t *Tenant) EvaluatedRoles(userID, org string, allScopes bool, now time.Time) []EvaluatedRole {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.evaluatedRoles(userID, org, allScopes, now)
}

func (t *Tenant) evaluatedRoles(userID, org string, allScopes bool, now time.Time) []EvaluatedRole {
	u := t.users[userID]
	if u == nil || !u.active {
		return []EvaluatedRole{}
	}
	// scope → role → the sources that do not depend on other held roles.
	base := make(map[string]map[string][]Source)
	add := func(scope, roleID string, s Source) {
		if _, known := t.roles[roleID]; !known || !allScopes && scope != "" && scope != org {
			return
		}
		if base[scope] == nil {
			base[scope] = make(map[string][]Source)
		}
		base[scope][roleID] = append(base[scope][roleID], s)
	}
	for _, g := range u.grants {
		if isActive(g, now) {
			add(g.OrgID, g.RoleID, Source{Type: SourceDirect})
		}
	}
	for gid := range t.memberOf[u.id] {
		for _, g := range t.groups[gid].grants {
			if isActive(g, now) {
				add(g.OrgID, g.RoleID, Source{Type: SourceGroup, GroupID: gid})
			}
		}
	}
	for _, d := range t.defaults {
		add("", d, Source{Type: SourceDefault})
	}

	var out []EvaluatedRole
	for scope, roots := range base {
		sources := make(map[string][]Source, len(roots))
		for id, ss := range roots {
			for _, a := range t.ancestors[id] {
				if _, ok := sources[a]; !ok {
					sources[a] = nil
				}
			}
			sources[id] = append(sources[id], ss...)
		}
		// Every held role explains each of its known parents. Collect the
		// held set first: the loop below adds to sources' values only.
		for x := range sources {
			for _, p := range t.roles[x].parents {
				if _, known := t.roles[p]; known {
					sources[p] = append(sources[p], Source{Type: SourceInherited, ViaRoleID: x})
				}
			}
		}
		for id, ss := range sources {
			slices.SortFunc(ss, compareSources)
			out = append(out, EvaluatedRole{RoleID: id, OrgID: scope, Sources: slices.Compact(ss)})
		}
	}
	slices.SortFunc(out, func(a, b EvaluatedRole) int {
		return cmp.Or(cmp.Compare(a.RoleID, b.RoleID), cmp.Compare(a.OrgID, b.OrgID))
	})
	if out == nil {
		return []EvaluatedRole{}
	}
	return out
}

func compareSources(a, b Source) int {
	return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.GroupID, b.GroupID), cmp.Compare(a.ViaRoleID, b.ViaRoleID))
}
