package eval

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// TestTenant_ConcurrentReadersAndWriter is for -race: readers of every kind
// run while a writer applies every kind of update.
func TestTenant_ConcurrentReadersAndWriter(t *testing.T) {
	const users = 40
	g := gen{rand.New(rand.NewPCG(1, 2))}
	s := g.snapshot(users)
	e, ref := New(s), newReference(s)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for r := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(r), 3))
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				user := fmt.Sprintf("u%02d", rnd.IntN(users))
				now := t0.Add(time.Duration(rnd.IntN(20)-10) * time.Hour)
				switch i % 6 {
				case 0:
					e.Check(user, "docs:read", "o1", now)
				case 5:
					e.ResolveUser(fmt.Sprintf("%s.%d@X.test", user, rnd.IntN(3)))
					e.Read(func(v View) { v.CheckOwned(user, "docs:read", "", v.IsOwner(user, "ext-"+user+"-1"), now) })
				case 1:
					e.Permissions(user, "", now)
				case 2:
					e.EvaluatedRoles(user, "", true, now)
				case 3:
					for after := ""; ; {
						_, next := e.HoldersOfPermission("docs:*", "o2", after, 3, now)
						if next == "" {
							break
						}
						after = next
					}
				default:
					e.HoldersOfRole(fmt.Sprintf("r%02d", rnd.IntN(roleCount)), "", "", 5, now)
					e.HasUser(user)
				}
			}
		}()
	}
	for range 400 {
		g.update(e, ref, users)
		e.Revision()
	}
	close(stop)
	wg.Wait()
}
