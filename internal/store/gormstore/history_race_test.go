package gormstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/eval"
	"github.com/rosterhq/roster/internal/rbac"
	"github.com/rosterhq/roster/internal/store/gormstore"
)

// TestHistory_concurrentReadersAndWriters: writers change roles and grants
// while readers evaluate users at random past revisions through the
// one-user path (which keeps roles per revision in a shared cache) and
// compare each answer with the whole-tenant path read afresh. Run under
// -race: the cache is shared by every reader.
func TestHistory_concurrentReadersAndWriters(t *testing.T) {
	ctx := context.Background()
	s, err := gormstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "roster.db"))
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, s.Migrate(ctx))
	op := rbac.Actor{Operator: true}
	_, err = s.CreateTenant(ctx, op, rbac.TenantInput{ID: "acme", Name: "Acme"})
	require.NoError(t, err)
	w := rbac.Write{TenantID: "acme", Actor: op}
	var roles, users []string
	for i := range 6 {
		r, _, err := s.CreateRole(ctx, w, rbac.RoleInput{Name: fmt.Sprintf("r%d", i), DisplayName: "R",
			Permissions: []string{fmt.Sprintf("p%d:x", i)}, Assignable: true})
		require.NoError(t, err)
		roles = append(roles, r.ID)
	}
	for i := range 20 {
		u, _, err := s.CreateUser(ctx, w, rbac.UserInput{Email: fmt.Sprintf("u%d@acme.test", i)})
		require.NoError(t, err)
		users = append(users, u.ID)
	}
	first, err := s.TenantRevision(ctx, "acme")
	require.NoError(t, err)

	var stop atomic.Bool
	var wg sync.WaitGroup
	for i := range 4 { // writers
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), 1))
			for !stop.Load() {
				var err error
				switch rng.IntN(3) {
				case 0:
					p := []string{fmt.Sprintf("p%d:x", rng.IntN(9))}
					_, _, err = s.UpdateRole(ctx, w, roles[rng.IntN(len(roles))], rbac.RolePatch{Permissions: &p})
				case 1:
					_, _, _, err = s.Assign(ctx, w, users[rng.IntN(len(users))], rbac.AssignmentInput{RoleID: roles[rng.IntN(len(roles))]})
				default:
					_, err = s.Unassign(ctx, w, users[rng.IntN(len(users))], roles[rng.IntN(len(roles))], "")
				}
				if err != nil && !rbac.IsCode(err, rbac.ENotFound) {
					t.Error(err)
					return
				}
			}
		})
	}
	var compared atomic.Int64
	for i := range 4 { // readers
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), 2))
			for !stop.Load() {
				head, err := s.TenantRevision(ctx, "acme")
				if err != nil {
					t.Error(err)
					return
				}
				rev := first + rng.Int64N(head-first+1)
				whole, err := s.SnapshotAt(ctx, "acme", rev)
				if err != nil {
					t.Error(err)
					return
				}
				ref, now := eval.New(whole), time.Now()
				for range 5 {
					u := users[rng.IntN(len(users))]
					one, err := s.UserSnapshotAt(ctx, "acme", u, rev)
					if err != nil {
						t.Error(err)
						return
					}
					if got, want := eval.New(one).Permissions(u, "", now), ref.Permissions(u, "", now); !slices.Equal(got, want) {
						t.Errorf("user %s at revision %d: one-user path %v, whole tenant %v", u, rev, got, want)
						return
					}
					compared.Add(1)
				}
			}
		})
	}
	time.Sleep(3 * time.Second)
	stop.Store(true)
	wg.Wait()
	require.Greater(t, compared.Load(), int64(100))
}
