package app_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rosterhq/roster/client"
)

// registry is what writers know exists. It may be stale (another writer
// deleted the thing a moment ago): the API answers that with a 4xx, which
// the load tolerates.
type registry struct {
	mu      sync.Mutex
	stable  []string // users never deleted
	churn   []string // users writers create and delete
	deleted []string // users deleted: every server must forget them
	groups  []string
	orgs    []string
	// grants and groupGrants are "holder role org" of assignments made,
	// so that removals mostly hit something (they may be gone already).
	grants      []string
	groupGrants []string
}

func (r *registry) add(list *[]string, id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	*list = append(*list, id)
}

// pick returns a random element of list, or "" when it has none.
func (r *registry) pick(rng *rand.Rand, list *[]string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(*list) == 0 {
		return ""
	}
	return (*list)[rng.IntN(len(*list))]
}

// take removes and returns a random element of list while it holds more
// than keep, so that no two writers delete the same thing.
func (r *registry) take(rng *rand.Rand, list *[]string, keep int) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(*list) <= keep {
		return ""
	}
	i := rng.IntN(len(*list))
	id := (*list)[i]
	*list = slices.Delete(*list, i, i+1)
	return id
}

type writeKind struct {
	name   string
	weight int
	run    func(w *worker, kind string)
}

// writeKinds is every write that changes what evaluation answers; weights
// keep users coming and going and assignee lists moving.
var writeKinds = []writeKind{
	{"create_user", 4, (*worker).createUser},
	{"assign", 2, (*worker).assign},
	{"remove", 2, (*worker).remove},
	{"replace", 2, (*worker).replace},
	{"add", 1, (*worker).add},
	{"group_create", 1, (*worker).createGroup},
	{"group_delete", 1, (*worker).deleteGroup},
	{"members_add", 1, (*worker).members},
	{"members_remove", 1, (*worker).members},
	{"members_replace", 1, (*worker).members},
	{"group_role_add", 1, (*worker).addGroupRole},
	{"group_role_remove", 1, (*worker).removeGroupRole},
	{"role_permissions", 1, (*worker).editPermissions},
	{"role_inherits", 1, (*worker).editInherits},
	{"assignees_add", 1, (*worker).assignees},
	{"assignees_replace", 2, (*worker).assignees},
	{"assignees_remove", 1, (*worker).assignees},
	{"org_create", 1, (*worker).createOrg},
	{"org_delete", 1, (*worker).deleteOrg},
	{"user_disable", 1, (*worker).setStatus},
	{"user_enable", 1, (*worker).setStatus},
	{"user_delete", 3, (*worker).deleteUser},
	{"user_rename", 1, (*worker).renameUser},
	{"bulk", 1, (*worker).bulk},
	{"bulk_atomic", 1, (*worker).bulk},
	{"dry_run", 1, (*worker).dryRun}, // writes nothing: every check below must hold as if it never ran
}

// write runs one write, chosen by weight, or a third of the time among
// the kinds that have not succeeded yet (so that every kind happens even
// when the machine is slow).
func (w *worker) write() {
	kinds, total := writeKinds, 0
	if missing := w.s.missingKinds(); len(missing) > 0 && w.rng.IntN(3) == 0 {
		kinds = missing
	}
	for _, k := range kinds {
		total += k.weight
	}
	n := w.rng.IntN(total)
	for _, k := range kinds {
		if n < k.weight {
			k.run(w, k.name)
			return
		}
		n -= k.weight
	}
}

// wrote accounts for one write: a 2xx is done, a 400, 404, 409 or 412 a
// race lost to another writer (a user deleted, a role rewired), anything
// else is wrong.
func (w *worker) wrote(kind string, res client.Response, err error, ids ...string) bool {
	s := w.s
	if err != nil {
		s.problems.add(s.servers[w.home], "write failed", "%s %s %v: %v", w.name, kind, ids, err)
		return false
	}
	status := res.StatusCode()
	s.log.add(w.name, kind, status, w.rev.rev.Load(), ids)
	switch status {
	case http.StatusOK, http.StatusCreated, http.StatusNoContent:
		s.writes.count(kind, true)
		return true
	case http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusPreconditionFailed:
		s.writes.count(kind, false)
		return false
	}
	s.problems.add(s.servers[w.home], fmt.Sprintf("write answered %d", status), "%s %s %v: %.300s", w.name, kind, ids, res.GetBody())
	return false
}

// ungrant takes an assignment made back out of list (or makes one up) for
// a removal to aim at.
func (w *worker) ungrant(list *[]string, holder func() string) (string, string, string) {
	if w.rng.IntN(4) != 0 {
		if g := w.s.reg.take(w.rng, list, 0); g != "" {
			f := strings.Split(g, " ")
			return f[0], f[1], f[2]
		}
	}
	return holder(), w.pickRole(), w.someOrg()
}

// pickUser concentrates writes on few users: the stable ones and the
// churning ones.
func (w *worker) pickUser() string {
	if w.rng.IntN(2) == 0 {
		if id := w.s.reg.pick(w.rng, &w.s.reg.churn); id != "" {
			return id
		}
	}
	return w.s.reg.pick(w.rng, &w.s.reg.stable)
}

// distinct draws n times from pick and keeps what differs.
func distinct(n int, pick func() string) []string {
	out := []string{}
	for range n {
		if v := pick(); !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func (w *worker) someUsers(min, max int) []string {
	return distinct(min+w.rng.IntN(max-min+1), w.pickUser)
}

func (w *worker) pickRole() string { return stressRoles[w.rng.IntN(len(stressRoles))] }

func (w *worker) someRoles() []string { return distinct(w.rng.IntN(3), w.pickRole) }

func (w *worker) somePerms() []string {
	return distinct(1+w.rng.IntN(3), func() string { return stressPerms[w.rng.IntN(len(stressPerms))] })
}

// parents picks what stressRoles[i] inherits from: only later roles, so
// concurrent edits can never make a cycle.
func (w *worker) parents(i int) []string {
	ps := []string{}
	for _, p := range stressRoles[i+1:] {
		if w.rng.IntN(4) == 0 {
			ps = append(ps, p)
		}
	}
	return ps
}

// someOrg is an organization for a scoped grant about a third of the
// time, else "" (global).
func (w *worker) someOrg() string {
	if w.rng.IntN(3) != 0 {
		return ""
	}
	return w.s.reg.pick(w.rng, &w.s.reg.orgs)
}

func scope(org string) *client.Scope {
	if org == "" {
		return nil
	}
	return &client.Scope{Type: client.ScopeTypeOrganization, OrganizationId: &org}
}

func orgParam(org string) *string {
	if org == "" {
		return nil
	}
	return &org
}

// flip grants role_flip to exactly set A or exactly set B, in one write.
func (w *worker) flip(toB bool) {
	set, name := w.s.flipA, "A"
	if toB {
		set, name = w.s.flipB, "B"
	}
	res, err := w.c().ReplaceRoleAssigneesWithResponse(w.s.ctx, stressTenant, stressFlipRole, linkage(set))
	w.wrote("flip", res, err, stressFlipRole, name)
}

// opLog is every write of the load, to explain a wrong answer.
type opLog struct {
	mu      sync.Mutex
	start   time.Time
	entries []string
}

func (l *opLog) add(who, kind string, status int, rev int64, ids []string) {
	e := fmt.Sprintf("%6.3fs %s %s → %d, revision %d %v", time.Since(l.start).Seconds(), who, kind, status, rev, ids)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, e)
}

// about is the last n writes naming id.
func (l *opLog) about(id string, n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for i := len(l.entries) - 1; i >= 0 && len(out) < n && id != ""; i-- {
		if strings.Contains(l.entries[i], id) {
			out = append(out, l.entries[i])
		}
	}
	slices.Reverse(out)
	return strings.Join(append([]string{""}, out...), "\n\t\t")
}
