package gormstore

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"github.com/rosterhq/roster/internal/auth"
	"github.com/rosterhq/roster/internal/rbac"
)

func (s *Store) ListGroups(ctx context.Context, tenantID string, f rbac.GroupFilter) ([]rbac.Group, string, error) {
	if _, err := s.GetTenant(ctx, tenantID); err != nil {
		return nil, "", err
	}
	db := s.db.WithContext(ctx)
	q := db.Where("tenant_id = ?", tenantID)
	if f.Search != "" {
		like := "%" + escapeLike(strings.ToLower(f.Search)) + "%"
		q = q.Where("(name_key LIKE ? ESCAPE '\\' OR lower(description) LIKE ? ESCAPE '\\')", like, like)
	}
	if f.Name != "" {
		q = q.Where("name_key = ?", strings.ToLower(f.Name))
	}
	if f.ExternalID != "" {
		q = q.Where("external_id = ?", f.ExternalID)
	}
	if f.Member != "" {
		q = q.Where("id IN (?)", db.Model(&groupMemberRow{}).Select("group_id").
			Where("tenant_id = ? AND user_id = ?", tenantID, f.Member))
	}
	return listPage(q, f.Page, groupRow.key, func(rows []groupRow) ([]rbac.Group, error) { return hydrateGroups(db, tenantID, rows) })
}

func (s *Store) GetGroup(ctx context.Context, tenantID, groupID string) (rbac.Group, error) {
	return getGroup(s.db.WithContext(ctx), tenantID, groupID)
}

func getGroup(db *gorm.DB, tenantID, groupID string) (rbac.Group, error) {
	return getOne(db, "group", tenantID, groupID, func(rows []groupRow) ([]rbac.Group, error) { return hydrateGroups(db, tenantID, rows) })
}

func getGroupRow(db *gorm.DB, tenantID, groupID string) (groupRow, error) {
	var row groupRow
	err := db.Where("tenant_id = ? AND id = ?", tenantID, groupID).Take(&row).Error
	return row, translate(err, "group")
}

// hydrateGroups adds member counts to a page of groups in one query.
func hydrateGroups(db *gorm.DB, tenantID string, rows []groupRow) ([]rbac.Group, error) {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	type count struct {
		GroupID string
		N       int
	}
	var counts []count
	if err := db.Model(&groupMemberRow{}).Select("group_id, count(*) AS n").
		Where("tenant_id = ? AND group_id IN ?", tenantID, ids).Group("group_id").Scan(&counts).Error; err != nil {
		return nil, translate(err, "")
	}
	n := map[string]int{}
	for _, c := range counts {
		n[c.GroupID] = c.N
	}
	out := make([]rbac.Group, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain(n[r.ID])
	}
	return out, nil
}

func (s *Store) CreateGroup(ctx context.Context, w rbac.Write, in rbac.GroupInput) (rbac.Group, int64, error) {
	if err := in.Validate(); err != nil {
		return rbac.Group{}, 0, err
	}
	var out rbac.Group
	rev, err := s.write(ctx, w, func(t *txn) error {
		if err := checkGroupName(t, "", in.Name); err != nil {
			return err
		}
		now := micros(t.now)
		row := groupRow{TenantID: w.TenantID, ID: auth.NewID("grp_"), Name: in.Name, NameKey: strings.ToLower(in.Name),
			Description: in.Description, ExternalID: strPtr(in.ExternalID), Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := t.tx.Create(&row).Error; err != nil {
			return err
		}
		out = row.toDomain(0)
		t.audit(rbac.ActionGroupCreate, rbac.TargetGroup, row.ID, map[string]any{"after": groupDetails(out)})
		return nil
	})
	return out, rev, err
}

func (s *Store) UpdateGroup(ctx context.Context, w rbac.Write, groupID string, p rbac.GroupPatch) (rbac.Group, int64, error) {
	if err := p.Validate(); err != nil {
		return rbac.Group{}, 0, err
	}
	var out rbac.Group
	rev, err := s.write(ctx, w, func(t *txn) error {
		before, err := getGroup(t.tx, w.TenantID, groupID)
		if err != nil {
			return err
		}
		if err := checkIfMatch(w.IfMatch, before.Version); err != nil {
			return err
		}
		after, changed := p.Apply(before)
		if !changed {
			out = before
			return nil
		}
		if after.Name != before.Name {
			if err := checkGroupName(t, groupID, after.Name); err != nil {
				return err
			}
		}
		after.Version++
		after.UpdatedAt = t.now
		out = after
		return t.saveUpdate(&groupRow{}, groupID, map[string]any{
			"name": after.Name, "name_key": strings.ToLower(after.Name), "description": after.Description,
			"external_id": strPtr(after.ExternalID),
			"version":     after.Version, "updated_at": micros(t.now)},
			rbac.ActionGroupUpdate, rbac.TargetGroup, groupDetails(before), groupDetails(after))
	})
	return out, rev, err
}

func (s *Store) DeleteGroup(ctx context.Context, w rbac.Write, groupID string) (int64, error) {
	return s.write(ctx, w, func(t *txn) error {
		group, err := getGroup(t.tx, w.TenantID, groupID)
		if err != nil {
			return err
		}
		if err := checkIfMatch(w.IfMatch, group.Version); err != nil {
			return err
		}
		if err := t.mayChangeMembers(groupID, "deleting group "+groupID); err != nil {
			return err
		}
		var nAssign int64
		if err := t.tx.Model(&groupAssignmentRow{}).Where("tenant_id = ? AND group_id = ?", w.TenantID, groupID).
			Count(&nAssign).Error; err != nil {
			return err
		}
		// Memberships and assignments go with the group through ON DELETE CASCADE.
		if err := t.tx.Where("tenant_id = ? AND id = ?", w.TenantID, groupID).Delete(&groupRow{}).Error; err != nil {
			return err
		}
		t.audit(rbac.ActionGroupDelete, rbac.TargetGroup, groupID, map[string]any{"before": groupDetails(group),
			"removed_members": group.MemberCount, "removed_assignments": nAssign})
		return nil
	})
}

// checkGroupName: group names are unique per tenant ignoring case.
func checkGroupName(t *txn, self, name string) error {
	var n int64
	if err := t.tx.Model(&groupRow{}).Where("tenant_id = ? AND name_key = ? AND id <> ?", t.w.TenantID, strings.ToLower(name), self).
		Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return rbac.Errorf(rbac.EConflict, "a group named %q already exists (names are unique ignoring case)", name)
	}
	return nil
}

// touchGroup moves the group's version: its ETag covers member_count too.
func touchGroup(t *txn, groupID string) error {
	return t.tx.Exec("UPDATE groups SET version = version + 1, updated_at = ? WHERE tenant_id = ? AND id = ?",
		micros(t.now), t.w.TenantID, groupID).Error
}

func groupDetails(g rbac.Group) map[string]any {
	d := map[string]any{"name": g.Name, "description": g.Description}
	if g.ExternalID != "" {
		d["external_id"] = g.ExternalID
	}
	return d
}
