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

// createUser makes a user with roles, then asks a server at random about
// it: a new user is known at once to the server that made it (its own
// write) and to any other (an unknown id makes it catch up).
func (w *worker) createUser(kind string) {
	s := w.s
	roles := w.someRoles()
	res, err := w.c().CreateUserWithResponse(s.ctx, stressTenant, client.UserCreate{Email: email(w.unique("u")), Roles: &roles})
	if !w.wrote(kind, res, err, roles...) {
		return
	}
	id := res.JSON201.Id
	s.log.add(w.name, kind+" made", res.StatusCode(), w.rev.rev.Load(), []string{id})
	i := w.anyServer()
	chk, err := w.cs[i].CheckPermissionWithResponse(s.ctx, stressTenant, nil, client.CheckRequest{UserId: id, Permission: "docs:read"})
	if w.readOK("check_new_user", i, chk, err) && chk.StatusCode() != http.StatusOK {
		s.problems.add(s.servers[i], "new user unknown to /check", "%s: %d %s", id, chk.StatusCode(), chk.Body)
	}
	s.reg.add(&s.reg.churn, id)
}

func (w *worker) assign(kind string) {
	user, role, org := w.pickUser(), w.pickRole(), w.someOrg()
	res, err := w.c().AssignUserRoleWithResponse(w.s.ctx, stressTenant, user, client.AssignmentCreate{RoleId: role, Scope: scope(org)})
	if w.wrote(kind, res, err, user, role, org) {
		w.s.reg.add(&w.s.reg.grants, user+" "+role+" "+org)
	}
}

func (w *worker) remove(kind string) {
	user, role, org := w.ungrant(&w.s.reg.grants, w.pickUser)
	res, err := w.c().RemoveUserRoleWithResponse(w.s.ctx, stressTenant, user, role, &client.RemoveUserRoleParams{OrganizationId: orgParam(org)})
	w.wrote(kind, res, err, user, role, org)
}

func (w *worker) replace(kind string) {
	user := w.pickUser()
	grants := distinct(w.rng.IntN(4), func() string { return w.pickRole() + " " + w.someOrg() })
	body := client.AssignmentReplace{Assignments: []client.AssignmentCreate{}}
	for _, g := range grants {
		role, org, _ := strings.Cut(g, " ")
		body.Assignments = append(body.Assignments, client.AssignmentCreate{RoleId: role, Scope: scope(org)})
	}
	res, err := w.c().ReplaceUserRolesWithResponse(w.s.ctx, stressTenant, user, body)
	if w.wrote(kind, res, err, append([]string{user}, grants...)...) {
		for _, g := range grants {
			w.s.reg.add(&w.s.reg.grants, user+" "+g)
		}
	}
}

func (w *worker) add(kind string) {
	user, role := w.pickUser(), w.pickRole()
	res, err := w.c().AddUserRoleWithResponse(w.s.ctx, stressTenant, user, role)
	if w.wrote(kind, res, err, user, role) {
		w.s.reg.add(&w.s.reg.grants, user+" "+role+" ")
	}
}

func (w *worker) createGroup(kind string) {
	res, err := w.c().CreateGroupWithResponse(w.s.ctx, stressTenant, client.GroupCreate{Name: w.unique("g")})
	if w.wrote(kind, res, err) {
		w.s.log.add(w.name, kind+" made", res.StatusCode(), w.rev.rev.Load(), []string{res.JSON201.Id})
		w.s.reg.add(&w.s.reg.groups, res.JSON201.Id)
	}
}

func (w *worker) deleteGroup(kind string) {
	if g := w.s.reg.take(w.rng, &w.s.reg.groups, 3); g != "" {
		res, err := w.c().DeleteGroupWithResponse(w.s.ctx, stressTenant, g, nil)
		w.wrote(kind, res, err, g)
	}
}

// members adds, removes (as application/vnd.api+json) or replaces a
// group's members.
func (w *worker) members(kind string) {
	g, users := w.s.reg.pick(w.rng, &w.s.reg.groups), w.someUsers(1, 8)
	var res client.Response
	var err error
	switch kind {
	case "members_add":
		res, err = w.c().AddGroupMembersWithResponse(w.s.ctx, stressTenant, g, linkage(users))
	case "members_remove":
		res, err = w.c().RemoveGroupMembersWithApplicationVndAPIPlusJSONBodyWithResponse(w.s.ctx, stressTenant, g, linkage(users))
	default:
		res, err = w.c().ReplaceGroupMembersWithResponse(w.s.ctx, stressTenant, g, linkage(users))
	}
	w.wrote(kind, res, err, append(users, g)...)
}

func (w *worker) addGroupRole(kind string) {
	g, role, org := w.s.reg.pick(w.rng, &w.s.reg.groups), w.pickRole(), w.someOrg()
	res, err := w.c().AssignGroupRoleWithResponse(w.s.ctx, stressTenant, g, client.AssignmentCreate{RoleId: role, Scope: scope(org)})
	if w.wrote(kind, res, err, g, role, org) {
		w.s.reg.add(&w.s.reg.groupGrants, g+" "+role+" "+org)
	}
}

func (w *worker) removeGroupRole(kind string) {
	g, role, org := w.ungrant(&w.s.reg.groupGrants, func() string { return w.s.reg.pick(w.rng, &w.s.reg.groups) })
	res, err := w.c().RemoveGroupRoleWithResponse(w.s.ctx, stressTenant, g, role, &client.RemoveGroupRoleParams{OrganizationId: orgParam(org)})
	w.wrote(kind, res, err, g, role, org)
}

// editPermissions changes a custom role's permissions or the default
// role's, which every active user holds.
func (w *worker) editPermissions(kind string) {
	role := "role_member"
	if w.rng.IntN(4) != 0 {
		role = w.pickRole()
	}
	perms := w.somePerms()
	res, err := w.c().UpdateRoleWithResponse(w.s.ctx, stressTenant, role, nil, client.RoleUpdate{Permissions: &perms})
	w.wrote(kind, res, err, append([]string{role}, perms...)...)
}

func (w *worker) editInherits(kind string) {
	i := w.rng.IntN(len(stressRoles))
	parents := w.parents(i)
	res, err := w.c().UpdateRoleWithResponse(w.s.ctx, stressTenant, stressRoles[i], nil, client.RoleUpdate{InheritsFrom: &parents})
	w.wrote(kind, res, err, append([]string{stressRoles[i]}, parents...)...)
}

// assignees adds, removes (as application/vnd.api+json) or replaces a
// role's global holders: one write changing many users, which must never
// be seen half done.
func (w *worker) assignees(kind string) {
	role, users := w.pickRole(), w.someUsers(1, 12)
	var res client.Response
	var err error
	switch kind {
	case "assignees_add":
		res, err = w.c().AddRoleAssigneesWithResponse(w.s.ctx, stressTenant, role, linkage(users))
	case "assignees_remove":
		res, err = w.c().RemoveRoleAssigneesWithApplicationVndAPIPlusJSONBodyWithResponse(w.s.ctx, stressTenant, role, linkage(users))
	default:
		res, err = w.c().ReplaceRoleAssigneesWithResponse(w.s.ctx, stressTenant, role, linkage(users))
	}
	w.wrote(kind, res, err, append(users, role)...)
}

// createOrg makes an organization and grants something scoped to it at
// once, so that deleting it has assignments to remove.
func (w *worker) createOrg(kind string) {
	s := w.s
	res, err := w.c().CreateOrganizationWithResponse(s.ctx, stressTenant, client.OrganizationCreate{Name: w.unique("o")})
	if !w.wrote(kind, res, err) {
		return
	}
	org := res.JSON201.Id
	s.log.add(w.name, kind+" made", res.StatusCode(), w.rev.rev.Load(), []string{org})
	s.reg.add(&s.reg.orgs, org)
	g, user, role := s.reg.pick(w.rng, &s.reg.groups), w.pickUser(), w.pickRole()
	ga, err := w.c().AssignGroupRoleWithResponse(s.ctx, stressTenant, g, client.AssignmentCreate{RoleId: role, Scope: scope(org)})
	if w.wrote("group_role_add", ga, err, g, role, org) {
		w.s.reg.add(&s.reg.groupGrants, g+" "+role+" "+org)
	}
	ua, err := w.c().AssignUserRoleWithResponse(s.ctx, stressTenant, user, client.AssignmentCreate{RoleId: role, Scope: scope(org)})
	if w.wrote("assign", ua, err, user, role, org) {
		w.s.reg.add(&s.reg.grants, user+" "+role+" "+org)
	}
}

func (w *worker) deleteOrg(kind string) {
	if org := w.s.reg.take(w.rng, &w.s.reg.orgs, 2); org != "" {
		res, err := w.c().DeleteOrganizationWithResponse(w.s.ctx, stressTenant, org, nil)
		w.wrote(kind, res, err, org)
	}
}

func (w *worker) setStatus(kind string) {
	user, status := w.pickUser(), client.UserStatusActive
	if kind == "user_disable" {
		status = client.UserStatusDisabled
	}
	res, err := w.c().UpdateUserWithResponse(w.s.ctx, stressTenant, user, nil, client.UserUpdate{Status: &status})
	w.wrote(kind, res, err, user)
}

// renameUser gives a churning user a new email and external id: the
// engine's indexes by email and external id (AuthZEN subjects, owners) must
// follow, and the comparison with a fresh build checks that they did.
func (w *worker) renameUser(kind string) {
	user := w.s.reg.pick(w.rng, &w.s.reg.churn)
	if user == "" {
		return
	}
	n := w.unique("r")
	res, err := w.c().UpdateUserWithResponse(w.s.ctx, stressTenant, user, nil, client.UserUpdate{Email: ptr(email(n)), ExternalUserId: ptr("ext-" + n)})
	w.wrote(kind, res, err, user)
}

// deleteUser deletes a churning user, then asks a server at random about
// it at the delete's revision: it must be unknown there.
func (w *worker) deleteUser(kind string) {
	s := w.s
	id := s.reg.take(w.rng, &s.reg.churn, 3)
	if id == "" {
		return
	}
	res, err := w.c().DeleteUserWithResponse(s.ctx, stressTenant, id, nil)
	if !w.wrote(kind, res, err, id) {
		s.reg.add(&s.reg.churn, id)
		return
	}
	s.reg.add(&s.reg.deleted, id)
	rev := w.rev.rev.Load()
	i := w.anyServer()
	chk, err := w.cs[i].CheckPermissionWithResponse(s.ctx, stressTenant, &client.CheckPermissionParams{MinRevision: &rev},
		client.CheckRequest{UserId: id, Permission: "docs:read"})
	if w.readOK("check_deleted_user", i, chk, err) && !slices.Contains(badUserFields(chk.Body), "user_id") {
		s.problems.add(s.servers[i], "deleted user still known to /check", "%s at min_revision %d: %d %s", id, rev, chk.StatusCode(), chk.Body)
	}
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
