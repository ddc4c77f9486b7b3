package gormstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"strings"

	"gorm.io/gorm"

	"github.com/rosterhq/roster/internal/migrations"
	"github.com/rosterhq/roster/internal/rbac"
)

// maxChanges bounds one Changes answer when the caller asks for no limit.
const maxChanges = 1000

// read runs fn in one read transaction, so that everything fn reads is one
// consistent state. On SQLite the DSN turns every BEGIN into BEGIN IMMEDIATE,
// which would hold the write lock for the whole read; a plain BEGIN on a
// connection of our own instead reads one WAL snapshot and never blocks writers.
func (s *Store) read(ctx context.Context, fn func(db *gorm.DB) error) error {
	if s.dialect != migrations.SQLite {
		return translate(s.db.WithContext(ctx).Transaction(fn,
			&sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}), "")
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return translate(err, "")
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return translate(err, "")
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		return translate(err, "")
	}
	db := s.db.Session(&gorm.Session{NewDB: true, Context: ctx})
	db.Statement.ConnPool = conn
	err = fn(db)
	// Nothing was written: rolling back ends the read. A connection that is
	// still inside a transaction must never go back to the pool.
	if _, rbErr := conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); rbErr != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	return translate(err, "")
}

func (s *Store) LoadSnapshot(ctx context.Context, tenantID string) (rbac.Snapshot, error) {
	var snap rbac.Snapshot
	err := s.read(ctx, func(db *gorm.DB) error {
		var err error
		if snap.Revision, err = tenantRevision(db, tenantID); err != nil {
			return err
		}
		now := micros(s.now())
		if snap.Roles, err = loadRoles(db, tenantID, ""); err != nil {
			return err
		}
		if snap.Users, err = loadUsers(db, tenantID, "", now); err != nil {
			return err
		}
		snap.Groups, err = loadGroups(db, tenantID, "", now)
		return err
	})
	return snap, err
}

func (s *Store) TenantRevision(ctx context.Context, tenantID string) (int64, error) {
	return tenantRevision(s.db.WithContext(ctx), tenantID)
}

func tenantRevision(db *gorm.DB, tenantID string) (int64, error) {
	var row tenantRow
	err := db.Select("revision").Where("id = ?", tenantID).Take(&row).Error
	return row.Revision, translate(err, "tenant")
}

// Changes reads the audit log by revision: every write that moved the
// revision left exactly one event carrying it, in the same transaction.
func (s *Store) Changes(ctx context.Context, tenantID string, since int64, limit int) ([]rbac.Change, error) {
	db := s.db.WithContext(ctx)
	if _, err := tenantRevision(db, tenantID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > maxChanges {
		limit = maxChanges
	}
	var rows []auditRow
	if err := db.Select("revision, action, target_type, target_id, details").
		Where("tenant_id = ? AND revision > ?", tenantID, since).
		Order("revision").Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate(err, "")
	}
	out := make([]rbac.Change, len(rows))
	for i, r := range rows {
		out[i] = rbac.Change{Revision: r.Revision, Action: r.Action, TargetType: r.TargetType, TargetID: r.TargetID}
		if strings.Contains(r.Details, `"`+affectedUsers+`"`) {
			var d struct {
				Users []string `json:"affected_users"`
			}
			if err := json.Unmarshal([]byte(r.Details), &d); err != nil {
				return nil, translate(err, "")
			}
			if len(d.Users) > 0 {
				out[i].Users = d.Users
			}
		}
	}
	return out, nil
}

// affectedUsers is the audit details key listing the users whose direct
// grants a write changed besides its target; Changes hands them to
// evaluation (role.assignees.*, role.delete, organization.delete). A deleted
// group changes no user's direct grants, so group.delete lists none.
const affectedUsers = "affected_users"

func (s *Store) LoadSnapshotUser(ctx context.Context, tenantID, userID string) (rbac.SnapshotUser, error) {
	var users []rbac.SnapshotUser
	err := s.read(ctx, func(db *gorm.DB) error {
		var err error
		users, err = loadUsers(db, tenantID, userID, micros(s.now()))
		return err
	})
	return only(users, err, "user")
}

func (s *Store) LoadSnapshotRole(ctx context.Context, tenantID, roleID string) (rbac.SnapshotRole, error) {
	var roles []rbac.SnapshotRole
	err := s.read(ctx, func(db *gorm.DB) error {
		var err error
		roles, err = loadRoles(db, tenantID, roleID)
		return err
	})
	return only(roles, err, "role")
}

func (s *Store) LoadSnapshotGroup(ctx context.Context, tenantID, groupID string) (rbac.SnapshotGroup, error) {
	var groups []rbac.SnapshotGroup
	err := s.read(ctx, func(db *gorm.DB) error {
		var err error
		groups, err = loadGroups(db, tenantID, groupID, micros(s.now()))
		return err
	})
	return only(groups, err, "group")
}

// only returns the single entity a Load… method asked for; none is ENotFound.
func only[T any](items []T, err error, kind string) (T, error) {
	var zero T
	if err != nil {
		return zero, err
	}
	if len(items) == 0 {
		return zero, rbac.NotFound(kind)
	}
	return items[0], nil
}

// The load functions read one entity (id set) or all of a tenant's (id "")
// in a fixed number of queries, whatever the tenant's size, and join in Go.

func loadRoles(db *gorm.DB, tenantID, roleID string) ([]rbac.SnapshotRole, error) {
	q := db.Select("id, permissions, is_default").Where("tenant_id = ?", tenantID)
	eq := db.Where("tenant_id = ?", tenantID)
	if roleID != "" {
		q, eq = q.Where("id = ?", roleID), eq.Where("role_id = ?", roleID)
	}
	var rows []roleRow
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	var edges []roleParentRow
	if err := eq.Order("role_id, parent_id").Find(&edges).Error; err != nil {
		return nil, err
	}
	parents := map[string][]string{}
	for _, e := range edges {
		parents[e.RoleID] = append(parents[e.RoleID], e.ParentID)
	}
	out := make([]rbac.SnapshotRole, len(rows))
	for i, r := range rows {
		out[i] = rbac.SnapshotRole{ID: r.ID, Parents: parents[r.ID], Default: r.IsDefault}
		if err := json.Unmarshal([]byte(r.Permissions), &out[i].Permissions); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func loadUsers(db *gorm.DB, tenantID, userID string, now int64) ([]rbac.SnapshotUser, error) {
	q := db.Select("id, status").Where("tenant_id = ?", tenantID)
	gq := db.Select("user_id, role_id, org_id, not_before, expires_at").
		Where("tenant_id = ? AND (expires_at IS NULL OR expires_at > ?)", tenantID, now)
	if userID != "" {
		q, gq = q.Where("id = ?", userID), gq.Where("user_id = ?", userID)
	}
	var rows []userRow
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	var as []assignmentRow
	if err := gq.Order("user_id, role_id, org_id").Find(&as).Error; err != nil {
		return nil, err
	}
	grants := map[string][]rbac.Grant{}
	for _, a := range as {
		grants[a.UserID] = append(grants[a.UserID], grantOf(a.RoleID, a.OrgID, a.NotBefore, a.ExpiresAt))
	}
	out := make([]rbac.SnapshotUser, len(rows))
	for i, r := range rows {
		out[i] = rbac.SnapshotUser{ID: r.ID, Active: r.Status == rbac.StatusActive, Grants: grants[r.ID]}
	}
	return out, nil
}

func loadGroups(db *gorm.DB, tenantID, groupID string, now int64) ([]rbac.SnapshotGroup, error) {
	q := db.Model(&groupRow{}).Where("tenant_id = ?", tenantID)
	mq := db.Where("tenant_id = ?", tenantID)
	gq := db.Select("group_id, role_id, org_id, not_before, expires_at").
		Where("tenant_id = ? AND (expires_at IS NULL OR expires_at > ?)", tenantID, now)
	if groupID != "" {
		q, mq, gq = q.Where("id = ?", groupID), mq.Where("group_id = ?", groupID), gq.Where("group_id = ?", groupID)
	}
	var ids []string
	if err := q.Order("id").Pluck("id", &ids).Error; err != nil {
		return nil, err
	}
	var ms []groupMemberRow
	if err := mq.Order("group_id, user_id").Find(&ms).Error; err != nil {
		return nil, err
	}
	var as []groupAssignmentRow
	if err := gq.Order("group_id, role_id, org_id").Find(&as).Error; err != nil {
		return nil, err
	}
	members := map[string][]string{}
	for _, m := range ms {
		members[m.GroupID] = append(members[m.GroupID], m.UserID)
	}
	grants := map[string][]rbac.Grant{}
	for _, a := range as {
		grants[a.GroupID] = append(grants[a.GroupID], grantOf(a.RoleID, a.OrgID, a.NotBefore, a.ExpiresAt))
	}
	out := make([]rbac.SnapshotGroup, len(ids))
	for i, id := range ids {
		out[i] = rbac.SnapshotGroup{ID: id, Members: members[id], Grants: grants[id]}
	}
	return out, nil
}

func grantOf(roleID, orgID string, notBefore, expiresAt *int64) rbac.Grant {
	return rbac.Grant{RoleID: roleID, OrgID: orgID, NotBefore: timePtr(notBefore), ExpiresAt: timePtr(expiresAt)}
}
