package eval

import (
	"slices"
	"strings"
	"time"

	"github.com/rosterhq/roster/internal/rbac"
)

// Holdings lists the permission patterns the user holds globally at now,
// each with the end of the grant it holds it through (the latest when
// several grant it; nil when one has no end): what the grant policy needs
// to know of a caller (rbac.Caller). Nil for an unknown or inactive user.
func (t *Tenant) Holdings(userID string, now time.Time) []rbac.Holding {
	t.mu.RLock()
	defer t.mu.RUnlock()
	u := t.users[userID]
	if u == nil || !u.active {
		return nil
	}
	ends := map[string]*time.Time{}
	forever := map[string]bool{}
	hold := func(roleID string, until *time.Time) {
		for _, id := range t.ancestors[roleID] {
			for _, p := range t.roles[id].perms {
				switch {
				case forever[p]:
				case until == nil:
					forever[p] = true
					delete(ends, p)
				case ends[p] == nil || until.After(*ends[p]):
					ends[p] = until
				}
			}
		}
	}
	for _, g := range u.grants {
		if g.OrgID == "" && isActive(g, now) {
			hold(g.RoleID, g.ExpiresAt)
		}
	}
	for gid := range t.memberOf[u.id] {
		for _, g := range t.groups[gid].grants {
			if g.OrgID == "" && isActive(g, now) {
				hold(g.RoleID, g.ExpiresAt)
			}
		}
	}
	for _, d := range t.defaults {
		hold(d, nil)
	}
	out := make([]rbac.Holding, 0, len(ends)+len(forever))
	for p := range forever {
		out = append(out, rbac.Holding{Pattern: p})
	}
	for p, until := range ends {
		out = append(out, rbac.Holding{Pattern: p, Until: until})
	}
	slices.SortFunc(out, func(a, b rbac.Holding) int { return strings.Compare(a.Pattern, b.Pattern) })
	return out
}
