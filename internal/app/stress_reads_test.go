package app_test

// The stress test's readers: every evaluated read, each answer checked for
// what the contract promises of any answer while writes race it.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/rosterhq/roster/client"
)

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
