package live_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/auth"
	"github.com/rosterhq/roster/internal/live"
	"github.com/rosterhq/roster/internal/rbac"
	"github.com/rosterhq/roster/internal/store/gormstore"
)

var (
	ctx      = context.Background()
	operator = rbac.Actor{Operator: true}
	w        = rbac.Write{TenantID: "acme", Actor: operator}
)

func newStore(t *testing.T) *gormstore.Store {
	t.Helper()
	s, err := gormstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "roster.db"))
	require.NoError(t, err)
	require.NoError(t, s.Migrate(ctx))
	t.Cleanup(func() { _ = s.Close() })
	_, err = s.CreateTenant(ctx, operator, rbac.TenantInput{ID: "acme", Name: "Acme"})
	require.NoError(t, err)
	_, _, err = s.CreateRole(ctx, w, rbac.RoleInput{Name: "editor", DisplayName: "Editor", Permissions: []string{"docs:write"}, Assignable: true})
	require.NoError(t, err)
	return s
}

func allowed(t *testing.T, e *live.Engines, minRev int64, user, perm string) bool {
	t.Helper()
	eng, err := e.Get(ctx, "acme", minRev)
	require.NoError(t, err)
	return eng.Check(user, perm, "", time.Now()).Allowed
}

func TestEngines_followWrites(t *testing.T) {
	s := newStore(t)
	e := live.New(s, nil)
	u, _, err := s.CreateUser(ctx, w, rbac.UserInput{Email: "u@acme.test"})
	require.NoError(t, err)
	require.False(t, allowed(t, e, 0, u.ID, "docs:write"))

	// A write this process made and reported is seen by the next Get.
	_, _, rev, err := s.Assign(ctx, w, u.ID, rbac.AssignmentInput{RoleID: "role_editor"})
	require.NoError(t, err)
	e.Notify("acme", rev)
	require.True(t, allowed(t, e, 0, u.ID, "docs:write"))

	// A write it did not hear of (another replica's) is seen with min_revision.
	rev, err = s.Unassign(ctx, w, u.ID, "role_editor", "")
	require.NoError(t, err)
	require.True(t, allowed(t, e, 0, u.ID, "docs:write"), "unreported writes are not seen without min_revision")
	require.False(t, allowed(t, e, rev, u.ID, "docs:write"), "min_revision catches up from the database")

	_, err = e.Get(ctx, "acme", rev+1)
	require.Equal(t, rbac.EInvalid, rbac.ErrorCode(err), "a revision the tenant has not reached is 400")
	require.Equal(t, "min_revision", err.(*rbac.Error).Fields[0].Field)

	_, err = e.Get(ctx, "nowhere", 0)
	require.Equal(t, rbac.ENotFound, rbac.ErrorCode(err))
}

func TestEngines_replayEveryKindOfChange(t *testing.T) {
	s := newStore(t)
	e := live.New(s, nil)
	u, _, err := s.CreateUser(ctx, w, rbac.UserInput{Email: "u@acme.test"})
	require.NoError(t, err)
	_, err = e.Get(ctx, "acme", 0) // loaded before everything below, which is replayed
	require.NoError(t, err)
	var seen []rbac.Change
	var mu sync.Mutex
	e.OnChange(func(tenant string, c rbac.Change) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, c)
	})

	org, _, err := s.CreateOrganization(ctx, w, rbac.OrganizationInput{Name: "Berlin"})
	require.NoError(t, err)
	g, _, err := s.CreateGroup(ctx, w, rbac.GroupInput{Name: "Support"})
	require.NoError(t, err)
	_, _, _, err = s.AssignGroup(ctx, w, g.ID, rbac.AssignmentInput{RoleID: "role_editor", OrganizationID: org.ID})
	require.NoError(t, err)
	rev, err := s.AddGroupMembers(ctx, w, g.ID, []string{u.ID})
	require.NoError(t, err)
	eng, err := e.Get(ctx, "acme", rev)
	require.NoError(t, err)
	require.True(t, eng.Check(u.ID, "docs:write", org.ID, time.Now()).Allowed, "group grant scoped to the organization")
	require.False(t, eng.Check(u.ID, "docs:write", "", time.Now()).Allowed)

	perms := []string{"docs:write", "docs:delete"}
	rev2, err := updatePerms(s, perms)
	require.NoError(t, err)
	eng, err = e.Get(ctx, "acme", rev2)
	require.NoError(t, err)
	require.True(t, eng.Check(u.ID, "docs:delete", org.ID, time.Now()).Allowed, "role change replayed")

	rev3, err := s.DeleteOrganization(ctx, w, org.ID)
	require.NoError(t, err)
	eng, err = e.Get(ctx, "acme", rev3)
	require.NoError(t, err)
	require.False(t, eng.Check(u.ID, "docs:write", org.ID, time.Now()).Allowed, "organization deletion replayed")

	_, hash := newHash()
	tok, _, err := s.CreateToken(ctx, w, rbac.TokenInput{UserID: u.ID, Name: "t", Hash: hash})
	require.NoError(t, err)
	rev4, err := s.RevokeToken(ctx, w, u.ID, tok.ID)
	require.NoError(t, err)
	rev5, err := s.DeleteUser(ctx, w, u.ID)
	require.NoError(t, err)
	eng, err = e.Get(ctx, "acme", rev5)
	require.NoError(t, err)
	require.False(t, eng.HasUser(u.ID), "user deletion replayed")
	require.Equal(t, rev5, eng.Revision())

	mu.Lock()
	defer mu.Unlock()
	var revoked, deleted bool
	for _, c := range seen {
		revoked = revoked || (c.Target == rbac.TargetToken && c.TargetID == tok.ID && c.Revision == rev4)
		deleted = deleted || (c.Action == rbac.ActionUserDelete && c.TargetID == u.ID)
	}
	require.True(t, revoked, "hooks see token revocations (the token cache depends on it)")
	require.True(t, deleted)
}

func TestEngines_fullReloadAfterManyChanges(t *testing.T) {
	s := newStore(t)
	e := live.New(s, nil)
	_, err := e.Get(ctx, "acme", 0)
	require.NoError(t, err)
	defer live.SetFullReloadAfter(live.SetFullReloadAfter(5))
	var users []string
	var rev int64
	for i := 0; i < 12; i++ {
		u, r, err := s.CreateUser(ctx, w, rbac.UserInput{Email: string(rune('a'+i)) + "@acme.test", Roles: []string{"role_editor"}})
		require.NoError(t, err)
		users, rev = append(users, u.ID), r
	}
	eng, err := e.Get(ctx, "acme", rev)
	require.NoError(t, err)
	require.Equal(t, rev, eng.Revision())
	for _, id := range users {
		require.True(t, eng.Check(id, "docs:write", "", time.Now()).Allowed)
	}
}

func TestEngines_concurrentReadersAndWriters(t *testing.T) {
	s := newStore(t)
	e := live.New(s, nil)
	u, _, err := s.CreateUser(ctx, w, rbac.UserInput{Email: "u@acme.test"})
	require.NoError(t, err)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				eng, err := e.Get(ctx, "acme", 0)
				if err != nil {
					t.Error(err)
					return
				}
				eng.Check(u.ID, "docs:write", "", time.Now())
			}
		}()
	}
	var last int64
	for i := 0; i < 20; i++ {
		var rev int64
		if i%2 == 0 {
			_, _, rev, err = s.Assign(ctx, w, u.ID, rbac.AssignmentInput{RoleID: "role_editor"})
		} else {
			rev, err = s.Unassign(ctx, w, u.ID, "role_editor", "")
		}
		require.NoError(t, err)
		e.Notify("acme", rev)
		last = rev
	}
	close(stop)
	wg.Wait()
	require.False(t, allowed(t, e, last, u.ID, "docs:write"), "the last write (an unassign) wins")
}

func updatePerms(s *gormstore.Store, perms []string) (int64, error) {
	_, rev, err := s.UpdateRole(ctx, w, "role_editor", rbac.RolePatch{Permissions: &perms})
	return rev, err
}

func newHash() (string, string) { return auth.NewSecret() }

func TestEngines_syncReadsTheDatabase(t *testing.T) {
	s := newStore(t)
	e := live.New(s, nil)
	_, err := e.Get(ctx, "acme", 0)
	require.NoError(t, err)
	u, rev, err := s.CreateUser(ctx, w, rbac.UserInput{Email: "late@acme.test"}) // another replica's write: no Notify
	require.NoError(t, err)
	eng, err := e.Get(ctx, "acme", 0)
	require.NoError(t, err)
	require.False(t, eng.HasUser(u.ID))
	eng, err = e.Sync(ctx, "acme")
	require.NoError(t, err)
	require.True(t, eng.HasUser(u.ID))
	require.Equal(t, rev, eng.Revision())
}

// The engine follows users' names (emails, external ids) as writes change
// them: ResolveUser answers from memory what the database holds.
func TestEngines_followUserNames(t *testing.T) {
	s := newStore(t)
	e := live.New(s, nil)
	resolve := func(minRev int64, ref string) string {
		t.Helper()
		eng, err := e.Get(ctx, "acme", minRev)
		require.NoError(t, err)
		id, _ := eng.ResolveUser(ref)
		return id
	}
	u, rev, err := s.CreateUser(ctx, w, rbac.UserInput{Email: "Ann@Acme.test", ExternalUserID: "idp-1"})
	require.NoError(t, err)
	require.Equal(t, u.ID, resolve(rev, "ann@acme.test"))
	require.Equal(t, u.ID, resolve(rev, "idp-1"))
	require.Equal(t, u.ID, resolve(rev, u.ID))

	email, ext := "ann.b@acme.test", ""
	_, rev, err = s.UpdateUser(ctx, w, u.ID, rbac.UserPatch{Email: &email, ExternalUserID: &ext})
	require.NoError(t, err)
	require.Empty(t, resolve(rev, "ann@acme.test"))
	require.Empty(t, resolve(rev, "idp-1"))
	require.Equal(t, u.ID, resolve(rev, "ANN.B@acme.test"))

	rev, err = s.DeleteUser(ctx, w, u.ID)
	require.NoError(t, err)
	require.Empty(t, resolve(rev, "ann.b@acme.test"))
	require.NoError(t, e.Verify(ctx))
	require.Empty(t, e.Repairs())
}
