package eval

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/rbac"
)

// whatIf draws a delta of several random changes from the snapshot's
// revision, as a dry run's store read would carry it: it applies them one
// by one to a tenant of its own and then reads the state at their end of
// what they name.
func (g gen) whatIf(s rbac.Snapshot, users int) rbac.Delta {
	after := New(s)
	ref := newReference(s)
	var changes []rbac.Change
	recorded.Store(after, &changes)
	defer recorded.Delete(after)
	for range 1 + g.rnd.IntN(5) {
		g.update(after, ref, users)
	}
	d := rbac.Delta{From: s.Revision, To: s.Revision + int64(len(changes))}
	for i := range changes {
		changes[i].Revision = d.From + int64(i) + 1
	}
	d.Changes = changes
	named := rbac.Name(changes)
	for _, id := range named.Users {
		if u := after.users[id]; u != nil {
			d.Users = append(d.Users, rbac.SnapshotUser{ID: id, Active: u.active, Grants: u.grants, Email: u.email, ExternalID: u.external})
		}
	}
	for _, id := range named.Roles {
		if r := after.roles[id]; r != nil {
			d.Roles = append(d.Roles, rbac.SnapshotRole{ID: id, Permissions: r.perms, Parents: r.parents, Default: r.def})
		}
	}
	for _, id := range named.Groups {
		if gr := after.groups[id]; gr != nil {
			d.Groups = append(d.Groups, rbac.SnapshotGroup{ID: id, Members: gr.members, Grants: gr.grants})
		}
	}
	return d
}

// expectedImpact is the oracle: every user of before or after, every
// scope either has, the difference between the two evaluations.
func expectedImpact(before, after *Tenant) []UserImpact {
	now := t0
	ids := slices.Collect(maps.Keys(before.users))
	ids = append(ids, slices.Collect(maps.Keys(after.users))...)
	slices.Sort(ids)
	var out []UserImpact
	for _, id := range slices.Compact(ids) {
		scopes := append(before.scopesOf(id), after.scopesOf(id)...)
		slices.Sort(scopes)
		for _, org := range append([]string{""}, slices.Compact(scopes)...) {
			gained, lost := diff(before.Permissions(id, org, now), after.Permissions(id, org, now))
			if len(gained) > 0 || len(lost) > 0 {
				out = append(out, UserImpact{UserID: id, OrgID: org, Gained: gained, Lost: lost})
			}
		}
	}
	return out
}

// Impact equals the difference between evaluating the tenant before and
// after the changes, whatever they are, for every user of the tenant —
// not only those Impact chose to look at — and leaves the tenant as it was.
func TestImpact_MatchesBeforeAndAfter(t *testing.T) {
	for seed := range uint64(300) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			g := gen{rand.New(rand.NewPCG(seed, 0x1f))}
			users := 5 + g.rnd.IntN(40)
			s := g.snapshot(users)
			live := New(s)
			d := g.whatIf(s, users)
			got, err := live.Impact(d, t0)
			require.NoError(t, err)
			// The whole tenant moved by the same delta, as the live engine
			// would be once the writes committed.
			after := New(s)
			require.NoError(t, after.Apply(d))
			require.Equal(t, expectedImpact(New(s), after), got, "changes: %+v", d.Changes)
			v := live.View()
			require.Equal(t, Canonical(s, t0), v.Export(t0), "the live tenant is unchanged")
			v.Close()
		})
	}
}

func TestImpact_refusesAnotherRevision(t *testing.T) {
	live := New(rbac.Snapshot{Revision: 5})
	_, err := live.Impact(rbac.Delta{From: 4, To: 5, Changes: []rbac.Change{{Revision: 5, Action: rbac.ActionUserDelete, Target: rbac.TargetUser, TargetID: "u"}}}, t0)
	require.Error(t, err)
	got, err := live.Impact(rbac.Delta{From: 5, To: 5}, t0)
	require.NoError(t, err)
	require.Empty(t, got, "no changes, no impact")
}

// BenchmarkImpact_rolePermissionOff: the figure on the engine
// alone — one permission taken off a role that 10,000 of 50,000 users hold.
func BenchmarkImpact_rolePermissionOff(b *testing.B) {
	s := rbac.Snapshot{Revision: 1, Roles: []rbac.SnapshotRole{
		{ID: "held", Permissions: []string{"docs:read", "docs:write"}},
		{ID: "other", Permissions: []string{"wiki:read"}},
		{ID: "member", Default: true},
	}}
	for i := range 50000 {
		role := "other"
		if i%5 == 0 {
			role = "held"
		}
		s.Users = append(s.Users, rbac.SnapshotUser{ID: fmt.Sprintf("u%06d", i), Active: true, Grants: []rbac.Grant{{RoleID: role}}})
	}
	live := New(s)
	d := rbac.Delta{From: 1, To: 2, Changes: []rbac.Change{{Revision: 2, Action: rbac.ActionRoleUpdate, Target: rbac.TargetRole, TargetID: "held"}},
		Roles: []rbac.SnapshotRole{{ID: "held", Permissions: []string{"docs:read"}}}}
	b.ResetTimer()
	for b.Loop() {
		got, err := live.Impact(d, t0)
		if err != nil || len(got) != 10000 {
			b.Fatalf("%d entries, %v", len(got), err)
		}
	}
}
