package gormstore

import (
	"context"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/rosterhq/roster/internal/auth"
	"github.com/rosterhq/roster/internal/rbac"
)

func (s *Store) ListUsers(ctx context.Context, tenantID string, f rbac.UserFilter) ([]rbac.User, string, error) {
	if _, err := s.GetTenant(ctx, tenantID); err != nil {
		return nil, "", err
	}
	db := s.db.WithContext(ctx)
	q := db.Where("tenant_id = ?", tenantID)
	if f.Search != "" {
		like := "%" + escapeLike(strings.ToLower(f.Search)) + "%"
		q = q.Where("(email_key LIKE ? ESCAPE '\\' OR lower(first_name) LIKE ? ESCAPE '\\' OR lower(last_name) LIKE ? ESCAPE '\\')", like, like, like)
	}
	if f.Username != "" {
		q = q.Where("username_key = ?", strings.ToLower(f.Username))
	}
	if f.Email != "" {
		q = q.Where("email_key = ?", strings.ToLower(f.Email))
	}
	if f.ExternalUserID != "" {
		q = q.Where("external_user_id = ?", f.ExternalUserID)
	}
	if f.Login != "" {
		// A UNION rather than an OR, so that each arm uses its index.
		key := strings.ToLower(f.Login)
		q = q.Where("id IN (SELECT id FROM users WHERE tenant_id = ? AND username_key = ? "+
			"UNION SELECT id FROM users WHERE tenant_id = ? AND email_key = ? AND username_key IS NULL)", tenantID, key, tenantID, key)
	}
	if f.GroupID != "" {
		if _, err := getGroupRow(db, tenantID, f.GroupID); err != nil {
			return nil, "", err
		}
		q = q.Where("id IN (?)", db.Model(&groupMemberRow{}).Select("user_id").
			Where("tenant_id = ? AND group_id = ?", tenantID, f.GroupID))
	}
	if f.RoleID != "" {
		q = q.Where("id IN (?)", db.Model(&assignmentRow{}).Select("user_id").
			Where("tenant_id = ? AND role_id = ? AND (expires_at IS NULL OR expires_at > ?)", tenantID, f.RoleID, micros(s.now())))
	}
	return listPage(q, f.Page, userRow.key, func(rows []userRow) ([]rbac.User, error) { return s.hydrateUsers(db, tenantID, rows) })
}

func (s *Store) GetUser(ctx context.Context, tenantID, userID string) (rbac.User, error) {
	return s.getUser(s.db.WithContext(ctx), tenantID, userID)
}

func (s *Store) getUser(db *gorm.DB, tenantID, userID string) (rbac.User, error) {
	return getOne(db, "user", tenantID, userID, func(rows []userRow) ([]rbac.User, error) { return s.hydrateUsers(db, tenantID, rows) })
}

// hydrateUsers adds each user's active global direct roles, in one query.
func (s *Store) hydrateUsers(db *gorm.DB, tenantID string, rows []userRow) ([]rbac.User, error) {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	now := micros(s.now())
	var as []assignmentRow
	if err := db.Where("tenant_id = ? AND user_id IN ? AND org_id = '' AND (expires_at IS NULL OR expires_at > ?) AND (not_before IS NULL OR not_before <= ?)",
		tenantID, ids, now, now).Order("role_id").Find(&as).Error; err != nil {
		return nil, translate(err, "")
	}
	roles := map[string][]string{}
	for _, a := range as {
		roles[a.UserID] = append(roles[a.UserID], a.RoleID)
	}
	out := make([]rbac.User, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain(roles[r.ID])
	}
	return out, nil
}

func (s *Store) CreateUser(ctx context.Context, w rbac.Write, in rbac.UserInput) (rbac.User, int64, error) {
	if err := in.Validate(); err != nil {
		return rbac.User{}, 0, err
	}
	var out rbac.User
	rev, err := s.write(ctx, w, func(t *txn) error {
		if err := t.checkGrantable("roles", in.Roles); err != nil {
			return err
		}
		if err := checkSingleModeRoles(t, "roles", in.Roles); err != nil {
			return err
		}
		roles := rbac.SortedUnique(in.Roles)
		ends, err := grantEnds(t, roles)
		if err != nil {
			return err
		}
		if err := checkUserUnique(t, "", in.Email, in.ExternalUserID, in.Username); err != nil {
			return err
		}
		now := micros(t.now)
		status := in.Status
		if status == "" {
			status = rbac.StatusActive
		}
		row := userRow{TenantID: w.TenantID, ID: auth.NewID("usr_"), Email: in.Email, EmailKey: strings.ToLower(in.Email),
			FirstName: in.FirstName, LastName: in.LastName, ExternalUserID: strPtr(in.ExternalUserID),
			Username: strPtr(in.Username), UsernameKey: strPtr(strings.ToLower(in.Username)),
			Status: status, Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := t.tx.Create(&row).Error; err != nil {
			return err
		}
		for _, r := range roles {
			if err := t.tx.Create(&assignmentRow{TenantID: w.TenantID, UserID: row.ID, RoleID: r,
				ExpiresAt: microsPtr(ends[r]), AssignedBy: w.Actor.ID(), AssignedAt: now}).Error; err != nil {
				return err
			}
		}
		out = row.toDomain(roles)
		t.audit(rbac.ActionUserCreate, rbac.TargetUser, row.ID, map[string]any{"after": userDetails(out)})
		return nil
	})
	return out, rev, err
}

func (s *Store) UpdateUser(ctx context.Context, w rbac.Write, userID string, p rbac.UserPatch) (rbac.User, int64, error) {
	if err := p.Validate(); err != nil {
		return rbac.User{}, 0, err
	}
	var out rbac.User
	rev, err := s.write(ctx, w, func(t *txn) error {
		if p.Roles != nil {
			if err := t.checkGrantable("roles", *p.Roles); err != nil {
				return err
			}
			if err := checkSingleModeRoles(t, "roles", *p.Roles); err != nil {
				return err
			}
		}
		before, err := s.getUser(t.tx, w.TenantID, userID)
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
		// Only adding roles is a grant (mayGrant, in replaceGlobalRoles);
		// anything else changes the user.
		losesRoles := slices.ContainsFunc(before.Roles, func(r string) bool { return !slices.Contains(after.Roles, r) })
		if losesRoles || rbac.IdentityChanged(before, after) {
			if err := t.mayChangeUsers([]string{userID}, "changing user"); err != nil {
				return err
			}
			if err := t.keepAdmin(); err != nil {
				return err
			}
		}
		if !strings.EqualFold(before.Email, after.Email) || before.ExternalUserID != after.ExternalUserID ||
			!strings.EqualFold(before.Username, after.Username) {
			if err := checkUserUnique(t, userID, after.Email, after.ExternalUserID, after.Username); err != nil {
				return err
			}
		}
		if p.Roles != nil && !slices.Equal(before.Roles, after.Roles) {
			if err := replaceGlobalRoles(t, userID, after.Roles); err != nil {
				return err
			}
		}
		after.Version++
		after.UpdatedAt = t.now
		out = after
		return t.saveUpdate(&userRow{}, userID, map[string]any{
			"email": after.Email, "email_key": strings.ToLower(after.Email), "first_name": after.FirstName,
			"last_name": after.LastName, "external_user_id": strPtr(after.ExternalUserID), "status": after.Status,
			"username": strPtr(after.Username), "username_key": strPtr(strings.ToLower(after.Username)),
			"version": after.Version, "updated_at": micros(t.now)},
			rbac.ActionUserUpdate, rbac.TargetUser, userDetails(before), userDetails(after))
	})
	return out, rev, err
}

func (s *Store) DeleteUser(ctx context.Context, w rbac.Write, userID string) (int64, error) {
	return s.write(ctx, w, func(t *txn) error {
		user, err := s.getUser(t.tx, w.TenantID, userID)
		if err != nil {
			return err
		}
		if err := checkIfMatch(w.IfMatch, user.Version); err != nil {
			return err
		}
		if err := t.mayChangeUsers([]string{userID}, "deleting user"); err != nil {
			return err
		}
		if err := t.keepAdmin(); err != nil {
			return err
		}
		var nAssign, nTokens int64
		if err := t.tx.Model(&assignmentRow{}).Where("tenant_id = ? AND user_id = ?", w.TenantID, userID).Count(&nAssign).Error; err != nil {
			return err
		}
		if err := t.tx.Model(&tokenRow{}).Where("tenant_id = ? AND user_id = ?", w.TenantID, userID).Count(&nTokens).Error; err != nil {
			return err
		}
		groups, err := leaveGroups(t, userID)
		if err != nil {
			return err
		}
		// Assignments, tokens and memberships go with the user through ON DELETE CASCADE.
		if err := t.tx.Where("tenant_id = ? AND id = ?", w.TenantID, userID).Delete(&userRow{}).Error; err != nil {
			return err
		}
		t.audit(rbac.ActionUserDelete, rbac.TargetUser, userID, map[string]any{"before": userDetails(user),
			"removed_assignments": nAssign, "revoked_tokens": nTokens, "left_groups": groups})
		return nil
	})
}

// leaveGroups moves the version of every group the user is a member of (its
// member_count is about to drop) and returns their ids.
func leaveGroups(t *txn, userID string) ([]string, error) {
	var groups []string
	if err := t.tx.Model(&groupMemberRow{}).Where("tenant_id = ? AND user_id = ?", t.w.TenantID, userID).
		Order("group_id").Pluck("group_id", &groups).Error; err != nil {
		return nil, err
	}
	if len(groups) == 0 {
		return []string{}, nil
	}
	return groups, t.tx.Exec("UPDATE groups SET version = version + 1, updated_at = ? WHERE tenant_id = ? AND id IN ?",
		micros(t.now), t.w.TenantID, groups).Error
}

// checkSingleModeRoles: in a single-role tenant a user holds at most one
// direct role per scope, so a list of global roles holds at most one.
func checkSingleModeRoles(t *txn, field string, ids []string) error {
	if t.tenant.AssignmentMode == rbac.ModeSingle && len(rbac.SortedUnique(ids)) > 1 {
		return rbac.Invalid(field, "this tenant allows one role per scope")
	}
	return nil
}

// checkUserUnique: email and username are unique per tenant ignoring case,
// external ids exactly. One statement finds any clash (a UNION, so that
// each arm uses its index); the error names which.
func checkUserUnique(t *txn, self, email, externalID, username string) error {
	sql := "SELECT 'email' FROM users WHERE tenant_id = ? AND email_key = ? AND id <> ?"
	args := []any{t.w.TenantID, strings.ToLower(email), self}
	if externalID != "" {
		sql += " UNION ALL SELECT 'external_user_id' FROM users WHERE tenant_id = ? AND external_user_id = ? AND id <> ?"
		args = append(args, t.w.TenantID, externalID, self)
	}
	if username != "" {
		sql += " UNION ALL SELECT 'username' FROM users WHERE tenant_id = ? AND username_key = ? AND id <> ?"
		args = append(args, t.w.TenantID, strings.ToLower(username), self)
	}
	var clashes []string
	if err := t.tx.Raw(sql, args...).Scan(&clashes).Error; err != nil {
		return err
	}
	value := map[string]string{"email": email, "external_user_id": externalID, "username": username}
	for _, field := range []string{"email", "external_user_id", "username"} {
		if slices.Contains(clashes, field) {
			return rbac.Errorf(rbac.EConflict, "a user with %s %q already exists", field, value[field])
		}
	}
	return nil
}

// replaceGlobalRoles makes the user's global direct roles exactly roles,
// keeping the rows (and windows) of roles it already holds.
// replaceGlobalRoles makes the user hold exactly roles globally, active now:
// rows of other roles go, and a listed role whose row has expired or has not
// started yet is granted afresh (the row would not make it held). The grant
// policy applies to every role granted.
func replaceGlobalRoles(t *txn, userID string, roles []string) error {
	q := t.tx.Where("tenant_id = ? AND user_id = ? AND org_id = ''", t.w.TenantID, userID)
	if len(roles) > 0 {
		q = q.Where("role_id NOT IN ?", roles)
	}
	if err := q.Delete(&assignmentRow{}).Error; err != nil {
		return err
	}
	now := micros(t.now)
	if err := t.tx.Where("tenant_id = ? AND user_id = ? AND org_id = '' AND (expires_at <= ? OR not_before > ?)",
		t.w.TenantID, userID, now, now).Delete(&assignmentRow{}).Error; err != nil {
		return err
	}
	var kept []string
	if err := t.tx.Model(&assignmentRow{}).Where("tenant_id = ? AND user_id = ? AND org_id = ''", t.w.TenantID, userID).
		Pluck("role_id", &kept).Error; err != nil {
		return err
	}
	var added []string
	for _, r := range roles {
		if !slices.Contains(kept, r) {
			added = append(added, r)
		}
	}
	ends, err := grantEnds(t, added)
	if err != nil {
		return err
	}
	for _, r := range added {
		if err := t.tx.Create(&assignmentRow{TenantID: t.w.TenantID, UserID: userID, RoleID: r,
			ExpiresAt: microsPtr(ends[r]), AssignedBy: t.w.Actor.ID(), AssignedAt: now}).Error; err != nil {
			return err
		}
	}
	return nil
}

// grantEnds applies the grant policy to window-less grants of each role and
// returns when each must end (absent: never).
func grantEnds(t *txn, roles []string) (map[string]*time.Time, error) {
	ends := map[string]*time.Time{}
	for _, r := range roles {
		end, err := t.mayGrant([]string{r}, nil, "roles")
		if err != nil {
			return nil, err
		}
		if end != nil {
			ends[r] = end
		}
	}
	return ends, nil
}

func userDetails(u rbac.User) map[string]any {
	d := map[string]any{"email": u.Email, "first_name": u.FirstName, "last_name": u.LastName,
		"external_user_id": u.ExternalUserID, "status": u.Status, "roles": u.Roles}
	if u.Username != "" {
		d["username"] = u.Username
	}
	return d
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
