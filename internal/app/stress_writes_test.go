package app_test

// The stress test's writers, one function per write kind of writeKinds.

import (
	"net/http"
	"slices"
	"strings"

	"github.com/rosterhq/roster/client"
)

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

// bulk makes a user and grants it a role in one POST /bulk, atomic or not:
// the bulk's writes reach the engines as the writes sent alone do.
func (w *worker) bulk(kind string) {
	s := w.s
	ref := "u"
	ops := []client.BulkOperation{
		{Method: client.POST, Path: "/users", Body: map[string]any{"email": string(email(w.unique("b")))}, Ref: &ref},
		{Method: client.POST, Path: "/users/${u}/roles", Body: map[string]any{"role_id": w.pickRole()}},
	}
	atomic := kind == "bulk_atomic"
	res, err := w.c().BulkWriteWithResponse(s.ctx, stressTenant, client.BulkRequest{Operations: ops, Atomic: &atomic})
	if !w.wrote(kind, res, err) || !res.JSON200.Committed || res.JSON200.Results[0].Status != http.StatusCreated {
		return
	}
	if id, ok := res.JSON200.Results[0].Body.(map[string]any)["id"].(string); ok {
		s.reg.add(&s.reg.churn, id)
	}
}
