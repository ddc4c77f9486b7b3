package app_test

import (
	"reflect"
	"slices"

	"github.com/rosterhq/roster/internal/eval"
	"github.com/rosterhq/roster/internal/rbac"
)

// history checks the history the concurrent writes left: the state it
// gives at the final revision must evaluate exactly as the database's
// current rows do, for every user, in every scope a grant names. Each write
// stores its history in its own transaction, so a lost or misordered
// history row under concurrency shows here.
func (c *comparison) history(past rbac.Snapshot) {
	if past.Revision != c.snap.Revision {
		c.s.problems.add(c.where, "history", "history at revision %d read revision %d", c.snap.Revision, past.Revision)
		return
	}
	got := eval.New(past)
	pastGroups := rbac.IndexBy(past.Groups, func(g rbac.SnapshotGroup) string { return g.ID })
	for _, g := range c.snap.Groups {
		if h, ok := pastGroups[g.ID]; !ok || !slices.Equal(slices.Sorted(slices.Values(h.Members)), slices.Sorted(slices.Values(g.Members))) {
			c.s.problems.add(c.where, "history differs", "members of group %s: history %v, database %v", g.ID, h.Members, g.Members)
		}
	}
	if len(pastGroups) != len(c.snap.Groups) {
		c.s.problems.add(c.where, "history differs", "history has %d groups, the database %d", len(pastGroups), len(c.snap.Groups))
	}
	scopes := []string{""}
	for _, u := range c.snap.Users {
		for _, g := range u.Grants {
			if g.OrgID != "" && !slices.Contains(scopes, g.OrgID) {
				scopes = append(scopes, g.OrgID)
			}
		}
	}
	if len(past.Users) != len(c.snap.Users) {
		c.s.problems.add(c.where, "history", "history has %d users, the database %d", len(past.Users), len(c.snap.Users))
	}
	wrong := 0
	for _, u := range c.snap.Users {
		for _, org := range scopes {
			want, have := c.fresh.Permissions(u.ID, org, c.now), got.Permissions(u.ID, org, c.now)
			wantRoles, haveRoles := c.fresh.EvaluatedRoles(u.ID, org, org == "", c.now), got.EvaluatedRoles(u.ID, org, org == "", c.now)
			if !slices.Equal(want, have) || !reflect.DeepEqual(wantRoles, haveRoles) {
				if wrong++; wrong <= 5 {
					c.s.problems.add(c.where, "history differs", "user %s in %q: history %v, database %v", u.ID, org, have, want)
				}
			}
		}
	}
}
