package gormstore

import (
	"context"

	"github.com/rosterhq/roster/internal/rbac"
)

func (s *Store) ListGroupAssignments(ctx context.Context, tenantID, groupID string, p rbac.Page) ([]rbac.Assignment, string, error) {
	db := s.db.WithContext(ctx)
	if _, err := getGroupRow(db, tenantID, groupID); err != nil {
		return nil, "", err
	}
	return s.listGrants(db, groupGrants, tenantID, groupID, p)
}

func (s *Store) AssignGroup(ctx context.Context, w rbac.Write, groupID string, in rbac.AssignmentInput) (rbac.Assignment, bool, int64, error) {
	var out rbac.Assignment
	var created bool
	rev, err := s.write(ctx, w, func(t *txn) error {
		if err := s.checkAssignmentInput(t, "", &in); err != nil {
			return err
		}
		if _, err := getGroupRow(t.tx, w.TenantID, groupID); err != nil {
			return err
		}
		var changed bool
		var err error
		if created, changed, err = upsertGrant(t, groupGrants, groupID, in); err != nil {
			return err
		}
		if changed {
			action := rbac.ActionGroupAssignmentUpdate
			if created {
				action = rbac.ActionGroupAssignmentCreate
			}
			t.audit(action, rbac.TargetGroup, groupID, assignmentDetails(groupGrants, groupID, in))
		}
		out, err = readGrant(t, groupGrants, groupID, in.RoleID, in.OrganizationID)
		return err
	})
	return out, created, rev, err
}

func (s *Store) UnassignGroup(ctx context.Context, w rbac.Write, groupID, roleID, orgID string) (int64, error) {
	return s.write(ctx, w, func(t *txn) error {
		if _, err := getGroupRow(t.tx, w.TenantID, groupID); err != nil {
			return err
		}
		if err := t.mayChangeMembers(groupID, "taking "+roleID+" from group "+groupID); err != nil {
			return err
		}
		res := groupGrants.one(t.tx, w.TenantID, groupID, roleID, orgID).
			Where("expires_at IS NULL OR expires_at > ?", micros(t.now)).Delete(&groupAssignmentRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return rbac.Errorf(rbac.ENotFound, "group %q does not hold %q in that scope", groupID, roleID)
		}
		t.audit(rbac.ActionGroupAssignmentDelete, rbac.TargetGroup, groupID, map[string]any{"group_id": groupID, "role_id": roleID, "organization_id": orgID})
		return nil
	})
}

// removeRoleFromGroups deletes every group assignment of a role (DeleteRole),
// returning the groups that held it and how many assignments went.
func removeRoleFromGroups(t *txn, roleID string) ([]string, int64, error) {
	var groups []string
	if err := t.tx.Model(&groupAssignmentRow{}).Where("tenant_id = ? AND role_id = ?", t.w.TenantID, roleID).
		Distinct().Order("group_id").Pluck("group_id", &groups).Error; err != nil {
		return nil, 0, err
	}
	res := t.tx.Where("tenant_id = ? AND role_id = ?", t.w.TenantID, roleID).Delete(&groupAssignmentRow{})
	return groups, res.RowsAffected, res.Error
}
