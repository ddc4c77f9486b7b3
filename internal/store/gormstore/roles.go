package gormstore

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/rosterhq/roster/internal/rbac"
)

func (s *Store) ListRoles(ctx context.Context, tenantID string, f rbac.RoleFilter) ([]rbac.Role, string, error) {
	if _, err := s.GetTenant(ctx, tenantID); err != nil {
		return nil, "", err
	}
	db := s.db.WithContext(ctx)
	q := db.Where("tenant_id = ?", tenantID)
	if f.Search != "" {
		like := "%" + escapeLike(strings.ToLower(f.Search)) + "%"
		q = q.Where("(name_key LIKE ? ESCAPE '\\' OR lower(display_name) LIKE ? ESCAPE '\\')", like, like)
	}
	switch f.Type {
	case "system":
		q = q.Where("system = ?", true)
	case "custom":
		q = q.Where("system = ?", false)
	}
	return listPage(q, f.Page, roleRow.key, func(rows []roleRow) ([]rbac.Role, error) { return s.hydrateRoles(db, tenantID, rows) })
}

func (s *Store) GetRole(ctx context.Context, tenantID, roleID string) (rbac.Role, error) {
	return s.getRole(s.db.WithContext(ctx), tenantID, roleID)
}

func (s *Store) getRole(db *gorm.DB, tenantID, roleID string) (rbac.Role, error) {
	return getOne(db, "role", tenantID, roleID, func(rows []roleRow) ([]rbac.Role, error) { return s.hydrateRoles(db, tenantID, rows) })
}

// hydrateRoles adds parents and user counts to a page of roles in two queries.
func (s *Store) hydrateRoles(db *gorm.DB, tenantID string, rows []roleRow) ([]rbac.Role, error) {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var edges []roleParentRow
	if err := db.Where("tenant_id = ? AND role_id IN ?", tenantID, ids).Order("parent_id").Find(&edges).Error; err != nil {
		return nil, translate(err, "")
	}
	parents := map[string][]string{}
	for _, e := range edges {
		parents[e.RoleID] = append(parents[e.RoleID], e.ParentID)
	}
	type count struct {
		RoleID string
		N      int
	}
	var counts []count
	if err := db.Model(&assignmentRow{}).Select("role_id, count(distinct user_id) as n").
		Where("tenant_id = ? AND role_id IN ? AND (expires_at IS NULL OR expires_at > ?)", tenantID, ids, micros(s.now())).
		Group("role_id").Scan(&counts).Error; err != nil {
		return nil, translate(err, "")
	}
	n := map[string]int{}
	for _, c := range counts {
		n[c.RoleID] = c.N
	}
	out := make([]rbac.Role, len(rows))
	for i, r := range rows {
		var err error
		if out[i], err = r.toDomain(parents[r.ID], n[r.ID]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Store) CreateRole(ctx context.Context, w rbac.Write, in rbac.RoleInput) (rbac.Role, int64, error) {
	if err := in.Validate(); err != nil {
		return rbac.Role{}, 0, err
	}
	perms := rbac.UniquePermissions(in.Permissions)
	meta, _ := rbac.EncodeMetadata(in.Metadata) // valid: Validate encoded it
	var out rbac.Role
	rev, err := s.write(ctx, w, func(t *txn) error {
		parents, err := checkParents(t, "", in.InheritsFrom)
		if err != nil {
			return err
		}
		g, err := t.graph(parents...)
		if err != nil {
			return err
		}
		if err := t.w.Caller.CanDefine(rbac.SortedUnique(append(slices.Clone(perms), g.permissions(parents...)...)),
			"creating role "+in.Name); err != nil {
			return err
		}
		var taken int64
		if err := t.tx.Model(&roleRow{}).Where("tenant_id = ? AND name_key = ?", w.TenantID, strings.ToLower(in.Name)).
			Count(&taken).Error; err != nil {
			return err
		}
		if taken > 0 {
			return rbac.Errorf(rbac.EConflict, "a role named %q already exists (names are unique ignoring case)", in.Name)
		}
		now := micros(t.now)
		row := roleRow{TenantID: w.TenantID, ID: rbac.RoleIDFor(in.Name), Name: in.Name, NameKey: strings.ToLower(in.Name),
			DisplayName: in.DisplayName, Description: in.Description, Permissions: mustJSON(perms),
			Assignable: in.Assignable, Metadata: meta, Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := t.tx.Create(&row).Error; err != nil {
			return err
		}
		if err := setParents(t, row.ID, parents); err != nil {
			return err
		}
		if out, err = row.toDomain(parents, 0); err != nil {
			return err
		}
		t.audit(rbac.ActionRoleCreate, rbac.TargetRole, row.ID, map[string]any{"after": roleDetails(out)})
		return nil
	})
	return out, rev, err
}

func (s *Store) UpdateRole(ctx context.Context, w rbac.Write, roleID string, p rbac.RolePatch) (rbac.Role, int64, error) {
	if err := p.Validate(); err != nil {
		return rbac.Role{}, 0, err
	}
	var out rbac.Role
	rev, err := s.write(ctx, w, func(t *txn) error {
		var parents []string
		if p.InheritsFrom != nil {
			var err error
			if parents, err = checkParents(t, roleID, *p.InheritsFrom); err != nil {
				return err
			}
		}
		before, err := s.getRole(t.tx, w.TenantID, roleID)
		if err != nil {
			return err
		}
		after, changed := p.Apply(before) // parents as checkParents returns them: sorted, unique
		if err := rbac.CheckRoleChange(p, before, after); err != nil {
			return err
		}
		if err := checkIfMatch(w.IfMatch, before.Version); err != nil {
			return err
		}
		if !changed {
			out = before
			return nil
		}
		if err := t.mayChangeRole(roleID, &roleNode{perms: after.Permissions, parents: after.InheritsFrom}); err != nil {
			return err
		}
		if before.Assignable && !after.Assignable {
			heirs, err := heirs(t.tx, w.TenantID, roleID)
			if err != nil {
				return err
			}
			if len(heirs) > 0 {
				return rbac.Errorf(rbac.EConflict, "roles inherit from %s, so it must stay assignable: %s", roleID, strings.Join(heirs, ", "))
			}
		}
		if p.InheritsFrom != nil {
			if err := checkCycle(t, roleID, parents); err != nil {
				return err
			}
			if err := setParents(t, roleID, parents); err != nil {
				return err
			}
		}
		after.Version++
		after.UpdatedAt = t.now
		updates := map[string]any{"display_name": after.DisplayName, "description": after.Description,
			"permissions": mustJSON(after.Permissions), "assignable": after.Assignable,
			"version": after.Version, "updated_at": micros(t.now)}
		if p.Metadata != nil {
			updates["metadata"], _ = rbac.EncodeMetadata(after.Metadata) // valid: Validate encoded it
		}
		out = after
		return t.saveUpdate(&roleRow{}, roleID, updates, rbac.ActionRoleUpdate, rbac.TargetRole, roleDetails(before), roleDetails(after))
	})
	return out, rev, err
}

func (s *Store) DeleteRole(ctx context.Context, w rbac.Write, roleID string) (int64, error) {
	return s.write(ctx, w, func(t *txn) error {
		role, err := s.getRole(t.tx, w.TenantID, roleID)
		if err != nil {
			return err
		}
		if err := checkIfMatch(w.IfMatch, role.Version); err != nil {
			return err
		}
		if role.System {
			return rbac.Invalid("role_id", "system roles cannot be deleted")
		}
		if err := t.mayChangeRole(roleID, nil); err != nil {
			return err
		}
		var children []string
		if err := t.tx.Model(&roleParentRow{}).Where("tenant_id = ? AND parent_id = ?", w.TenantID, roleID).
			Order("role_id").Limit(10).Pluck("role_id", &children).Error; err != nil {
			return err
		}
		if len(children) > 0 {
			return rbac.Errorf(rbac.EConflict, "roles inherit from %s: %s", roleID, strings.Join(children, ", "))
		}
		var holders []string
		if err := t.tx.Model(&assignmentRow{}).Where("tenant_id = ? AND role_id = ?", w.TenantID, roleID).
			Distinct().Order("user_id").Pluck("user_id", &holders).Error; err != nil {
			return err
		}
		res := t.tx.Where("tenant_id = ? AND role_id = ?", w.TenantID, roleID).Delete(&assignmentRow{})
		if res.Error != nil {
			return res.Error
		}
		groups, nGroupAssign, err := removeRoleFromGroups(t, roleID)
		if err != nil {
			return err
		}
		if err := t.tx.Where("tenant_id = ? AND id = ?", w.TenantID, roleID).Delete(&roleRow{}).Error; err != nil {
			return err
		}
		t.audit(rbac.ActionRoleDelete, rbac.TargetRole, roleID, map[string]any{"before": roleDetails(role),
			"removed_assignments": res.RowsAffected, "affected_users": holders,
			"removed_group_assignments": nGroupAssign, "affected_groups": groups})
		return nil
	})
}

func roleDetails(r rbac.Role) map[string]any {
	d := map[string]any{"name": r.Name, "display_name": r.DisplayName, "description": r.Description,
		"permissions": r.Permissions, "inherits_from": r.InheritsFrom, "assignable": r.Assignable}
	if r.Metadata != nil {
		d["metadata"] = r.Metadata
	}
	// Round-trip through JSON so before/after compare the way they are stored.
	var out map[string]any
	_ = json.Unmarshal([]byte(mustJSON(d)), &out)
	return out
}
