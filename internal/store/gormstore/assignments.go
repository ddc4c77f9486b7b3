package gormstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/rosterhq/roster/internal/rbac"
)

// assignmentKey is the keyset cursor of an assignment list: (role_id, org_id).
func assignmentKey(a rbac.Assignment) string { return a.RoleID + "\n" + a.OrganizationID }

func (s *Store) ListAssignments(ctx context.Context, tenantID, userID string, p rbac.Page) ([]rbac.Assignment, string, error) {
	db := s.db.WithContext(ctx)
	if _, err := s.getUser(db, tenantID, userID); err != nil {
		return nil, "", err
	}
	return s.listGrants(db, userGrants, tenantID, userID, p)
}

// grants names the table of one kind of grant and the column of its holder:
// users' direct assignments or groups' assignments, which share every rule.
type grants struct{ table, holder string }

var (
	userGrants  = grants{table: "assignments", holder: "user_id"}
	groupGrants = grants{table: "group_assignments", holder: "group_id"}
)

// view selects the holder's grants joined with their role and organization names.
func (g grants) view(db *gorm.DB, tenantID, holderID string) *gorm.DB {
	return db.Table(g.table+" a").
		Select("a.*, r.name AS role_name, r.display_name AS role_display_name, o.name AS org_name").
		Joins("JOIN roles r ON r.tenant_id = a.tenant_id AND r.id = a.role_id").
		Joins("LEFT JOIN organizations o ON o.tenant_id = a.tenant_id AND o.id = a.org_id").
		Where("a.tenant_id = ? AND a."+g.holder+" = ?", tenantID, holderID)
}

// one selects the holder's grant of a role in one scope.
func (g grants) one(db *gorm.DB, tenantID, holderID, roleID, orgID string) *gorm.DB {
	return db.Table(g.table).Where("tenant_id = ? AND "+g.holder+" = ? AND role_id = ? AND org_id = ?",
		tenantID, holderID, roleID, orgID)
}

func (s *Store) listGrants(db *gorm.DB, g grants, tenantID, holderID string, p rbac.Page) ([]rbac.Assignment, string, error) {
	q := g.view(db, tenantID, holderID).Where("(a.expires_at IS NULL OR a.expires_at > ?)", micros(s.now()))
	if p.After != "" {
		role, org, _ := strings.Cut(p.After, "\n")
		q = q.Where("(a.role_id > ? OR (a.role_id = ? AND a.org_id > ?))", role, role, org)
	}
	var rows []assignmentView
	if err := q.Order("a.role_id, a.org_id").Limit(pageLimit(p) + 1).Scan(&rows).Error; err != nil {
		return nil, "", translate(err, "")
	}
	out := make([]rbac.Assignment, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	out, next := trim(out, p, assignmentKey)
	return out, next, nil
}

// assignmentView is an assignment joined with its role and organization names.
// (Fields are spelled out: GORM cannot fill an embedded unexported struct.)
type assignmentView struct {
	UserID          string
	RoleID          string
	OrgID           string
	NotBefore       *int64
	ExpiresAt       *int64
	Reason          string
	AssignedBy      string
	AssignedAt      int64
	RoleName        string
	RoleDisplayName string
	OrgName         *string
}

func (v assignmentView) toDomain() rbac.Assignment {
	return rbac.Assignment{UserID: v.UserID, RoleID: v.RoleID, RoleName: v.RoleName, RoleDisplayName: v.RoleDisplayName,
		OrganizationID: v.OrgID, OrganizationName: deref(v.OrgName), NotBefore: timePtr(v.NotBefore),
		ExpiresAt: timePtr(v.ExpiresAt), Reason: v.Reason, AssignedBy: v.AssignedBy, AssignedAt: fromMicros(v.AssignedAt)}
}

func (s *Store) Assign(ctx context.Context, w rbac.Write, userID string, in rbac.AssignmentInput) (rbac.Assignment, bool, int64, error) {
	var out rbac.Assignment
	var created bool
	rev, err := s.write(ctx, w, func(t *txn) error {
		if err := s.checkAssignmentInput(t, "", &in); err != nil {
			return err
		}
		if err := userExists(t, userID); err != nil {
			return err
		}
		var changed bool
		var err error
		created, changed, err = upsertGrant(t, userGrants, userID, in)
		if err != nil {
			return err
		}
		details := assignmentDetails(userGrants, userID, in)
		if t.tenant.AssignmentMode == rbac.ModeSingle {
			replaced, err := removeOthersInScope(t, userID, in.RoleID, in.OrganizationID)
			if err != nil {
				return err
			}
			if len(replaced) > 0 {
				details["replaced"] = replaced
				changed = true
			}
		}
		if changed {
			if err := touchUser(t, userID); err != nil {
				return err
			}
			action := rbac.ActionAssignmentUpdate
			if created {
				action = rbac.ActionAssignmentCreate
			}
			t.audit(action, rbac.TargetUser, userID, details)
		}
		out, err = readGrant(t, userGrants, userID, in.RoleID, in.OrganizationID)
		return err
	})
	return out, created, rev, err
}

func (s *Store) ReplaceAssignments(ctx context.Context, w rbac.Write, userID string, in []rbac.AssignmentInput) ([]rbac.Assignment, int64, error) {
	var out []rbac.Assignment
	rev, err := s.write(ctx, w, func(t *txn) error {
		seen := map[string]int{}
		scopes := map[string]int{}
		in = slices.Clone(in)
		for i := range in {
			a := &in[i]
			field := fmt.Sprintf("assignments[%d]", i)
			if err := s.checkAssignmentInput(t, field+".", a); err != nil {
				return err
			}
			key := a.RoleID + "\n" + a.OrganizationID
			if j, dup := seen[key]; dup {
				return rbac.Invalid(field, fmt.Sprintf("same role and scope as assignments[%d]", j))
			}
			seen[key] = i
			if j, dup := scopes[a.OrganizationID]; dup && t.tenant.AssignmentMode == rbac.ModeSingle {
				return rbac.Invalid(field, fmt.Sprintf("this tenant allows one role per scope; assignments[%d] has the same scope", j))
			}
			scopes[a.OrganizationID] = i
		}
		if _, err := s.getUser(t.tx, w.TenantID, userID); err != nil {
			return err
		}
		var current []assignmentRow
		if err := t.tx.Where("tenant_id = ? AND user_id = ?", w.TenantID, userID).Find(&current).Error; err != nil {
			return err
		}
		if slices.ContainsFunc(current, func(c assignmentRow) bool {
			_, keep := seen[c.RoleID+"\n"+c.OrgID]
			return !keep && (c.ExpiresAt == nil || *c.ExpiresAt > micros(t.now))
		}) {
			if err := t.mayChangeUsers([]string{userID}, "taking roles from user"); err != nil {
				return err
			}
			if err := t.keepAdmin(); err != nil {
				return err
			}
		}
		changed := false
		var removed []map[string]any
		for _, c := range current {
			if _, keep := seen[c.RoleID+"\n"+c.OrgID]; keep {
				continue
			}
			if err := t.tx.Where("tenant_id = ? AND user_id = ? AND role_id = ? AND org_id = ?",
				c.TenantID, c.UserID, c.RoleID, c.OrgID).Delete(&assignmentRow{}).Error; err != nil {
				return err
			}
			if c.ExpiresAt == nil || *c.ExpiresAt > micros(t.now) {
				changed = true
				removed = append(removed, map[string]any{"role_id": c.RoleID, "organization_id": c.OrgID})
			}
		}
		var added []map[string]any
		for _, a := range in {
			created, upd, err := upsertGrant(t, userGrants, userID, a)
			if err != nil {
				return err
			}
			changed = changed || upd
			if created {
				added = append(added, map[string]any{"role_id": a.RoleID, "organization_id": a.OrganizationID})
			}
		}
		if changed {
			if err := touchUser(t, userID); err != nil {
				return err
			}
			t.audit(rbac.ActionAssignmentReplace, rbac.TargetUser, userID, map[string]any{"added": added, "removed": removed, "count": len(in)})
		}
		out = make([]rbac.Assignment, 0, len(in))
		for _, a := range in {
			got, err := readGrant(t, userGrants, userID, a.RoleID, a.OrganizationID)
			if err != nil {
				return err
			}
			out = append(out, got)
		}
		return nil
	})
	return out, rev, err
}

func (s *Store) Unassign(ctx context.Context, w rbac.Write, userID, roleID, orgID string) (int64, error) {
	return s.write(ctx, w, func(t *txn) error {
		if _, err := s.getUser(t.tx, w.TenantID, userID); err != nil {
			return err
		}
		if err := t.mayChangeUsers([]string{userID}, "taking roles from user"); err != nil {
			return err
		}
		if err := t.keepAdmin(); err != nil {
			return err
		}
		res := t.tx.Where("tenant_id = ? AND user_id = ? AND role_id = ? AND org_id = ? AND (expires_at IS NULL OR expires_at > ?)",
			w.TenantID, userID, roleID, orgID, micros(t.now)).Delete(&assignmentRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return rbac.Errorf(rbac.ENotFound, "user %q does not hold %q in that scope", userID, roleID)
		}
		if err := touchUser(t, userID); err != nil {
			return err
		}
		t.audit(rbac.ActionAssignmentDelete, rbac.TargetUser, userID, map[string]any{"role_id": roleID, "organization_id": orgID})
		return nil
	})
}

// checkAssignmentInput validates one assignment and applies the grant
// policy to it, which may end it earlier (mayGrant); prefix names its place
// in the body ("" or "assignments[3].").
func (s *Store) checkAssignmentInput(t *txn, prefix string, a *rbac.AssignmentInput) error {
	if err := a.Validate(prefix, t.now); err != nil {
		return err
	}
	// One read of the role's graph serves both the grantable check and the
	// escalation rule: each read is a statement inside the tenant's write lock.
	g, err := t.graph(a.RoleID)
	if err != nil {
		return err
	}
	if err := g.checkGrantable(prefix+"role_id", a.RoleID); err != nil {
		return err
	}
	if a.OrganizationID != "" {
		var n int64
		if err := t.tx.Model(&orgRow{}).Where("tenant_id = ? AND id = ?", t.w.TenantID, a.OrganizationID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return rbac.Invalid(prefix+"scope.organization_id", fmt.Sprintf("unknown organization %q", a.OrganizationID))
		}
	}
	end, err := t.mayGrantIn(g, []string{a.RoleID}, a.ExpiresAt, prefix+"expires_at")
	if err != nil {
		return err
	}
	if end != nil && a.NotBefore != nil && !end.After(*a.NotBefore) {
		return rbac.Errorf(rbac.EForbidden, "%sexpires_at: the grant would start after the caller's own holding of its permissions ends (%s)",
			prefix, end.UTC().Format(time.RFC3339))
	}
	a.ExpiresAt = end
	return nil
}

// grantRow is the part of a grant row that upsertGrant compares.
type grantRow struct {
	NotBefore  *int64
	ExpiresAt  *int64
	Reason     string
	AssignedBy string
	AssignedAt int64
}

// upsertGrant creates the grant, or updates the window and reason of the
// same role and scope. An expired row counts as absent.
func upsertGrant(t *txn, g grants, holderID string, in rbac.AssignmentInput) (created, changed bool, err error) {
	var rows []grantRow
	if err := g.one(t.tx, t.w.TenantID, holderID, in.RoleID, in.OrganizationID).Limit(1).Find(&rows).Error; err != nil {
		return false, false, err
	}
	row := grantRow{NotBefore: microsPtr(in.NotBefore), ExpiresAt: microsPtr(in.ExpiresAt), Reason: in.Reason,
		AssignedBy: t.w.Actor.ID(), AssignedAt: micros(t.now)}
	values := func() map[string]any {
		return map[string]any{"not_before": row.NotBefore, "expires_at": row.ExpiresAt, "reason": row.Reason,
			"assigned_by": row.AssignedBy, "assigned_at": row.AssignedAt}
	}
	if len(rows) == 0 {
		v := values()
		v["tenant_id"], v[g.holder], v["role_id"], v["org_id"] = t.w.TenantID, holderID, in.RoleID, in.OrganizationID
		return true, true, t.tx.Table(g.table).Create(v).Error
	}
	old := rows[0]
	expired := old.ExpiresAt != nil && *old.ExpiresAt <= micros(t.now)
	if !expired && in.KeepExisting {
		return false, false, nil
	}
	if !expired && eqPtr(old.NotBefore, row.NotBefore) && eqPtr(old.ExpiresAt, row.ExpiresAt) && old.Reason == row.Reason {
		return false, false, nil
	}
	if !expired {
		// Same grant, new window: who granted it and when stays.
		row.AssignedBy, row.AssignedAt = old.AssignedBy, old.AssignedAt
	}
	// Not Save: GORM reads the '' of a global scope as an unset key and would INSERT.
	return expired, true, g.one(t.tx, t.w.TenantID, holderID, in.RoleID, in.OrganizationID).Updates(values()).Error
}

// removeOthersInScope drops the user's other direct roles in one scope
// (single-role tenants): taking roles away, under the same rules as any.
func removeOthersInScope(t *txn, userID, roleID, orgID string) ([]string, error) {
	var others []string
	q := t.tx.Model(&assignmentRow{}).Where("tenant_id = ? AND user_id = ? AND org_id = ? AND role_id <> ?",
		t.w.TenantID, userID, orgID, roleID)
	if err := q.Where("(expires_at IS NULL OR expires_at > ?)", micros(t.now)).Pluck("role_id", &others).Error; err != nil {
		return nil, err
	}
	if len(others) > 0 {
		if err := t.mayChangeUsers([]string{userID}, "replacing the role of user"); err != nil {
			return nil, err
		}
		if err := t.keepAdmin(); err != nil {
			return nil, err
		}
	}
	if err := t.tx.Where("tenant_id = ? AND user_id = ? AND org_id = ? AND role_id <> ?",
		t.w.TenantID, userID, orgID, roleID).Delete(&assignmentRow{}).Error; err != nil {
		return nil, err
	}
	return others, nil
}

func readGrant(t *txn, g grants, holderID, roleID, orgID string) (rbac.Assignment, error) {
	var v assignmentView
	err := g.view(t.tx, t.w.TenantID, holderID).Where("a.role_id = ? AND a.org_id = ?", roleID, orgID).Take(&v).Error
	return v.toDomain(), translate(err, "assignment")
}

// userExists is 404 unless the tenant has the user: one indexed read where
// getUser would also read its roles.
func userExists(t *txn, userID string) error {
	var ids []string
	if err := t.tx.Model(&userRow{}).Where("tenant_id = ? AND id = ?", t.w.TenantID, userID).Limit(1).Pluck("id", &ids).Error; err != nil {
		return err
	}
	if len(ids) == 0 {
		return rbac.NotFound("user")
	}
	return nil
}

// touchUser moves the user's version: its ETag covers its roles too.
func touchUser(t *txn, userID string) error {
	return t.tx.Exec("UPDATE users SET version = version + 1, updated_at = ? WHERE tenant_id = ? AND id = ?",
		micros(t.now), t.w.TenantID, userID).Error
}

func assignmentDetails(g grants, holderID string, in rbac.AssignmentInput) map[string]any {
	d := map[string]any{g.holder: holderID, "role_id": in.RoleID, "organization_id": in.OrganizationID}
	if in.NotBefore != nil {
		d["not_before"] = in.NotBefore.Format(time.RFC3339)
	}
	if in.ExpiresAt != nil {
		d["expires_at"] = in.ExpiresAt.Format(time.RFC3339)
	}
	if in.Reason != "" {
		d["reason"] = in.Reason
	}
	return d
}

func eqPtr(a, b *int64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
