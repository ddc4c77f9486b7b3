package gormstore

import (
	"context"
	"maps"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/rosterhq/roster/internal/rbac"
)

// A role's assignee list may name 10,000 users (the spec's maxItems). Every
// step below works on the whole list in chunks of idChunk ids — a fixed
// number of statements per thousand users, never one per user — so the
// request stays one short transaction.

// grantBatch is how many assignment rows one INSERT carries: nine columns a
// row keeps a statement far below SQLite's 32,766 parameters.
const grantBatch = 500

func (s *Store) ListRoleAssignees(ctx context.Context, tenantID, roleID string, p rbac.Page) ([]rbac.User, string, error) {
	db := s.db.WithContext(ctx)
	if _, err := roleAssignable(db, tenantID, roleID); err != nil {
		return nil, "", err
	}
	holders := db.Model(&assignmentRow{}).Select("user_id").
		Where("tenant_id = ? AND role_id = ? AND org_id = '' AND (expires_at IS NULL OR expires_at > ?)", tenantID, roleID, micros(s.now()))
	return listPage(db.Where("tenant_id = ? AND id IN (?)", tenantID, holders), p, userRow.key,
		func(rows []userRow) ([]rbac.User, error) { return s.hydrateUsers(db, tenantID, rows) })
}

// assigneeOp is one of the three writes of the relationship, named by its
// audit action.
type assigneeOp = rbac.Action

const (
	assigneesAdd     = rbac.ActionRoleAssigneesAdd
	assigneesReplace = rbac.ActionRoleAssigneesSet
	assigneesRemove  = rbac.ActionRoleAssigneesRemove
)

func (s *Store) AddRoleAssignees(ctx context.Context, w rbac.Write, roleID string, userIDs []string) (int64, error) {
	return s.changeAssignees(ctx, w, roleID, userIDs, assigneesAdd)
}

func (s *Store) ReplaceRoleAssignees(ctx context.Context, w rbac.Write, roleID string, userIDs []string) (int64, error) {
	return s.changeAssignees(ctx, w, roleID, userIDs, assigneesReplace)
}

func (s *Store) RemoveRoleAssignees(ctx context.Context, w rbac.Write, roleID string, userIDs []string) (int64, error) {
	return s.changeAssignees(ctx, w, roleID, userIDs, assigneesRemove)
}

func (s *Store) changeAssignees(ctx context.Context, w rbac.Write, roleID string, userIDs []string, op assigneeOp) (int64, error) {
	return s.write(ctx, w, func(t *txn) error {
		if err := checkMembers(t, userIDs); err != nil {
			return err
		}
		assignable, err := roleAssignable(t.tx, w.TenantID, roleID)
		if err != nil {
			return err
		}
		if op != assigneesRemove && !assignable {
			return rbac.Invalid("role_id", "role is not assignable")
		}
		among := userIDs
		if op == assigneesReplace {
			among = nil // every holder: those left out of the list lose the role
		}
		holders, err := roleHolders(t, roleID, among)
		if err != nil {
			return err
		}
		listed := make(map[string]bool, len(userIDs))
		added := []string{}
		for _, id := range userIDs {
			listed[id] = true
			if !holders[id] && op != assigneesRemove {
				added = append(added, id)
			}
		}
		removed := []string{}
		for id := range holders {
			if op == assigneesRemove || (op == assigneesReplace && !listed[id]) {
				removed = append(removed, id)
			}
		}
		var end *time.Time
		if len(added) > 0 {
			if end, err = t.mayGrant([]string{roleID}, nil, "data"); err != nil {
				return err
			}
		}
		if len(removed) > 0 {
			if err := t.mayChangeUsers(removed, "taking "+roleID+" from user"); err != nil {
				return err
			}
			if err := t.keepAdmin(); err != nil {
				return err
			}
		}
		var replaced map[string][]string
		if op != assigneesRemove && t.tenant.AssignmentMode == rbac.ModeSingle {
			if replaced, err = dropOtherGlobalRoles(t, roleID, userIDs); err != nil {
				return err
			}
		}
		if len(added) == 0 && len(removed) == 0 && len(replaced) == 0 {
			return nil
		}
		if err := deleteGlobalGrants(t, roleID, removed); err != nil {
			return err
		}
		// An added user may still have an expired row of the role, which
		// would block the new one; expired rows count nowhere, so the role's
		// go in one statement rather than a lookup per added user.
		if len(added) > 0 {
			if err := t.tx.Where("tenant_id = ? AND role_id = ? AND org_id = '' AND expires_at <= ?", w.TenantID, roleID, micros(t.now)).
				Delete(&assignmentRow{}).Error; err != nil {
				return err
			}
		}
		if err := insertGlobalGrants(t, roleID, added, end); err != nil {
			return err
		}
		affected := slices.Concat(added, removed, slices.Collect(maps.Keys(replaced)))
		slices.Sort(affected)
		affected = slices.Compact(affected)
		if err := touchUsers(t, affected); err != nil {
			return err
		}
		slices.Sort(added)
		slices.Sort(removed)
		details := map[string]any{"role_id": roleID, "added": added, "removed": removed, affectedUsers: affected}
		if replaced != nil {
			details["replaced"] = replaced
		}
		t.audit(op, rbac.TargetRole, roleID, details)
		return nil
	})
}

// roleAssignable reports whether the role may be granted through the API;
// ENotFound when the tenant has no such role.
func roleAssignable(db *gorm.DB, tenantID, roleID string) (bool, error) {
	var row roleRow
	if err := db.Select("id, assignable").Where("tenant_id = ? AND id = ?", tenantID, roleID).Take(&row).Error; err != nil {
		return false, translate(err, "role")
	}
	return row.Assignable, nil
}

// roleHolders returns the users holding the role directly and globally (not
// expired), among userIDs, or all of them when userIDs is nil.
func roleHolders(t *txn, roleID string, userIDs []string) (map[string]bool, error) {
	q := func() *gorm.DB {
		return t.tx.Model(&assignmentRow{}).Where("tenant_id = ? AND role_id = ? AND org_id = '' AND (expires_at IS NULL OR expires_at > ?)",
			t.w.TenantID, roleID, micros(t.now))
	}
	have := map[string]bool{}
	collect := func(db *gorm.DB) error {
		var ids []string
		if err := db.Pluck("user_id", &ids).Error; err != nil {
			return err
		}
		for _, id := range ids {
			have[id] = true
		}
		return nil
	}
	if userIDs == nil {
		return have, collect(q())
	}
	for chunk := range slices.Chunk(userIDs, idChunk) {
		if err := collect(q().Where("user_id IN ?", chunk)); err != nil {
			return nil, err
		}
	}
	return have, nil
}

// dropOtherGlobalRoles removes the users' global direct assignments of every
// role but roleID (single-role tenants) and returns, per user, the roles
// that counted (expired rows go silently).
func dropOtherGlobalRoles(t *txn, roleID string, userIDs []string) (map[string][]string, error) {
	replaced := map[string][]string{}
	others := func(chunk []string) *gorm.DB {
		return t.tx.Model(&assignmentRow{}).Where("tenant_id = ? AND org_id = '' AND role_id <> ? AND user_id IN ?",
			t.w.TenantID, roleID, chunk)
	}
	for chunk := range slices.Chunk(userIDs, idChunk) {
		var rows []assignmentRow
		if err := others(chunk).Select("user_id, role_id").Where("expires_at IS NULL OR expires_at > ?", micros(t.now)).
			Order("user_id, role_id").Find(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			replaced[r.UserID] = append(replaced[r.UserID], r.RoleID)
		}
	}
	if len(replaced) > 0 {
		// Moving users off their roles takes those roles away.
		if err := t.mayChangeUsers(slices.Sorted(maps.Keys(replaced)), "replacing the role of user"); err != nil {
			return nil, err
		}
		if err := t.keepAdmin(); err != nil {
			return nil, err
		}
	}
	for chunk := range slices.Chunk(userIDs, idChunk) {
		if err := others(chunk).Delete(&assignmentRow{}).Error; err != nil {
			return nil, err
		}
	}
	return replaced, nil
}

func deleteGlobalGrants(t *txn, roleID string, userIDs []string) error {
	for chunk := range slices.Chunk(userIDs, idChunk) {
		if err := t.tx.Where("tenant_id = ? AND role_id = ? AND org_id = '' AND user_id IN ?", t.w.TenantID, roleID, chunk).
			Delete(&assignmentRow{}).Error; err != nil {
			return err
		}
	}
	return nil
}

func insertGlobalGrants(t *txn, roleID string, userIDs []string, end *time.Time) error {
	if len(userIDs) == 0 {
		return nil
	}
	rows := make([]assignmentRow, len(userIDs))
	for i, id := range userIDs {
		rows[i] = assignmentRow{TenantID: t.w.TenantID, UserID: id, RoleID: roleID, ExpiresAt: microsPtr(end),
			AssignedBy: t.w.Actor.ID(), AssignedAt: micros(t.now)}
	}
	return t.tx.CreateInBatches(rows, grantBatch).Error
}

// touchUsers moves the version of each user (their ETags cover their roles).
func touchUsers(t *txn, userIDs []string) error {
	for chunk := range slices.Chunk(userIDs, idChunk) {
		if err := t.tx.Exec("UPDATE users SET version = version + 1, updated_at = ? WHERE tenant_id = ? AND id IN ?",
			micros(t.now), t.w.TenantID, chunk).Error; err != nil {
			return err
		}
	}
	return nil
}

// nonNilIDs makes an empty id list read [] rather than null in audit details.
func nonNilIDs(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}
