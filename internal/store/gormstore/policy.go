package gormstore

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rosterhq/roster/internal/rbac"
)

// The grant policy (docs/security.md, "The grant policy"), decided inside each
// write's transaction: the roles, users and grants it reads cannot change
// before the write commits (the tenant's write lock is held), so no
// concurrent change can slip a grant past it. The caller's side was captured
// before the transaction (rbac.Caller). Every write path that grants,
// removes or changes calls these, and nothing else decides the same things.

// graph reads the part of the role graph that ids depend on, as this
// transaction sees it (see loadRoleGraph).
func (t *txn) graph(ids ...string) (roleGraph, error) {
	return loadRoleGraph(t.tx, t.w.TenantID, ids, false)
}

// checkGrantable verifies that every role id exists and may be granted:
// 400 naming field[i] otherwise.
func (t *txn) checkGrantable(field string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	g, err := t.graph(ids...) // one read for all: each is a recursive query
	if err != nil {
		return err
	}
	for i, id := range ids {
		if err := g.checkGrantable(fmt.Sprintf("%s[%d]", field, i), id); err != nil {
			return err
		}
	}
	return nil
}

// checkGrantableOne is checkGrantable for one role id named by field.
func (t *txn) checkGrantableOne(field, id string) error {
	g, err := t.graph(id)
	if err != nil {
		return err
	}
	return g.checkGrantable(field, id)
}

// checkGrantable is checkGrantableOne on a graph already read.
func (g roleGraph) checkGrantable(field, id string) error {
	switch n := g[id]; {
	case n == nil:
		return rbac.Invalid(field, fmt.Sprintf("unknown role %q", id))
	case !n.assignable:
		return rbac.Invalid(field, "role is not assignable")
	}
	return nil
}

// unbound reports whether no rule binds the caller (Roster itself, the
// operator, roles:escalate), so that the rules can skip their reads; err is
// the caller's capture error, which every rule answers.
func (t *txn) unbound() (bool, error) {
	c := t.w.Caller
	if c != nil && c.Err != nil {
		return true, c.Err
	}
	return c == nil || c.Unrestricted, nil
}

// mayGrant applies no escalation and the time limit to a grant of roleIDs
// that would end at expires (nil: never): the caller must hold every
// effective permission of the roles, and the grant may not outlive its
// holding of them. It returns the end the grant gets (the caller's, when
// none was asked and the caller's holding ends); field names the end.
func (t *txn) mayGrant(roleIDs []string, expires *time.Time, field string) (*time.Time, error) {
	if free, err := t.unbound(); free {
		return expires, err
	}
	g, err := t.graph(roleIDs...)
	if err != nil {
		return nil, err
	}
	return t.mayGrantIn(g, roleIDs, expires, field)
}

// mayGrantIn is mayGrant on a graph already read that holds roleIDs.
func (t *txn) mayGrantIn(g roleGraph, roleIDs []string, expires *time.Time, field string) (*time.Time, error) {
	if free, err := t.unbound(); free {
		return expires, err
	}
	perms := g.permissions(roleIDs...)
	return t.w.Caller.CanGrant(perms, expires, field, strings.Join(roleIDs, ", "))
}

// mayGrantForever is mayGrant for grants that cannot carry an end (a group
// membership gives the group's roles for as long as it lasts): a caller
// whose own holding ends may not make them.
func (t *txn) mayGrantForever(roleIDs []string, what string) error {
	end, err := t.mayGrant(roleIDs, nil, what)
	if err != nil || end == nil {
		return err
	}
	return rbac.Errorf(rbac.EForbidden, "%s would outlive the caller's own holding of its permissions, which ends at %s",
		what, end.UTC().Format(time.RFC3339))
}

// mayChangeUsers applies the stronger-user rule: changing anything about a
// user (its status, identity, tokens, or taking roles or memberships away)
// needs the caller to hold every permission the user holds. What a disabled
// user would hold counts too: disabling must not be a way around the rule.
func (t *txn) mayChangeUsers(userIDs []string, what string) error {
	if free, err := t.unbound(); free {
		return err
	}
	held, err := t.heldPermissions(userIDs)
	if err != nil {
		return err
	}
	for _, id := range userIDs {
		if err := t.w.Caller.CanChangeUser(held[id], what+" "+id); err != nil {
			return err
		}
	}
	return nil
}

// mayChangeRole guards a role whole: changing any of its fields, or deleting
// it, needs the caller to hold its effective permissions as they are and, for
// an update, as they would be (perms and parents after it).
func (t *txn) mayChangeRole(roleID string, after *roleNode) error {
	if free, err := t.unbound(); free {
		return err
	}
	ids := []string{roleID}
	if after != nil {
		ids = append(ids, after.parents...)
	}
	g, err := t.graph(ids...)
	if err != nil {
		return err
	}
	need := g.permissions(roleID)
	if after != nil {
		need = append(need, after.perms...)
		need = append(need, g.permissions(after.parents...)...)
	}
	return t.w.Caller.CanDefine(rbac.SortedUnique(need), "changing role "+roleID)
}

// heldPermissions returns the permissions each user holds globally through
// its direct and group grants active now and the default roles, whatever its
// status.
func (t *txn) heldPermissions(userIDs []string) (map[string][]string, error) {
	now := micros(t.now)
	roles := map[string][]string{}
	for chunk := range slices.Chunk(userIDs, idChunk) {
		var direct []assignmentRow
		if err := t.tx.Select("user_id, role_id").Where("tenant_id = ? AND user_id IN ? AND org_id = ''", t.w.TenantID, chunk).
			Where("(expires_at IS NULL OR expires_at > ?) AND (not_before IS NULL OR not_before <= ?)", now, now).
			Find(&direct).Error; err != nil {
			return nil, err
		}
		for _, a := range direct {
			roles[a.UserID] = append(roles[a.UserID], a.RoleID)
		}
		var viaGroups []struct{ UserID, RoleID string }
		if err := t.tx.Table("group_members m").Select("m.user_id, a.role_id").
			Joins("JOIN group_assignments a ON a.tenant_id = m.tenant_id AND a.group_id = m.group_id").
			Where("m.tenant_id = ? AND m.user_id IN ?", t.w.TenantID, chunk).
			Where("a.org_id = '' AND (a.expires_at IS NULL OR a.expires_at > ?) AND (a.not_before IS NULL OR a.not_before <= ?)", now, now).
			Scan(&viaGroups).Error; err != nil {
			return nil, err
		}
		for _, a := range viaGroups {
			roles[a.UserID] = append(roles[a.UserID], a.RoleID)
		}
	}
	var all []string
	for _, rs := range roles {
		all = append(all, rs...)
	}
	g, err := loadRoleGraph(t.tx, t.w.TenantID, rbac.SortedUnique(all), true)
	if err != nil {
		return nil, err
	}
	defaults := g.defaults()
	out := make(map[string][]string, len(userIDs))
	for _, id := range userIDs {
		out[id] = g.permissions(append(roles[id], defaults...)...)
	}
	return out, nil
}

// keepAdmin is called by a write that could take the tenant's last
// administrator away (removing or replacing roles, single-role replacement,
// disabling, deleting): if the tenant has one now, write refuses to commit a
// result without one (409).
func (t *txn) keepAdmin() error {
	if t.adminsBefore != nil {
		return nil
	}
	n, err := countAdmins(t)
	t.adminsBefore = &n
	return err
}

// checkAdminKept is write's half of keepAdmin, run after the change.
func (t *txn) checkAdminKept() error {
	if t.adminsBefore == nil || *t.adminsBefore == 0 {
		return nil
	}
	n, err := countAdmins(t)
	if err != nil {
		return err
	}
	if n == 0 {
		return rbac.Errorf(rbac.EConflict, "this would leave the tenant without an administrator (an active user holding %s directly); "+
			"the operator can add one with POST /v1/tenants/%s/admins", rbac.AdminRoleID, t.w.TenantID)
	}
	return nil
}

// countAdmins counts the active users holding role_admin directly and
// globally, now.
func countAdmins(t *txn) (int64, error) {
	now := micros(t.now)
	var n int64
	err := t.tx.Table("assignments a").Joins("JOIN users u ON u.tenant_id = a.tenant_id AND u.id = a.user_id").
		Where("a.tenant_id = ? AND a.role_id = ? AND a.org_id = '' AND u.status = ?", t.w.TenantID, rbac.AdminRoleID, rbac.StatusActive).
		Where("(a.expires_at IS NULL OR a.expires_at > ?) AND (a.not_before IS NULL OR a.not_before <= ?)", now, now).
		Count(&n).Error
	return n, err
}

// mayJoin applies the grant policy to adding users to a group: they gain
// every role the group holds, for as long as they stay.
func (t *txn) mayJoin(groupID string) error {
	var roles []string
	if err := t.tx.Model(&groupAssignmentRow{}).Where("tenant_id = ? AND group_id = ? AND (expires_at IS NULL OR expires_at > ?)",
		t.w.TenantID, groupID, micros(t.now)).Distinct().Order("role_id").Pluck("role_id", &roles).Error; err != nil {
		return err
	}
	if len(roles) == 0 {
		return nil
	}
	return t.mayGrantForever(roles, "joining group "+groupID)
}

// mayChangeMembers applies the stronger-user rule to every member of the
// group: a change of its roles, or its deletion, changes what they hold.
func (t *txn) mayChangeMembers(groupID, what string) error {
	if free, err := t.unbound(); free {
		return err
	}
	var members []string
	if err := t.tx.Model(&groupMemberRow{}).Where("tenant_id = ? AND group_id = ?", t.w.TenantID, groupID).
		Order("user_id").Pluck("user_id", &members).Error; err != nil {
		return err
	}
	return t.mayChangeUsers(members, what+" of member")
}

// mayMint applies the stronger-user rule to a token for another user (the
// rules that depend on the minter's own token are the server's, in
// server/tokens.go).
func (t *txn) mayMint(in rbac.TokenInput) error {
	if in.UserID == t.w.Actor.UserID {
		return nil
	}
	return t.mayChangeUsers([]string{in.UserID}, "minting a token for user")
}
