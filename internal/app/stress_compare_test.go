package app_test

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/internal/eval"
	"github.com/rosterhq/roster/internal/rbac"
	"github.com/rosterhq/roster/internal/store/gormstore"
)

// comparison is one server's answers set against an engine built afresh
// from the database once the load is over.
type comparison struct {
	s     *stress
	where string
	c     *client.ClientWithResponses
	snap  rbac.Snapshot
	fresh *eval.Tenant
	now   time.Time
	mu    sync.Mutex
	users map[string]bool // answered wrong
	// stuck is set when the server does not answer: the rest of the
	// comparison would only wait for it.
	stuck atomic.Bool
}

// compare asks server i about every user and role of the tenant, without
// min_revision: once the writes stop (and, on replicas, a second later)
// plain reads must be right, at the database's revision.
func (s *stress) compare(i int) {
	t, ctx := s.t, s.ctx
	st, err := gormstore.Open(ctx, s.dsn)
	require.NoError(t, err)
	defer st.Close()
	snap, err := st.LoadSnapshot(ctx, stressTenant)
	require.NoError(t, err)
	c := &comparison{s: s, where: s.servers[i], c: s.validating(i), snap: snap, fresh: eval.New(snap), now: time.Now(),
		users: map[string]bool{}}
	if i == 0 { // the history is in the database: once is enough
		past, err := st.SnapshotAt(ctx, stressTenant, snap.Revision)
		require.NoError(t, err)
		c.history(past)
	}

	users := make(chan string)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for id := range users {
				if !c.stuck.Load() {
					c.user(id)
				}
			}
		})
	}
	for _, u := range snap.Users {
		users <- u.ID
	}
	close(users)
	wg.Wait()

	r := s.worker("compare-"+c.where, 1000+i, i)
	r.cs[i] = c.c
	for _, h := range c.holderQueries() {
		got, ok := r.holders("compare", i, h.q)
		if want := c.holders(h); ok && !slices.Equal(got, want) {
			s.problems.add(c.where, "holders differ", "%s: server and fresh engine: %s", h.what, diff(got, want))
		}
		if r.failed || c.stuck.Load() {
			break
		}
	}
	for _, id := range s.reg.deleted {
		ev, err := c.c.GetEvaluatedRolesWithResponse(ctx, stressTenant, id, nil)
		if err != nil || r.failed || c.stuck.Load() {
			s.problems.add(c.where, "comparison cut short: the server stopped answering", "%v", err)
			break
		}
		if ev.StatusCode() != http.StatusNotFound {
			c.wrong("deleted user still known", id, "evaluated roles answered %d %s", ev.StatusCode(), ev.Body)
		}
	}
	t.Logf("%s: %d of %d users (and %d deleted ones) answered wrong after the load; compared %d roles and %d permissions' holders at revision %d",
		c.where, len(c.users), len(snap.Users), len(s.reg.deleted), len(snap.Roles), len(stressPerms)+1, snap.Revision)
}

// wrong records a wrong answer about user, with the writes naming it.
func (c *comparison) wrong(kind, user, format string, args ...any) {
	c.s.problems.add(c.where, kind, "%s: %s%s", user, fmt.Sprintf(format, args...), c.s.log.about(user, 8))
	c.mu.Lock()
	defer c.mu.Unlock()
	c.users[user] = true
}

// user compares one user's evaluated roles (every scope) and permissions.
func (c *comparison) user(id string) {
	var got, want []string
	var rev int64
	ev, err := c.c.GetEvaluatedRolesWithResponse(c.s.ctx, stressTenant, id, nil)
	if err == nil && ev.JSON200 != nil {
		rev, got, want = ev.JSON200.Revision, serverRoles(ev.JSON200.Items), engineRoles(c.fresh.EvaluatedRoles(id, "", true, c.now))
	}
	c.same("evaluated roles", id, ev, err, rev, got, want)
	ps, err := c.c.GetUserPermissionsWithResponse(c.s.ctx, stressTenant, id, nil)
	if err == nil && ps.JSON200 != nil {
		rev, got, want = ps.JSON200.Revision, sorted(ps.JSON200.Permissions), sorted(c.fresh.Permissions(id, "", c.now))
	}
	c.same("permissions", id, ps, err, rev, got, want)
}

func (c *comparison) same(what, id string, res client.Response, err error, rev int64, got, want []string) {
	switch {
	case err != nil:
		c.s.problems.add(c.where, "compare got no answer", "%s of %s: %v", what, id, err)
		c.stuck.Store(true)
	case res.StatusCode() != http.StatusOK:
		c.wrong(what+": no answer", id, "%d %s", res.StatusCode(), res.GetBody())
	case rev != c.snap.Revision:
		c.wrong(what+" not at the database's revision", id, "answered at %d, the database is at %d", rev, c.snap.Revision)
	case !slices.Equal(got, want):
		c.wrong(what+" differ", id, "server %v, fresh engine %v", got, want)
	}
}

// holderQuery is one reverse evaluation: what the server is asked (q),
// whether the fresh engine's forward evaluation says a user holds it, and
// a page of the fresh engine's own reverse evaluation.
type holderQuery struct {
	what  string
	q     client.ListUsersParams
	holds func(id string) bool
	page  func(after string) ([]string, string)
}

// holderQueries asks for the holders of every role and permission.
func (c *comparison) holderQueries() []holderQuery {
	var qs []holderQuery
	for _, r := range c.snap.Roles {
		qs = append(qs, holderQuery{what: "role " + r.ID, q: client.ListUsersParams{HoldsRole: &r.ID},
			holds: func(id string) bool {
				return slices.ContainsFunc(c.fresh.EvaluatedRoles(id, "", false, c.now), func(h eval.EvaluatedRole) bool { return h.RoleID == r.ID && h.OrgID == "" })
			},
			page: func(after string) ([]string, string) { return c.fresh.HoldersOfRole(r.ID, "", after, 100, c.now) }})
	}
	for _, p := range append([]string{stressFlipPerm}, stressPerms...) {
		qs = append(qs, holderQuery{what: "permission " + p, q: client.ListUsersParams{HoldsPermission: &p},
			holds: func(id string) bool { return c.fresh.Check(id, p, "", c.now).Allowed },
			page:  func(after string) ([]string, string) { return c.fresh.HoldersOfPermission(p, "", after, 100, c.now) }})
	}
	return qs
}

// holders reads every page of the fresh engine's reverse evaluation and
// checks it against the engine's forward evaluation of every user, so
// that a reverse index broken the same way in both engines cannot vouch
// for the server's. It returns the forward evaluation's answer.
func (c *comparison) holders(h holderQuery) []string {
	want := []string{}
	for _, u := range c.snap.Users {
		if h.holds(u.ID) {
			want = append(want, u.ID)
		}
	}
	slices.Sort(want)
	got := []string{}
	func() {
		defer func() {
			if r := recover(); r != nil {
				c.s.problems.add(c.where, "fresh engine's holders panicked", "%s: %v", h.what, r)
				got = want
			}
		}()
		for after := ""; ; {
			ids, next := h.page(after)
			if got = append(got, ids...); next == "" {
				return
			}
			after = next
		}
	}()
	if !slices.Equal(got, want) {
		c.s.problems.add(c.where, "fresh engine's holders differ from its checks", "%s: %s", h.what, diff(got, want))
	}
	return want
}

// diff says which ids only one of two lists holds (the first few).
func diff(a, b []string) string {
	only := func(x, y []string) []string {
		var out []string
		for _, id := range x {
			if !slices.Contains(y, id) {
				out = append(out, id)
			}
		}
		return out[:min(len(out), 5)]
	}
	return fmt.Sprintf("%d listed against %d; only in the first %v, only in the second %v", len(a), len(b), only(a, b), only(b, a))
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

// serverRoles and engineRoles write evaluated roles the same way,
// role@org[sources], sorted.
func serverRoles(items []client.EvaluatedRole) []string {
	out := []string{}
	for _, it := range items {
		var srcs []string
		for _, src := range it.Sources {
			srcs = append(srcs, string(src.Type)+":"+deref(src.GroupId)+deref(src.ViaRoleId))
		}
		out = append(out, fmt.Sprintf("%s@%s%v", it.RoleId, deref(it.Scope.OrganizationId), sorted(srcs)))
	}
	return sorted(out)
}

func engineRoles(held []eval.EvaluatedRole) []string {
	out := []string{}
	for _, h := range held {
		var srcs []string
		for _, src := range h.Sources {
			srcs = append(srcs, src.Type+":"+src.GroupID+src.ViaRoleID)
		}
		out = append(out, fmt.Sprintf("%s@%s%v", h.RoleID, h.OrgID, sorted(srcs)))
	}
	return sorted(out)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
