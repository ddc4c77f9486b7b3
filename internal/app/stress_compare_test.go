package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
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

// readKinds is every evaluated read. readOK checks what the contract
// promises of any answer; the flip reads check what it promises of theirs.
var readKinds = []struct {
	name string
	run  func(w *worker, kind string, srv int)
}{
	{"check", func(w *worker, kind string, srv int) { w.readChecks(kind, srv, 1) }},
	{"batch", func(w *worker, kind string, srv int) { w.readChecks(kind, srv, 20) }},
	{"evaluated", func(w *worker, kind string, srv int) {
		user := w.readUser()
		res, err := w.cs[srv].GetEvaluatedRolesWithResponse(w.s.ctx, stressTenant, user, &client.GetEvaluatedRolesParams{OrganizationId: orgParam(w.someOrg())})
		w.readUserOK(kind, srv, user, res, err)
	}},
	{"permissions", func(w *worker, kind string, srv int) {
		user := w.readUser()
		res, err := w.cs[srv].GetUserPermissionsWithResponse(w.s.ctx, stressTenant, user, &client.GetUserPermissionsParams{OrganizationId: orgParam(w.someOrg())})
		w.readUserOK(kind, srv, user, res, err)
	}},
	{"holds_role", func(w *worker, kind string, srv int) {
		roles := append([]string{"role_member", stressFlipRole}, stressRoles...)
		w.holders(kind, srv, client.ListUsersParams{HoldsRole: &roles[w.rng.IntN(len(roles))], OrganizationId: orgParam(w.someOrg())})
	}},
	{"holds_permission", func(w *worker, kind string, srv int) {
		w.holders(kind, srv, client.ListUsersParams{HoldsPermission: ptr(w.readPerm()), OrganizationId: orgParam(w.someOrg())})
	}},
	{"authzen", func(w *worker, kind string, srv int) {
		res, verb, _ := strings.Cut(w.readPerm(), ":")
		ans, err := w.cs[srv].AuthzenEvaluationWithResponse(w.s.ctx, stressTenant, client.AuthzenEvaluationRequest{
			Subject: client.AuthzenSubject{Type: "user", Id: w.readUser()}, Action: client.AuthzenAction{Name: verb},
			Resource: client.AuthzenResource{Type: res, Id: "x", Properties: &client.AuthzenProperties{"ownerID": w.readUser()}}})
		w.readOK(kind, srv, ans, err)
	}},
	{"flip_batch", (*worker).readFlipBatch},
	{"flip_holders", (*worker).readFlipHolders},
}

func (w *worker) read() {
	k := readKinds[w.rng.IntN(len(readKinds))]
	k.run(w, k.name, w.anyServer())
}

// readOK accounts for one read; false means there is no answer to look
// at. A 5xx is wrong (no race may break a read), and so is an answer at
// a revision older than one the same server gave this worker before: a
// server's evaluation only moves forward.
func (w *worker) readOK(kind string, srv int, res client.Response, err error) bool {
	s := w.s
	if err != nil {
		s.problems.add(s.servers[srv], "read got no answer", "%s %s: %v", w.name, kind, err)
		w.failed = true
		return false
	}
	s.reads.count(kind, res.StatusCode() == http.StatusOK)
	if res.StatusCode() >= 500 {
		s.problems.add(s.servers[srv], fmt.Sprintf("%s answered %d", kind, res.StatusCode()), "%s: %.300s", w.name, res.GetBody())
		return false
	}
	var body struct{ Revision int64 }
	if res.StatusCode() == http.StatusOK && json.Unmarshal(res.GetBody(), &body) == nil && body.Revision > 0 {
		if body.Revision < w.seen[srv] {
			s.problems.add(s.servers[srv], "revision went back", "%s %s: %d after %d", w.name, kind, body.Revision, w.seen[srv])
		}
		w.seen[srv] = max(w.seen[srv], body.Revision)
	}
	return true
}

// readUserOK is readOK for a user in the path: "not found" is wrong for a
// stable user.
func (w *worker) readUserOK(kind string, srv int, user string, res client.Response, err error) {
	if w.readOK(kind, srv, res, err) && res.StatusCode() == http.StatusNotFound && w.s.stable[user] {
		w.s.problems.add(w.s.servers[srv], "stable user unknown to "+kind, "%s: %s", user, res.GetBody())
	}
}

// readUser is a stable user half the time (never deleted: "unknown" is
// always wrong for it) and a churning one otherwise.
func (w *worker) readUser() string {
	if id := w.s.reg.pick(w.rng, &w.s.reg.churn); id != "" && w.rng.IntN(2) == 0 {
		return id
	}
	return w.s.stableList[w.rng.IntN(len(w.s.stableList))]
}

func (w *worker) readPerm() string {
	if w.rng.IntN(len(stressPerms)+1) == 0 {
		return stressFlipPerm
	}
	return stressPerms[w.rng.IntN(len(stressPerms))]
}

// badUserFields lists the fields naming a user in a 400's field errors.
func badUserFields(body []byte) []string {
	var p struct{ Errors []struct{ Field string } }
	_ = json.Unmarshal(body, &p)
	var out []string
	for _, e := range p.Errors {
		if strings.HasSuffix(e.Field, "user_id") {
			out = append(out, e.Field)
		}
	}
	return out
}

// readChecks sends one check to /check, or n to /check/batch; "unknown
// user" is wrong for a stable one.
func (w *worker) readChecks(kind string, srv, n int) {
	checks := make([]client.CheckRequest, n)
	for i := range checks {
		checks[i] = client.CheckRequest{UserId: w.readUser(), Permission: w.readPerm(), OrganizationId: orgParam(w.someOrg())}
	}
	var res client.Response
	var err error
	if n == 1 {
		res, err = w.cs[srv].CheckPermissionWithResponse(w.s.ctx, stressTenant, nil, checks[0])
	} else {
		res, err = w.cs[srv].CheckPermissionsWithResponse(w.s.ctx, stressTenant, nil, client.CheckBatchRequest{Checks: checks})
	}
	if !w.readOK(kind, srv, res, err) {
		return
	}
	for _, f := range badUserFields(res.GetBody()) {
		i := 0
		if n > 1 {
			_, _ = fmt.Sscanf(f, "checks[%d].", &i)
		}
		if id := checks[i].UserId; w.s.stable[id] {
			w.s.problems.add(w.s.servers[srv], "stable user unknown to "+kind, "%s: %s", id, res.GetBody())
		}
	}
}

// holders reads every page of a reverse evaluation; only a deleted
// organization may make it fail.
func (w *worker) holders(kind string, srv int, q client.ListUsersParams) ([]string, bool) {
	ids := []string{}
	q.Limit = ptr(50)
	for {
		res, err := w.cs[srv].ListUsersWithResponse(w.s.ctx, stressTenant, &q)
		if !w.readOK(kind, srv, res, err) {
			return nil, false
		}
		if res.JSON200 == nil {
			if q.OrganizationId == nil {
				w.s.problems.add(w.s.servers[srv], "holders failed", "%s: %d %s", kind, res.StatusCode(), res.Body)
			}
			return nil, false
		}
		for _, u := range res.JSON200.Items {
			ids = append(ids, u.Id)
		}
		if q.Cursor = res.JSON200.NextCursor; q.Cursor == nil {
			return ids, true
		}
	}
}

// readFlipBatch checks all of A ∪ B in one batch: one answer is computed
// from one state, so exactly A or exactly B may go.
func (w *worker) readFlipBatch(kind string, srv int) {
	users := slices.Concat(w.s.flipA, w.s.flipB)
	checks := make([]client.CheckRequest, len(users))
	for i, id := range users {
		checks[i] = client.CheckRequest{UserId: id, Permission: stressFlipPerm}
	}
	res, err := w.cs[srv].CheckPermissionsWithResponse(w.s.ctx, stressTenant, nil, client.CheckBatchRequest{Checks: checks})
	if !w.readOK(kind, srv, res, err) {
		return
	}
	if res.JSON200 == nil {
		w.s.problems.add(w.s.servers[srv], "flip batch failed", "%d %s", res.StatusCode(), res.Body)
		return
	}
	var allowed []string
	for i, r := range res.JSON200.Results {
		if r.Allowed {
			allowed = append(allowed, users[i])
		}
	}
	w.flipSetIs(srv, "one batch saw a mix of A and B", allowed, res.JSON200.Revision)
}

// readFlipHolders reads role_flip's holders in one page (pages read at
// different revisions could mix A and B without anything being wrong).
func (w *worker) readFlipHolders(kind string, srv int) {
	res, err := w.cs[srv].ListUsersWithResponse(w.s.ctx, stressTenant, &client.ListUsersParams{HoldsRole: ptr(stressFlipRole), Limit: ptr(100)})
	if !w.readOK(kind, srv, res, err) {
		return
	}
	if res.JSON200 == nil || res.JSON200.NextCursor != nil {
		w.s.problems.add(w.s.servers[srv], "flip holders failed", "%d %.300s", res.StatusCode(), res.Body)
		return
	}
	var ids []string
	for _, u := range res.JSON200.Items {
		ids = append(ids, u.Id)
	}
	w.flipSetIs(srv, "one holders page saw a mix of A and B", ids, 0)
}

func (w *worker) flipSetIs(srv int, what string, ids []string, rev int64) {
	var a, b int
	for _, id := range ids {
		switch w.s.flipSet[id] {
		case 'A':
			a++
		case 'B':
			b++
		}
	}
	if len(ids) != stressFlipSize || a != 0 && b != 0 {
		w.s.problems.add(w.s.servers[srv], "flip: "+what, "revision %d: %d of A and %d of B allowed (%d in all)", rev, a, b, len(ids))
	}
}
