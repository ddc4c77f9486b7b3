package eval

import (
	"slices"
	"sync"

	"github.com/rosterhq/roster/internal/rbac"
)

// closure is what the role graph implies, recomputed on every role change:
// roles are few and change rarely, users are many and change often.
type closure struct {
	// ancestors: known role → itself and every known role it inherits from,
	// i.e. everything held by holding it.
	ancestors map[string][]string
	// impliers: known role → every known role whose ancestors include it
	// (itself too), i.e. the roles whose holders hold it.
	impliers map[string][]string
	// patterns: resource → action → known roles having the pattern
	// `resource:action` in their own permissions; an owner-only pattern's
	// action carries its suffix (`todo` → `update:own`).
	patterns map[string]map[string][]string
	defaults []string // known default roles, sorted
	// sets interns roleSets by their sorted role ids joined with NUL; the
	// meaning of a set changes only with the roles, so it goes with them.
	sets *sync.Map
}

func buildClosure(roles map[string]*role) closure {
	c := closure{
		ancestors: make(map[string][]string, len(roles)),
		impliers:  make(map[string][]string, len(roles)),
		patterns:  make(map[string]map[string][]string),
		sets:      new(sync.Map),
	}
	parents := func(id string) []string { return roles[id].parents }
	known := func(id string) bool { return roles[id] != nil }
	for id, r := range roles {
		// The store refuses cycles, but the walk ends them anyway.
		anc := rbac.Ancestors(parents, known, id)
		c.ancestors[id] = anc
		for _, a := range anc {
			c.impliers[a] = append(c.impliers[a], id)
		}
		if r.def {
			c.defaults = append(c.defaults, id)
		}
		for _, p := range r.perms {
			res, act, own, ok := rbac.SplitPattern(p)
			if !ok {
				continue // grants nothing
			}
			if own {
				act += rbac.OwnSuffix
			}
			byAct := c.patterns[res]
			if byAct == nil {
				byAct = make(map[string][]string)
				c.patterns[res] = byAct
			}
			if !slices.Contains(byAct[act], id) {
				byAct[act] = append(byAct[act], id)
			}
		}
	}
	for _, ids := range c.impliers {
		slices.Sort(ids)
	}
	slices.Sort(c.defaults)
	return c
}

// grantingKeys are the (resource, action) pairs of the only plain patterns
// that can grant q: each part either q's own or `*`; with `:own` appended
// they are the only owner-only ones. When q itself has a `*` part, the
// pairs repeat, which is harmless. own reports that q is owner-only
// (`resource:action:own`, which the owner-only patterns grant too); ok is
// false when q is neither shape and nothing grants it.
func grantingKeys(q string) (keys [4][2]string, own, ok bool) {
	res, act, own, ok := rbac.SplitPattern(q)
	return [4][2]string{{res, act}, {res, "*"}, {"*", act}, {"*", "*"}}, own, ok
}
