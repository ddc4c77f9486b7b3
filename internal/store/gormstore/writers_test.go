package gormstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/rbac"
	"github.com/rosterhq/roster/internal/store/gormstore"
)

// TestConcurrentWriters_noWriteLost: 32 writers each create users and assign
// them a role, all in one tenant (every write queues on the same tenant
// lock) and a few in a second tenant; afterwards every row, every audit
// event and every revision step is there, on both backends.
func TestConcurrentWriters_noWriteLost(t *testing.T) {
	backends := map[string]func(t *testing.T) *gormstore.Store{
		"sqlite": func(t *testing.T) *gormstore.Store {
			s, err := gormstore.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "roster.db"))
			require.NoError(t, err)
			require.NoError(t, s.Migrate(context.Background()))
			return s
		},
		"postgres": openPostgres,
	}
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			defer s.Close()
			testNoWriteLost(t, s)
		})
	}
}

func testNoWriteLost(t *testing.T, s *gormstore.Store) {
	ctx := context.Background()
	op := rbac.Actor{Operator: true}
	tenants := []string{"busy", "quiet"}
	roles := map[string]string{}
	for _, id := range tenants {
		_, err := s.CreateTenant(ctx, op, rbac.TenantInput{ID: id, Name: id})
		require.NoError(t, err)
		r, _, err := s.CreateRole(ctx, rbac.Write{TenantID: id, Actor: op},
			rbac.RoleInput{Name: "worker", DisplayName: "Worker", Permissions: []string{"jobs:run"}, Assignable: true})
		require.NoError(t, err)
		roles[id] = r.ID
	}
	const writers, each = 32, 8
	var wg sync.WaitGroup
	errs := make(chan error, writers*each*2)
	for i := 0; i < writers; i++ {
		tenant := tenants[0]
		if i%8 == 7 {
			tenant = tenants[1]
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := rbac.Write{TenantID: tenant, Actor: op}
			for j := 0; j < each; j++ {
				u, _, err := s.CreateUser(ctx, w, rbac.UserInput{Email: fmt.Sprintf("w%02d-%02d@x.test", i, j)})
				if err != nil {
					errs <- err
					continue
				}
				if _, _, _, err := s.Assign(ctx, w, u.ID, rbac.AssignmentInput{RoleID: roles[tenant]}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	for _, tenant := range tenants {
		users := 0
		for i := 0; i < writers; i++ {
			if (i%8 == 7) == (tenant == tenants[1]) {
				users += each
			}
		}
		got, _, err := s.ListUsers(ctx, tenant, rbac.UserFilter{RoleID: roles[tenant], Page: rbac.Page{Limit: 1000}})
		require.NoError(t, err)
		require.Len(t, got, users, "%s: users holding the role", tenant)
		// tenant.create + role.create + a user.create and an assignment.create per user.
		wantEvents := 2 + 2*users
		require.Equal(t, wantEvents, countEvents(t, s, tenant), "%s: audit events", tenant)
		tn, err := s.GetTenant(ctx, tenant)
		require.NoError(t, err)
		require.EqualValues(t, wantEvents, tn.Revision, "%s: one revision per write", tenant)
		changes, err := s.Changes(ctx, tenant, 0, 0)
		require.NoError(t, err)
		for k, c := range changes {
			require.EqualValues(t, k+1, c.Revision, "%s: revisions without gaps or repeats", tenant)
		}
	}
}

func countEvents(t *testing.T, s *gormstore.Store, tenant string) int {
	t.Helper()
	n, after := 0, ""
	for {
		evs, next, err := s.ListAuditEvents(context.Background(), tenant, rbac.AuditFilter{Page: rbac.Page{Limit: 100, After: after}})
		require.NoError(t, err)
		n += len(evs)
		if next == "" {
			return n
		}
		after = next
	}
}
