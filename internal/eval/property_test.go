package eval

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/rbac"
)

var t0 = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// gen draws random tenant data from small vocabularies, so that ids,
// patterns, scopes and window bounds collide often.
type gen struct{ rnd *rand.Rand }

var (
	resources = []string{"docs", "reports", "billing", "*"}
	actions   = []string{"read", "write", "*"}
	orgs      = []string{"o1", "o2", "o3"}
)

func (g gen) pick(xs []string) string { return xs[g.rnd.IntN(len(xs))] }
func (g gen) chance(p float64) bool   { return g.rnd.Float64() < p }

func (g gen) roleID(i int) string { return fmt.Sprintf("r%02d", i) }
func (g gen) userID(i int) string { return fmt.Sprintf("u%02d", i) }

// hour is a time on the whole hours around t0, where windows start and end.
func (g gen) hour() time.Time { return t0.Add(time.Duration(g.rnd.IntN(21)-10) * time.Hour) }

// now is a query time: sometimes exactly on a bound, sometimes between.
func (g gen) now() time.Time {
	if g.chance(0.5) {
		return g.hour()
	}
	return g.hour().Add(time.Duration(g.rnd.IntN(60)) * time.Minute)
}

func (g gen) permission() string {
	if g.chance(0.03) {
		return "malformed"
	}
	return g.pick(resources) + ":" + g.pick(actions)
}

// pattern is a role's permission: plain, owner-only, or now and then a
// third part that is not `own` (which grants nothing).
func (g gen) pattern() string {
	p := g.permission()
	switch {
	case g.chance(0.3):
		return p + ":own"
	case g.chance(0.02):
		return p + ":mine"
	}
	return p
}

// checked is a check's permission: plain, but now and then owner-only,
// which no check is granted.
func (g gen) checked() string {
	if g.chance(0.04) {
		return g.permission() + ":own"
	}
	return g.permission()
}

// held is a holds_permission query: plain or owner-only.
func (g gen) held() string {
	if g.chance(0.5) {
		return g.permission() + ":own"
	}
	return g.permission()
}

const roleCount = 14

// role i inherits only from roles with larger numbers, so parents are
// acyclic whatever gets put or deleted.
func (g gen) role(i int) rbac.SnapshotRole {
	r := rbac.SnapshotRole{ID: g.roleID(i), Default: g.chance(0.06)}
	for range g.rnd.IntN(4) {
		r.Permissions = append(r.Permissions, g.pattern())
	}
	for range g.rnd.IntN(3) {
		if j := i + 1 + g.rnd.IntN(4); j < roleCount {
			r.Parents = append(r.Parents, g.roleID(j))
		}
	}
	if g.chance(0.05) {
		r.Parents = append(r.Parents, "r-unknown")
	}
	return r
}

func (g gen) grant() rbac.Grant {
	gr := rbac.Grant{RoleID: g.roleID(g.rnd.IntN(roleCount + 2))} // some unknown
	if g.chance(0.4) {
		gr.OrgID = g.pick(orgs)
	}
	if g.chance(0.3) {
		nb := g.hour()
		gr.NotBefore = &nb
	}
	if g.chance(0.3) {
		ex := g.hour()
		gr.ExpiresAt = &ex
	}
	return gr
}

func (g gen) grants(max int) []rbac.Grant {
	var out []rbac.Grant
	for range g.rnd.IntN(max + 1) {
		out = append(out, g.grant())
	}
	return out
}

// user i has an email that only it can have, in a random case, and often an
// external id: one of its own, or the id of user i+1 (so that names of
// different kinds collide, as the store allows).
func (g gen) user(i int) rbac.SnapshotUser {
	id := g.userID(i)
	u := rbac.SnapshotUser{ID: id, Active: !g.chance(0.15), Grants: g.grants(3), Email: g.email(id, g.rnd.IntN(3))}
	switch g.rnd.IntN(3) {
	case 0:
		u.ExternalID = fmt.Sprintf("ext-%s-%d", id, g.rnd.IntN(3))
	case 1:
		u.ExternalID = g.userID(i + 1)
	}
	return u
}

// unique keeps the store's rule that no two users share an email (ignoring
// case) or an external id: u gives up a name another user holds.
func (g gen) unique(ref *reference, u rbac.SnapshotUser) rbac.SnapshotUser {
	taken := func(same func(o rbac.SnapshotUser) bool) bool {
		for id, o := range ref.users {
			if id != u.ID && same(o) {
				return true
			}
		}
		return false
	}
	if taken(func(o rbac.SnapshotUser) bool { return o.ExternalID != "" && o.ExternalID == u.ExternalID }) {
		u.ExternalID = ""
	}
	for n := 0; taken(func(o rbac.SnapshotUser) bool { return strings.EqualFold(o.Email, u.Email) }); n++ {
		u.Email = fmt.Sprintf("%s.x%d@x.test", u.ID, n)
	}
	return u
}

// email is user id's email number n, in a random case.
func (g gen) email(id string, n int) string {
	e := fmt.Sprintf("%s.%d@x.test", id, n)
	switch g.rnd.IntN(3) {
	case 0:
		return strings.ToUpper(e)
	case 1:
		return strings.ToUpper(e[:1]) + e[1:]
	}
	return e
}

// ref is a name for ResolveUser: an id, an email in any case, an external
// id, or nobody's.
func (g gen) ref(users int) string {
	i := g.rnd.IntN(users + 3)
	id := g.userID(i)
	switch g.rnd.IntN(5) {
	case 0:
		return id
	case 1:
		return g.email(id, g.rnd.IntN(3))
	case 2:
		return fmt.Sprintf("ext-%s-%d", id, g.rnd.IntN(3))
	case 3:
		return g.pick([]string{"", "nobody", "nobody@x.test"})
	}
	return g.userID(i + 1)
}

func (g gen) group(id string, users int) rbac.SnapshotGroup {
	grp := rbac.SnapshotGroup{ID: id, Grants: g.grants(2)}
	for range g.rnd.IntN(8) {
		grp.Members = append(grp.Members, g.userID(g.rnd.IntN(users+3))) // some unknown
	}
	return grp
}

func (g gen) snapshot(users int) rbac.Snapshot {
	s := rbac.Snapshot{Revision: 1}
	for i := range roleCount {
		if g.chance(0.85) {
			s.Roles = append(s.Roles, g.role(i))
		}
	}
	for i := range users {
		s.Users = append(s.Users, g.user(i))
	}
	for i := range g.rnd.IntN(6) {
		s.Groups = append(s.Groups, g.group(fmt.Sprintf("g%d", i), users))
	}
	return s
}

// update applies one random incremental update to both evaluators.
func (g gen) update(e *Tenant, ref *reference, users int) string {
	switch g.rnd.IntN(8) {
	case 0, 1:
		u := g.unique(ref, g.user(g.rnd.IntN(users+3)))
		e.PutUser(u)
		ref.putUser(u)
		return "PutUser " + u.ID
	case 7:
		// Two users' names move between them in one delta: swapped, or
		// handed over by a user deleted in it.
		ids := slices.Sorted(maps.Keys(ref.users))
		if len(ids) < 2 {
			return "nothing"
		}
		a, b := ref.users[ids[g.rnd.IntN(len(ids))]], ref.users[ids[g.rnd.IntN(len(ids))]]
		if a.ID == b.ID {
			return "nothing"
		}
		a.Email, a.ExternalID, b.Email, b.ExternalID = b.Email, b.ExternalID, a.Email, a.ExternalID
		if g.chance(0.3) {
			e.PutDeleteUsers([]rbac.SnapshotUser{a}, []string{b.ID})
			ref.deleteUser(b.ID)
			ref.putUser(a)
			return "HandOver " + b.ID + " to " + a.ID
		}
		e.PutDeleteUsers([]rbac.SnapshotUser{a, b}, nil)
		ref.putUser(a)
		ref.putUser(b)
		return "Swap " + a.ID + " " + b.ID
	case 2:
		id := g.userID(g.rnd.IntN(users + 3))
		e.DeleteUser(id)
		ref.deleteUser(id)
		return "DeleteUser " + id
	case 3:
		r := g.role(g.rnd.IntN(roleCount))
		e.PutRole(r)
		ref.putRole(r)
		return "PutRole " + r.ID
	case 4:
		id := g.roleID(g.rnd.IntN(roleCount))
		e.DeleteRole(id)
		ref.deleteRole(id)
		return "DeleteRole " + id
	case 5:
		id := fmt.Sprintf("g%d", g.rnd.IntN(7))
		if g.chance(0.3) {
			e.DeleteGroup(id)
			ref.deleteGroup(id)
			return "DeleteGroup " + id
		}
		grp := g.group(id, users)
		e.PutGroup(grp)
		ref.putGroup(grp)
		return "PutGroup " + id
	default:
		org := g.pick(orgs)
		e.DeleteOrganization(org)
		ref.deleteOrganization(org)
		return "DeleteOrganization " + org
	}
}

// compare asks both evaluators the same random questions.
func (g gen) compare(t *testing.T, e *Tenant, ref *reference, users, questions int, step string) {
	for range questions {
		now := g.now()
		org := ""
		if g.chance(0.5) {
			org = g.pick(orgs)
		}
		user := g.userID(g.rnd.IntN(users + 3))
		at := fmt.Sprintf("after %s: user=%s org=%q now=%s", step, user, org, now.Format(time.TimeOnly))
		switch g.rnd.IntN(7) {
		case 0:
			q := g.checked()
			require.Equal(t, ref.check(user, q, org, false, now), e.Check(user, q, org, now), "Check %s %s", q, at)
		case 1:
			q, owned := g.checked(), g.chance(0.5)
			require.Equal(t, ref.check(user, q, org, owned, now), e.CheckOwned(user, q, org, owned, now),
				"CheckOwned %s owned=%v %s", q, owned, at)
		case 5:
			// A check naming the resource's owner, resolved in the same view.
			q, owner := g.checked(), g.ref(users)
			if g.chance(0.5) {
				owner = g.nameOf(ref, user)
			}
			id, ok := ref.resolve(owner)
			want := ref.check(user, q, org, ok && id == user, now)
			var got Decision
			e.Read(func(v View) { got = v.CheckOwned(user, q, org, v.IsOwner(user, owner), now) })
			require.Equal(t, want, got, "CheckOwned %s owner=%q %s", q, owner, at)
		case 6:
			name := g.ref(users)
			id, ok := ref.resolve(name)
			gotID, gotOK := e.ResolveUser(name)
			require.Equal(t, [2]any{id, ok}, [2]any{gotID, gotOK}, "ResolveUser %q after %s", name, step)
		case 2:
			require.Equal(t, ref.permissions(user, org, now), e.Permissions(user, org, now), "Permissions %s", at)
		case 3:
			all := g.chance(0.5)
			require.Equal(t, ref.evaluatedRoles(user, org, all, now), e.EvaluatedRoles(user, org, all, now), "EvaluatedRoles all=%v %s", all, at)
		default:
			limit := 1 + g.rnd.IntN(4)
			if g.chance(0.5) {
				role := g.roleID(g.rnd.IntN(roleCount + 1))
				want := ref.holdersOfRole(role, org, now)
				got := walk(t, limit, func(after string) ([]string, string) { return e.HoldersOfRole(role, org, after, limit, now) })
				require.Equal(t, want, got, "HoldersOfRole %s %s", role, at)
			} else {
				q := g.held()
				want := ref.holdersOfPermission(q, org, now)
				got := walk(t, limit, func(after string) ([]string, string) { return e.HoldersOfPermission(q, org, after, limit, now) })
				require.Equal(t, want, got, "HoldersOfPermission %s %s", q, at)
			}
		}
	}
}

// nameOf is one of the names the reference knows user by, when it knows it.
func (g gen) nameOf(ref *reference, user string) string {
	u, ok := ref.users[user]
	if !ok {
		return user
	}
	switch g.rnd.IntN(3) {
	case 0:
		if u.ExternalID != "" {
			return u.ExternalID
		}
	case 1:
		return strings.ToUpper(u.Email)
	}
	return user
}

// walk reads every page and checks the paging contract on the way.
func walk(t *testing.T, limit int, page func(after string) ([]string, string)) []string {
	all := []string{}
	after := ""
	for {
		ids, next := page(after)
		require.LessOrEqual(t, len(ids), limit)
		all = append(all, ids...)
		if next == "" {
			return all
		}
		require.Len(t, ids, limit)
		require.Equal(t, ids[len(ids)-1], next)
		after = next
	}
}

func TestTenant_MatchesReference(t *testing.T) {
	for seed := range uint64(200) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			g := gen{rand.New(rand.NewPCG(seed, 0x5eed))}
			users := 5 + g.rnd.IntN(50)
			s := g.snapshot(users)
			e, ref := New(s), newReference(s)
			g.compare(t, e, ref, users, 60, "New")
			for range 40 {
				step := g.update(e, ref, users)
				g.compare(t, e, ref, users, 12, step)
			}
			// The engine's state, names included, is the reference's.
			v := e.View()
			require.Equal(t, Canonical(ref.snapshot(e.Revision()), t0), v.Export(t0), "Export")
			v.Close()
			// Time moving forward past every bound expires cached answers.
			for h := -11; h <= 11; h++ {
				now := t0.Add(time.Duration(h) * time.Hour)
				for i := range users {
					u := g.userID(i)
					require.Equal(t, ref.permissions(u, "o1", now), e.Permissions(u, "o1", now), "Permissions %s at %s", u, now)
				}
			}
		})
	}
}
