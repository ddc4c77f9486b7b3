package gormstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"slices"

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
		if snap.Roles, err = loadRoles(db, tenantID, nil); err != nil {
			return err
		}
		if snap.Users, err = loadUsers(db, tenantID, nil, now); err != nil {
			return err
		}
		snap.Groups, err = loadGroups(db, tenantID, nil, now)
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
	var out []rbac.Change
	err := s.read(ctx, func(db *gorm.DB) error {
		head, err := tenantRevision(db, tenantID)
		if err != nil {
			return err
		}
		if limit <= 0 || limit > maxChanges {
			limit = maxChanges
		}
		out, err = changes(db, tenantID, since, head, limit)
		return err
	})
	return out, err
}

// LoadDelta reads the head revision, the changes up to it and the state of
// everything they name in one read transaction, so the state is exactly the
// head's: applying it can never mix two revisions.
func (s *Store) LoadDelta(ctx context.Context, tenantID string, since int64, maxWeight int) (rbac.Delta, bool, error) {
	d := rbac.Delta{From: since}
	ok := true
	err := s.read(ctx, func(db *gorm.DB) error {
		head, err := tenantRevision(db, tenantID)
		if err != nil {
			return err
		}
		d.To = max(head, since)
		if head <= since {
			return nil
		}
		if head-since > int64(maxWeight) {
			ok = false
			return nil
		}
		if d.Changes, err = changes(db, tenantID, since, head, int(head-since)); err != nil {
			return err
		}
		for i, c := range d.Changes {
			if c.Revision != since+int64(i)+1 {
				return rbac.Errorf(rbac.EInternal, "tenant %s: the change feed has no change for revision %d", tenantID, since+int64(i)+1)
			}
		}
		if len(d.Changes) != int(head-since) {
			return rbac.Errorf(rbac.EInternal, "tenant %s: the change feed ends at revision %d, the tenant is at %d", tenantID, since+int64(len(d.Changes)), head)
		}
		if rbac.Weight(d.Changes) > maxWeight {
			ok = false
			return nil
		}
		// The load functions read everything for nil ids: only what is named
		// is read here (an empty list reads nothing).
		named := rbac.Name(d.Changes)
		now := micros(s.now())
		if d.Users, err = loadUsers(db, tenantID, nonNil(named.Users), now); err != nil {
			return err
		}
		if d.Roles, err = loadRoles(db, tenantID, nonNil(named.Roles)); err != nil {
			return err
		}
		d.Groups, err = loadGroups(db, tenantID, nonNil(named.Groups), now)
		return err
	})
	if err != nil || !ok {
		return rbac.Delta{}, false, err
	}
	return d, true, nil
}

// changes reads the events in (since, head], oldest first, at most limit.
func changes(db *gorm.DB, tenantID string, since, head int64, limit int) ([]rbac.Change, error) {
	var rows []auditRow
	if err := db.Select("revision, action, target_type, target_id, details").
		Where("tenant_id = ? AND revision > ? AND revision <= ?", tenantID, since, head).
		Order("revision").Limit(limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]rbac.Change, len(rows))
	for i, r := range rows {
		out[i] = rbac.Change{Revision: r.Revision, Action: rbac.Action(r.Action), Target: rbac.Target(r.TargetType), TargetID: r.TargetID}
		if !listsAffectedUsers(out[i].Action) {
			continue
		}
		var d struct {
			Users []string `json:"affected_users"`
		}
		if err := json.Unmarshal([]byte(r.Details), &d); err != nil {
			return nil, err
		}
		if len(d.Users) > 0 {
			out[i].AffectedUsers = d.Users
		}
	}
	return out, nil
}

// affectedUsers is the audit details key listing the users whose direct
// grants a write changed besides its target; the writes in
// listsAffectedUsers always record it (the store's tests hold them to it).
const affectedUsers = "affected_users"

// listsAffectedUsers names the writes that change other users' direct
// grants than their target's. A deleted group changes no user's direct
// grants, so group.delete is not among them.
func listsAffectedUsers(a rbac.Action) bool {
	switch a {
	case rbac.ActionRoleAssigneesAdd, rbac.ActionRoleAssigneesRemove, rbac.ActionRoleAssigneesSet,
		rbac.ActionRoleDelete, rbac.ActionOrganizationDelete:
		return true
	}
	return false
}

// The load functions read the entities whose ids are given, or all of a
// tenant's (ids nil), in a fixed number of queries per idChunk ids, and join
// in Go.

// inChunks runs load on ids idChunk at a time (one statement's parameters
// are bounded) and concatenates what it returns; no ids read nothing.
func inChunks[T any](ids []string, load func(chunk []string) ([]T, error)) ([]T, error) {
	var out []T
	for chunk := range slices.Chunk(ids, idChunk) {
		items, err := load(chunk)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
	}
	return out, nil
}

func loadRoles(db *gorm.DB, tenantID string, ids []string) ([]rbac.SnapshotRole, error) {
	if ids != nil {
		return inChunks(ids, func(chunk []string) ([]rbac.SnapshotRole, error) {
			return loadRolesWhere(db.Where("id IN ?", chunk), db.Where("role_id IN ?", chunk), tenantID)
		})
	}
	return loadRolesWhere(db, db, tenantID)
}

func loadRolesWhere(q, eq *gorm.DB, tenantID string) ([]rbac.SnapshotRole, error) {
	q = q.Select("id, permissions, is_default").Where("tenant_id = ?", tenantID)
	eq = eq.Where("tenant_id = ?", tenantID)
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

func loadUsers(db *gorm.DB, tenantID string, ids []string, now int64) ([]rbac.SnapshotUser, error) {
	if ids != nil {
		return inChunks(ids, func(chunk []string) ([]rbac.SnapshotUser, error) {
			return loadUsersWhere(db.Where("id IN ?", chunk), db.Where("user_id IN ?", chunk), tenantID, now)
		})
	}
	return loadUsersWhere(db, db, tenantID, now)
}

func loadUsersWhere(q, gq *gorm.DB, tenantID string, now int64) ([]rbac.SnapshotUser, error) {
	q = q.Select("id, status, email, external_user_id").Where("tenant_id = ?", tenantID)
	gq = gq.Select("user_id, role_id, org_id, not_before, expires_at").
		Where("tenant_id = ? AND (expires_at IS NULL OR expires_at > ?)", tenantID, now)
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
		out[i] = rbac.SnapshotUser{ID: r.ID, Active: r.Status == rbac.StatusActive, Grants: grants[r.ID],
			Email: r.Email, ExternalID: deref(r.ExternalUserID)}
	}
	return out, nil
}

func loadGroups(db *gorm.DB, tenantID string, ids []string, now int64) ([]rbac.SnapshotGroup, error) {
	if ids != nil {
		return inChunks(ids, func(chunk []string) ([]rbac.SnapshotGroup, error) {
			return loadGroupsWhere(db.Where("id IN ?", chunk), db.Where("group_id IN ?", chunk), db.Where("group_id IN ?", chunk), tenantID, now)
		})
	}
	return loadGroupsWhere(db, db, db, tenantID, now)
}

func loadGroupsWhere(q, mq, gq *gorm.DB, tenantID string, now int64) ([]rbac.SnapshotGroup, error) {
	q = q.Model(&groupRow{}).Where("tenant_id = ?", tenantID)
	mq = mq.Where("tenant_id = ?", tenantID)
	gq = gq.Select("group_id, role_id, org_id, not_before, expires_at").
		Where("tenant_id = ? AND (expires_at IS NULL OR expires_at > ?)", tenantID, now)
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

// nonNil turns "none" into an empty list, which the load functions read as
// "these (no) ids" rather than "all".
func nonNil(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}
