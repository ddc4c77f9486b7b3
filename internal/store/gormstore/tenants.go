package gormstore

import (
	"context"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/rosterhq/roster/internal/auth"
	"github.com/rosterhq/roster/internal/rbac"
)

func (s *Store) CreateTenant(ctx context.Context, actor rbac.Actor, in rbac.TenantInput) (rbac.TenantCreated, error) {
	if err := in.Validate(); err != nil {
		return rbac.TenantCreated{}, err
	}
	mode := in.AssignmentMode
	if mode == "" {
		mode = rbac.ModeMultiple
	}
	var out rbac.TenantCreated
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		now := micros(s.now())
		row := tenantRow{ID: in.ID, Name: in.Name, AssignmentMode: mode, Revision: 1, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&row).Error; err != nil {
			if translate(err, "") != nil && rbac.IsCode(translate(err, ""), rbac.EConflict) {
				return rbac.Errorf(rbac.EConflict, "tenant %q already exists", in.ID)
			}
			return err
		}
		system := []roleRow{
			{TenantID: in.ID, ID: rbac.AdminRoleID, Name: "admin", NameKey: "admin", DisplayName: "Administrator",
				Description: "Every permission in the tenant.", System: true, Permissions: `["*:*"]`,
				Assignable: false, Version: 1, CreatedAt: now, UpdatedAt: now},
			{TenantID: in.ID, ID: rbac.MemberRoleID, Name: "member", NameKey: "member", DisplayName: "Member",
				Description: "Held by every active user.", System: true, Permissions: `[]`,
				Assignable: false, IsDefault: true, Version: 1, CreatedAt: now, UpdatedAt: now},
		}
		if err := tx.Create(&system).Error; err != nil {
			return err
		}
		details := map[string]any{"name": in.Name, "assignment_mode": mode}
		if in.Admin != nil {
			u := userRow{TenantID: in.ID, ID: auth.NewID("usr_"), Email: in.Admin.Email,
				EmailKey: strings.ToLower(in.Admin.Email), FirstName: in.Admin.FirstName, LastName: in.Admin.LastName,
				Status: rbac.StatusActive, Version: 1, CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(&u).Error; err != nil {
				return err
			}
			a := assignmentRow{TenantID: in.ID, UserID: u.ID, RoleID: rbac.AdminRoleID, AssignedBy: actor.ID(), AssignedAt: now}
			if err := tx.Create(&a).Error; err != nil {
				return err
			}
			tenantID, userID := in.ID, u.ID
			tok := tokenRow{ID: auth.NewID("tok_"), TenantID: &tenantID, UserID: &userID, Name: "admin",
				Hash: in.AdminTokenHash, CreatedAt: now, MintedBy: mintedBy(actor, u.ID)}
			if err := tx.Create(&tok).Error; err != nil {
				return err
			}
			admin := u.toDomain([]string{rbac.AdminRoleID})
			out.AdminUser, out.AdminTokenID = &admin, tok.ID
			details["admin_user_id"] = u.ID
		}
		out.Tenant = row.toDomain()
		if err := tx.Create(&auditRow{TenantID: in.ID, ID: auth.NewID("evt_"), At: now, ActorID: actor.ID(),
			Action: string(rbac.ActionTenantCreate), TargetType: string(rbac.TargetTenant), TargetID: in.ID, Details: eventDetails(actor, details),
			Revision: row.Revision}).Error; err != nil {
			return err
		}
		return recordBaseline(tx, in.ID, row.Revision, now)
	})
	return out, translate(err, "tenant")
}

func (s *Store) GetTenant(ctx context.Context, id string) (rbac.Tenant, error) {
	var row tenantRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return rbac.Tenant{}, translate(err, "tenant")
	}
	return row.toDomain(), nil
}

func (s *Store) ListTenants(ctx context.Context, p rbac.Page) ([]rbac.Tenant, string, error) {
	return listPage(s.db.WithContext(ctx), p, tenantRow.key, each(infallible(tenantRow.toDomain)))
}

func (s *Store) UpdateTenant(ctx context.Context, actor rbac.Actor, id string, p rbac.TenantPatch) (rbac.Tenant, error) {
	if err := p.Validate(); err != nil {
		return rbac.Tenant{}, err
	}
	var out rbac.Tenant
	_, err := s.write(ctx, rbac.Write{TenantID: id, Actor: actor}, func(t *txn) error {
		before := t.tenant
		if p.Name != nil {
			t.tenant.Name = *p.Name
		}
		if p.AssignmentMode != nil && *p.AssignmentMode != t.tenant.AssignmentMode {
			if *p.AssignmentMode == rbac.ModeSingle {
				if err := checkSingleMode(t); err != nil {
					return err
				}
			}
			t.tenant.AssignmentMode = *p.AssignmentMode
		}
		if t.tenant == before {
			out = before.toDomain()
			return nil
		}
		t.tenant.UpdatedAt = micros(t.now)
		if err := t.tx.Model(&tenantRow{}).Where("id = ?", id).
			Updates(map[string]any{"name": t.tenant.Name, "assignment_mode": t.tenant.AssignmentMode,
				"updated_at": t.tenant.UpdatedAt}).Error; err != nil {
			return err
		}
		t.audit(rbac.ActionTenantUpdate, rbac.TargetTenant, id, map[string]any{
			"before": map[string]any{"name": before.Name, "assignment_mode": before.AssignmentMode},
			"after":  map[string]any{"name": t.tenant.Name, "assignment_mode": t.tenant.AssignmentMode}})
		out = t.tenant.toDomain()
		out.Revision++
		return nil
	})
	return out, err
}

// checkSingleMode refuses a switch to single-role mode while any user holds
// several direct roles in one scope.
func checkSingleMode(t *txn) error {
	type clash struct {
		UserID string
		OrgID  string
		N      int
	}
	var clashes []clash
	if err := t.tx.Model(&assignmentRow{}).Select("user_id, org_id, count(*) as n").
		Where("tenant_id = ? AND (expires_at IS NULL OR expires_at > ?)", t.w.TenantID, micros(t.now)).
		Group("user_id, org_id").Having("count(*) > 1").Order("user_id").Limit(5).Scan(&clashes).Error; err != nil {
		return err
	}
	if len(clashes) == 0 {
		return nil
	}
	var users []string // a user clashing in two scopes is named once
	for _, c := range clashes {
		if !slices.Contains(users, c.UserID) {
			users = append(users, c.UserID)
		}
	}
	return rbac.Errorf(rbac.EConflict, "users hold several roles in one scope: %s", strings.Join(users, ", "))
}

func (s *Store) DeleteTenant(ctx context.Context, id string) error {
	return translate(s.transaction(ctx, func(tx *gorm.DB) error {
		// Tokens have no cascading foreign key to tenants (the operator's has none).
		if err := tx.Where("tenant_id = ?", id).Delete(&tokenRow{}).Error; err != nil {
			return err
		}
		res := tx.Where("id = ?", id).Delete(&tenantRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return rbac.NotFound("tenant")
		}
		return nil
	}), "tenant")
}
