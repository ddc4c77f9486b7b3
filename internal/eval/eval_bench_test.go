package eval

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/rosterhq/roster/internal/rbac"
)

// The benchmark tenant follows the dataset: 200 roles in
// inheritance chains of depth 5, a default role, 1–3 direct roles per user
// (a third of them scoped to one of 20 organizations), 50 groups of 20.
const (
	benchRoles  = 200
	benchOrgs   = 20
	benchGroups = 50
)

var (
	benchMu      sync.Mutex
	benchTenants = map[benchKey]*Tenant{}
)

// benchKey names a benchmark tenant: its size, and whether its roles hold
// owner-only patterns too.
type benchKey struct {
	n   int
	own bool
}

func benchUserID(i int) string { return fmt.Sprintf("u%07d", i) }

// benchTenant builds (once per size) a tenant of n users.
func benchTenant(b *testing.B, n int) *Tenant { return benchTenantOf(b, benchKey{n: n}) }

// benchTenantOf builds (once per key) a tenant of k.n users; with k.own,
// every other role also holds an owner-only pattern, and every seventh an
// owner-only wildcard.
func benchTenantOf(b *testing.B, k benchKey) *Tenant {
	b.Helper()
	n := k.n
	benchMu.Lock()
	defer benchMu.Unlock()
	if e := benchTenants[k]; e != nil {
		return e
	}
	rnd := rand.New(rand.NewPCG(42, uint64(n)))
	s := rbac.Snapshot{Revision: 1, Roles: make([]rbac.SnapshotRole, benchRoles), Users: make([]rbac.SnapshotUser, n)}
	for i := range benchRoles {
		r := rbac.SnapshotRole{ID: fmt.Sprintf("r%03d", i), Default: i == 0}
		for j := range 5 {
			r.Permissions = append(r.Permissions, fmt.Sprintf("res%02d:act%d", (i*5+j)%60, j))
		}
		if k.own && i%2 == 0 {
			r.Permissions = append(r.Permissions, fmt.Sprintf("res%02d:act%d:own", (i*3)%60, i%5))
		}
		if k.own && i%7 == 0 {
			r.Permissions = append(r.Permissions, fmt.Sprintf("res%02d:*:own", i%60))
		}
		if i%5 != 4 { // chains r000→r001→…→r004, r005→…
			r.Parents = []string{fmt.Sprintf("r%03d", i+1)}
		}
		s.Roles[i] = r
	}
	// Users share a few grant lists: New copies them, and the snapshot of a
	// million users stays small.
	pool := make([][]rbac.Grant, 1000)
	for i := range pool {
		for range 1 + rnd.IntN(3) {
			g := rbac.Grant{RoleID: fmt.Sprintf("r%03d", 1+rnd.IntN(benchRoles-1))}
			if rnd.IntN(3) == 0 {
				g.OrgID = fmt.Sprintf("o%02d", rnd.IntN(benchOrgs))
			}
			pool[i] = append(pool[i], g)
		}
	}
	for i := range n {
		s.Users[i] = rbac.SnapshotUser{ID: benchUserID(i), Active: true, Grants: pool[rnd.IntN(len(pool))]}
	}
	for i := range benchGroups {
		g := rbac.SnapshotGroup{ID: fmt.Sprintf("g%02d", i), Grants: []rbac.Grant{{RoleID: fmt.Sprintf("r%03d", rnd.IntN(benchRoles))}}}
		for range 20 {
			g.Members = append(g.Members, benchUserID(rnd.IntN(n)))
		}
		s.Groups = append(s.Groups, g)
	}
	e := New(s)
	benchTenants[k] = e
	return e
}

// sample is a fixed set of users queried in turn.
func sample(n int) []string {
	ids := make([]string, 1000)
	rnd := rand.New(rand.NewPCG(7, 7))
	for i := range ids {
		ids[i] = benchUserID(rnd.IntN(n))
	}
	return ids
}

func BenchmarkCheck(b *testing.B) {
	e := benchTenant(b, 10_000)
	users := sample(10_000)
	perms := []string{"res10:act0", "res33:act2", "nothing:here", "res01:act4"}
	for _, u := range users {
		e.Check(u, perms[0], "", t0) // warm
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		e.Check(users[i%len(users)], perms[i%len(perms)], "", t0)
	}
}

// BenchmarkCheckOwned is BenchmarkCheck on resources the user owns: four
// more lookups per check, owner-only patterns granting some.
func BenchmarkCheckOwned(b *testing.B) {
	e := benchTenantOf(b, benchKey{n: 10_000, own: true})
	users := sample(10_000)
	perms := []string{"res10:act0", "res33:act2", "nothing:here", "res01:act4", "res42:act2", "res21:act3"}
	for _, u := range users {
		e.CheckOwned(u, perms[0], "", true, t0) // warm
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		e.CheckOwned(users[i%len(users)], perms[i%len(perms)], "", true, t0)
	}
}

func BenchmarkCheckParallel(b *testing.B) {
	e := benchTenant(b, 10_000)
	users := sample(10_000)
	for _, u := range users {
		e.Check(u, "res10:act0", "o03", t0)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			e.Check(users[i%len(users)], "res10:act0", "o03", t0)
		}
	})
}

func BenchmarkPermissions(b *testing.B) {
	for _, n := range []int{1_000, 1_000_000} {
		e := benchTenant(b, n)
		users := sample(n)
		b.Run(fmt.Sprint("users=", n), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				e.Permissions(users[i%len(users)], "o01", t0)
			}
		})
		// Uncached: what the first query after a change costs.
		b.Run(fmt.Sprint("uncached/users=", n), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				e.mu.RLock()
				e.evaluate(e.users[users[i%len(users)]], "o01", t0)
				e.mu.RUnlock()
			}
		})
	}
}

func BenchmarkPutUser(b *testing.B) {
	e := benchTenant(b, 10_000)
	users := sample(10_000)
	grants := [][]rbac.Grant{{{RoleID: "r010"}}, {{RoleID: "r020", OrgID: "o01"}, {RoleID: "r031"}}}
	for i := 0; b.Loop(); i++ {
		u := users[i%len(users)]
		e.PutUser(rbac.SnapshotUser{ID: u, Active: true, Grants: grants[i%2]})
		e.Check(u, "res10:act0", "", t0) // the change is visible to the next check
	}
}

// A page costs the same at 10,000 and 1,000,000 users.
func BenchmarkHolders(b *testing.B) {
	for _, n := range []int{10_000, 1_000_000} {
		e := benchTenant(b, n)
		afters := sample(n)
		page := func(name string, query func(after string) ([]string, string)) {
			b.Run(fmt.Sprintf("%s/users=%d", name, n), func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					query(afters[i%len(afters)])
				}
			})
		}
		page("role", func(after string) ([]string, string) { return e.HoldersOfRole("r004", "o02", after, 20, t0) })
		page("permission", func(after string) ([]string, string) { return e.HoldersOfPermission("res07:act2", "", after, 20, t0) })
		page("default", func(after string) ([]string, string) { return e.HoldersOfRole("r000", "", after, 20, t0) })
	}
}

func BenchmarkNew(b *testing.B) {
	benchTenant(b, 10_000)
	for b.Loop() {
		benchMu.Lock()
		delete(benchTenants, benchKey{n: 10_000})
		benchMu.Unlock()
		benchTenant(b, 10_000)
	}
}
