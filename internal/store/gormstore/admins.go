package gormstore

import (
	"context"
	"strings"

	"github.com/rosterhq/roster/internal/auth"
	"github.com/rosterhq/roster/internal/rbac"
)

// AddTenantAdmin is the operator's way back into a tenant (docs/security.md, "the last
// administrator"): in one write, the user with in.Email (made if the tenant
// has none, enabled if disabled) holds role_admin directly, globally and
// without end, and gets a new unscoped token whose hash is tokenHash. It is
// the only write that grants role_admin, which is not assignable.
func (s *Store) AddTenantAdmin(ctx context.Context, w rbac.Write, in rbac.UserInput, tokenHash string) (rbac.User, int64, error) {
	if err := in.Validate(); err != nil {
		return rbac.User{}, 0, err
	}
	if tokenHash == "" {
		return rbac.User{}, 0, rbac.Errorf(rbac.EInternal, "token hash missing")
	}
	var out rbac.User
	rev, err := s.write(ctx, w, func(t *txn) error {
		now := micros(t.now)
		var rows []userRow
		if err := t.tx.Where("tenant_id = ? AND email_key = ?", w.TenantID, strings.ToLower(in.Email)).Limit(1).Find(&rows).Error; err != nil {
			return err
		}
		var u userRow
		created := len(rows) == 0
		if created {
			u = userRow{TenantID: w.TenantID, ID: auth.NewID("usr_"), Email: in.Email, EmailKey: strings.ToLower(in.Email),
				FirstName: in.FirstName, LastName: in.LastName, Status: rbac.StatusActive, Version: 1, CreatedAt: now, UpdatedAt: now}
			if err := t.tx.Create(&u).Error; err != nil {
				return err
			}
		} else {
			u = rows[0]
			if err := t.tx.Model(&userRow{}).Where("tenant_id = ? AND id = ?", w.TenantID, u.ID).
				Updates(map[string]any{"status": rbac.StatusActive, "version": u.Version + 1, "updated_at": now}).Error; err != nil {
				return err
			}
		}
		if t.tenant.AssignmentMode == rbac.ModeSingle {
			if _, err := removeOthersInScope(t, u.ID, rbac.AdminRoleID, ""); err != nil {
				return err
			}
		}
		if _, _, err := upsertGrant(t, userGrants, u.ID, rbac.AssignmentInput{RoleID: rbac.AdminRoleID,
			Reason: "restored by the operator"}); err != nil {
			return err
		}
		tenantID, userID := w.TenantID, u.ID
		tok := tokenRow{ID: auth.NewID("tok_"), TenantID: &tenantID, UserID: &userID, Name: "admin", Hash: tokenHash,
			CreatedAt: now, MintedBy: mintedBy(w.Actor, u.ID)}
		if err := t.tx.Create(&tok).Error; err != nil {
			return err
		}
		user, err := s.getUser(t.tx, w.TenantID, u.ID)
		if err != nil {
			return err
		}
		out = user
		t.audit(rbac.ActionTenantAdminAdd, rbac.TargetUser, u.ID, map[string]any{"created": created, "token_id": tok.ID,
			"after": userDetails(user)})
		return nil
	})
	return out, rev, err
}
