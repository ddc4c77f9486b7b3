package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rosterhq/roster/internal/auth"
	"github.com/rosterhq/roster/internal/rbac"
)

const tenantID = "bench"

// Roles outside the plan: the load generator's own, and the one the
// write-to-visibility probe grants (nobody holds it before).
const (
	checkerRole     = "bench-checker"
	probeRole       = "bench-probe"
	probePermission = "probe:apply"
)

// seeded is what the benchmark needs to know of the tenant it wrote.
type seeded struct {
	userIDs      []string // by plan index
	roleIDs      []string
	orgIDs       []string
	groupIDs     []string
	probeRoleID  string
	checkerToken string // a user holding only checks:read (the hot loop's caller)
	adminToken   string // the tenant admin, holding role_admin (the writer)
	revision     int64
	timings      []stageTiming
}

type stageTiming struct {
	stage string
	took  time.Duration
}

// seed writes the plan into st through the rbac.Store methods, the way the
// API would, users from `workers` goroutines at once (the store serialises
// writers; the goroutines overlap the work around each transaction).
func seed(ctx context.Context, st rbac.Store, p *plan, workers int) (*seeded, error) {
	s := &seeded{}
	op := rbac.Write{TenantID: tenantID, Actor: rbac.Actor{Operator: true}}
	stage := func(name string, fn func() error) error {
		start := time.Now()
		if err := fn(); err != nil {
			return fmt.Errorf("seed %s: %w", name, err)
		}
		s.timings = append(s.timings, stageTiming{name, time.Since(start)})
		return nil
	}

	err := stage("tenant, roles, organizations", func() error {
		secret, hash := auth.NewSecret()
		_, err := st.CreateTenant(ctx, op.Actor, rbac.TenantInput{
			ID: tenantID, Name: "Load benchmark",
			Admin:          &rbac.UserInput{Email: "admin@bench.example", FirstName: "Bench", LastName: "Admin"},
			AdminTokenHash: hash,
		})
		if err != nil {
			return err
		}
		s.adminToken = secret

		for _, r := range p.roles {
			parents := make([]string, len(r.parents))
			for i, pi := range r.parents {
				parents[i] = s.roleIDs[pi]
			}
			role, _, err := st.CreateRole(ctx, op, rbac.RoleInput{
				Name: r.name, DisplayName: "Role " + r.name, Permissions: r.perms,
				InheritsFrom: parents, Assignable: true,
			})
			if err != nil {
				return fmt.Errorf("role %s: %w", r.name, err)
			}
			s.roleIDs = append(s.roleIDs, role.ID)
		}
		probe, _, err := st.CreateRole(ctx, op, rbac.RoleInput{
			Name: probeRole, DisplayName: "Visibility probe", Permissions: []string{probePermission}, Assignable: true,
		})
		if err != nil {
			return err
		}
		s.probeRoleID = probe.ID

		for i := range p.size.Orgs {
			org, _, err := st.CreateOrganization(ctx, op, rbac.OrganizationInput{
				Name: fmt.Sprintf("Organization %02d", i), ExternalID: fmt.Sprintf("ext-%02d", i),
			})
			if err != nil {
				return err
			}
			s.orgIDs = append(s.orgIDs, org.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	err = stage(fmt.Sprintf("%d users with their direct roles", len(p.users)), func() error {
		s.userIDs = make([]string, len(p.users))
		return parallel(workers, len(p.users), func(i int) error {
			u := p.users[i]
			roles := make([]string, len(u.global))
			for j, r := range u.global {
				roles[j] = s.roleIDs[r]
			}
			created, _, err := st.CreateUser(ctx, op, rbac.UserInput{
				Email: fmt.Sprintf("user%06d@bench.example", i), FirstName: "User", LastName: fmt.Sprint(i),
				Roles: roles,
			})
			if err != nil {
				return fmt.Errorf("user %d: %w", i, err)
			}
			s.userIDs[i] = created.ID
			for _, g := range u.scoped {
				if _, _, _, err := st.Assign(ctx, op, created.ID, rbac.AssignmentInput{
					RoleID: s.roleIDs[g.role], OrganizationID: s.orgIDs[g.org],
				}); err != nil {
					return fmt.Errorf("user %d scoped role: %w", i, err)
				}
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}

	err = stage("groups, members, group roles", func() error {
		for i, g := range p.groups {
			group, _, err := st.CreateGroup(ctx, op, rbac.GroupInput{Name: fmt.Sprintf("group-%02d", i)})
			if err != nil {
				return err
			}
			s.groupIDs = append(s.groupIDs, group.ID)
			members := make([]string, len(g.members))
			for j, m := range g.members {
				members[j] = s.userIDs[m]
			}
			if _, err := st.AddGroupMembers(ctx, op, group.ID, members); err != nil {
				return fmt.Errorf("group %d members: %w", i, err)
			}
			for _, gr := range g.grants {
				in := rbac.AssignmentInput{RoleID: s.roleIDs[gr.role]}
				if gr.org >= 0 {
					in.OrganizationID = s.orgIDs[gr.org]
				}
				if _, _, _, err := st.AssignGroup(ctx, op, group.ID, in); err != nil {
					return fmt.Errorf("group %d role: %w", i, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	err = stage("checker user and token", func() error {
		role, _, err := st.CreateRole(ctx, op, rbac.RoleInput{
			Name: checkerRole, DisplayName: "Load generator", Permissions: []string{"checks:read"}, Assignable: true,
		})
		if err != nil {
			return err
		}
		user, _, err := st.CreateUser(ctx, op, rbac.UserInput{
			Email: "checker@bench.example", FirstName: "Load", LastName: "Generator", Roles: []string{role.ID},
		})
		if err != nil {
			return err
		}
		secret, hash := auth.NewSecret()
		if _, _, err := st.CreateToken(ctx, op, rbac.TokenInput{UserID: user.ID, Name: "bench", Hash: hash}); err != nil {
			return err
		}
		s.checkerToken = secret
		s.revision, err = st.TenantRevision(ctx, tenantID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// parallel runs fn(0..n-1) on `workers` goroutines and returns the first error.
func parallel(workers, n int, fn func(i int) error) error {
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		firstErr error
		once     sync.Once
		failed   atomic.Bool
	)
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { firstErr = err })
					failed.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}
