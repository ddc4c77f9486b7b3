package gormstore

import (
	"encoding/json"
	"slices"

	"gorm.io/gorm"

	"github.com/rosterhq/roster/internal/rbac"
)

// History: every write that changes evaluation state stores, in its own
// transaction and at its revision, the new state of each user, role, group
// and organization it names (rbac.Name: the same entities the engines'
// change feed reloads). The state of an entity at revision R is then its row
// with the greatest revision <= R, which an index finds in O(log n) however
// old R is. Deletions cascade in the database to grants and memberships of
// entities the write does not name (a deleted role's grants on groups, a
// deleted organization's scoped grants on groups, a deleted user's
// memberships); reading applies those the way the engine's Apply does
// (historyFilter), instead of writing every cascaded row again.

type historyKind string

const (
	kindUser  historyKind = "user"
	kindRole  historyKind = "role"
	kindGroup historyKind = "group"
	kindOrg   historyKind = "organization"
	// kindMember rows are memberships, keyed memberKey(user, group): a
	// membership change writes a row per member it added or removed, never
	// the whole member list (which would make filling a group quadratic).
	kindMember historyKind = "member"
)

// memberKey is a membership's entity id: the user first, so that a user's
// memberships are one range of the primary key.
func memberKey(userID, groupID string) string { return userID + "|" + groupID }

// memberRange is the range of a user's membership keys.
func memberRange(userID string) (from, to string) { return userID + "|", userID + "}" }

type historyRow struct {
	TenantID string `gorm:"primaryKey"`
	Kind     string `gorm:"primaryKey"`
	EntityID string `gorm:"primaryKey"`
	Revision int64  `gorm:"primaryKey"`
	State    *string
}

func (historyRow) TableName() string { return "entity_history" }

type historyStartRow struct {
	TenantID string `gorm:"primaryKey"`
	Revision int64
	At       int64
}

func (historyStartRow) TableName() string { return "history_start" }

// histGrant is a grant as history keeps it: what evaluation needs, and who
// made it and why (GET /users/{id}/roles/history).
type histGrant struct {
	RoleID     string `json:"role_id"`
	OrgID      string `json:"org_id,omitempty"`
	NotBefore  *int64 `json:"not_before,omitempty"`
	ExpiresAt  *int64 `json:"expires_at,omitempty"`
	Reason     string `json:"reason,omitempty"`
	AssignedBy string `json:"assigned_by,omitempty"`
	AssignedAt int64  `json:"assigned_at,omitempty"`
}

type histUser struct {
	Active     bool        `json:"active"`
	Email      string      `json:"email"`
	ExternalID string      `json:"external_id,omitempty"`
	Grants     []histGrant `json:"grants,omitempty"`
}

type histRole struct {
	Permissions []string `json:"permissions"`
	Parents     []string `json:"parents,omitempty"`
	Default     bool     `json:"default,omitempty"`
}

type histGroup struct {
	Grants []histGrant `json:"grants,omitempty"`
}

// recordHistory stores the state at rev of everything change names.
func recordHistory(tx *gorm.DB, tenantID string, rev int64, change rbac.Change, details map[string]any) error {
	named := rbac.Name([]rbac.Change{change})
	membership := false
	switch change.Action {
	case rbac.ActionGroupMembersAdd, rbac.ActionGroupMembersRemove, rbac.ActionGroupMembersReplace:
		membership, named.Groups = true, nil // the group's own state did not change
	}
	var orgs []string
	if change.Target == rbac.TargetOrganization {
		orgs = []string{change.TargetID}
	}
	if err := captureStates(tx, tenantID, rev, named.Users, named.Roles, named.Groups, orgs); err != nil {
		return err
	}
	if membership {
		return recordMembers(tx, tenantID, rev, change.TargetID, stringList(details["added"]), stringList(details["removed"]))
	}
	return nil
}

// recordMembers stores the memberships a write added and removed.
func recordMembers(tx *gorm.DB, tenantID string, rev int64, groupID string, added, removed []string) error {
	present := "{}"
	rows := make([]historyRow, 0, len(added)+len(removed))
	for _, u := range added {
		rows = append(rows, historyRow{TenantID: tenantID, Kind: string(kindMember), EntityID: memberKey(u, groupID), Revision: rev, State: &present})
	}
	for _, u := range removed {
		rows = append(rows, historyRow{TenantID: tenantID, Kind: string(kindMember), EntityID: memberKey(u, groupID), Revision: rev})
	}
	if len(rows) == 0 {
		return nil
	}
	return tx.CreateInBatches(rows, 500).Error
}

// stringList reads a list of ids from audit details as written ([]string)
// or as decoded ([]any).
func stringList(v any) []string {
	switch l := v.(type) {
	case []string:
		return l
	case []any:
		out := make([]string, 0, len(l))
		for _, x := range l {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// recordBaseline stores the state at rev of every entity of the tenant and
// starts its history there.
func recordBaseline(tx *gorm.DB, tenantID string, rev, at int64) error {
	all := func(model any) ([]string, error) {
		var ids []string
		err := tx.Model(model).Where("tenant_id = ?", tenantID).Order("id").Pluck("id", &ids).Error
		return ids, err
	}
	users, err := all(&userRow{})
	if err != nil {
		return err
	}
	roles, err := all(&roleRow{})
	if err != nil {
		return err
	}
	groups, err := all(&groupRow{})
	if err != nil {
		return err
	}
	orgs, err := all(&orgRow{})
	if err != nil {
		return err
	}
	if err := captureStates(tx, tenantID, rev, users, roles, groups, orgs); err != nil {
		return err
	}
	var members []groupMemberRow
	if err := tx.Where("tenant_id = ?", tenantID).Order("group_id, user_id").Find(&members).Error; err != nil {
		return err
	}
	byGroup := map[string][]string{}
	for _, m := range members {
		byGroup[m.GroupID] = append(byGroup[m.GroupID], m.UserID)
	}
	for _, g := range sortedKeys(byGroup) {
		if err := recordMembers(tx, tenantID, rev, g, byGroup[g], nil); err != nil {
			return err
		}
	}
	return tx.Save(&historyStartRow{TenantID: tenantID, Revision: rev, At: at}).Error
}

// captureStates reads the current state of the given entities in tx and
// stores it at rev; an entity that no longer exists is stored as deleted.
func captureStates(tx *gorm.DB, tenantID string, rev int64, users, roles, groups, orgs []string) error {
	var rows []historyRow
	add := func(kind historyKind, ids []string, states map[string]any) error {
		for _, id := range ids {
			row := historyRow{TenantID: tenantID, Kind: string(kind), EntityID: id, Revision: rev}
			if st, ok := states[id]; ok {
				b, err := json.Marshal(st)
				if err != nil {
					return err
				}
				s := string(b)
				row.State = &s
			}
			rows = append(rows, row)
		}
		return nil
	}
	for _, step := range []struct {
		kind historyKind
		ids  []string
		load func(*gorm.DB, string, []string) (map[string]any, error)
	}{
		{kindUser, users, currentUsers}, {kindRole, roles, currentRoles},
		{kindGroup, groups, currentGroups}, {kindOrg, orgs, currentOrgs},
	} {
		if len(step.ids) == 0 {
			continue
		}
		states, err := step.load(tx, tenantID, step.ids)
		if err != nil {
			return err
		}
		if err := add(step.kind, step.ids, states); err != nil {
			return err
		}
	}
	if len(rows) == 0 {
		return nil
	}
	return tx.CreateInBatches(rows, 500).Error
}

func currentUsers(tx *gorm.DB, tenantID string, ids []string) (map[string]any, error) {
	out := map[string]any{}
	for chunk := range slices.Chunk(ids, idChunk) {
		var rows []userRow
		if err := tx.Select("id, status, email, external_user_id").Where("tenant_id = ? AND id IN ?", tenantID, chunk).
			Find(&rows).Error; err != nil {
			return nil, err
		}
		grants, err := currentGrants(tx, userGrants, tenantID, chunk)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.ID] = histUser{Active: r.Status == string(rbac.StatusActive), Email: r.Email,
				ExternalID: deref(r.ExternalUserID), Grants: grants[r.ID]}
		}
	}
	return out, nil
}

func currentRoles(tx *gorm.DB, tenantID string, ids []string) (map[string]any, error) {
	out := map[string]any{}
	for chunk := range slices.Chunk(ids, idChunk) {
		var rows []roleRow
		if err := tx.Select("id, permissions, is_default").Where("tenant_id = ? AND id IN ?", tenantID, chunk).
			Find(&rows).Error; err != nil {
			return nil, err
		}
		var edges []roleParentRow
		if err := tx.Where("tenant_id = ? AND role_id IN ?", tenantID, chunk).Order("parent_id").Find(&edges).Error; err != nil {
			return nil, err
		}
		parents := map[string][]string{}
		for _, e := range edges {
			parents[e.RoleID] = append(parents[e.RoleID], e.ParentID)
		}
		for _, r := range rows {
			st := histRole{Parents: parents[r.ID], Default: r.IsDefault}
			if err := json.Unmarshal([]byte(r.Permissions), &st.Permissions); err != nil {
				return nil, err
			}
			out[r.ID] = st
		}
	}
	return out, nil
}

func currentGroups(tx *gorm.DB, tenantID string, ids []string) (map[string]any, error) {
	out := map[string]any{}
	for chunk := range slices.Chunk(ids, idChunk) {
		var rows []groupRow
		if err := tx.Select("id").Where("tenant_id = ? AND id IN ?", tenantID, chunk).Find(&rows).Error; err != nil {
			return nil, err
		}
		grants, err := currentGrants(tx, groupGrants, tenantID, chunk)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.ID] = histGroup{Grants: grants[r.ID]}
		}
	}
	return out, nil
}

func currentOrgs(tx *gorm.DB, tenantID string, ids []string) (map[string]any, error) {
	var found []string
	if err := tx.Model(&orgRow{}).Where("tenant_id = ? AND id IN ?", tenantID, ids).Pluck("id", &found).Error; err != nil {
		return nil, err
	}
	out := map[string]any{}
	for _, id := range found {
		out[id] = struct{}{}
	}
	return out, nil
}

// currentGrants reads every grant of the holders, expired ones included (a
// grant that has ended by now was in force at earlier instants).
func currentGrants(tx *gorm.DB, g grants, tenantID string, holders []string) (map[string][]histGrant, error) {
	var rows []groupAssignmentRow // the columns both grant tables share
	if err := tx.Table(g.table).Select(g.holder+" AS group_id, role_id, org_id, not_before, expires_at, reason, assigned_by, assigned_at").
		Where("tenant_id = ? AND "+g.holder+" IN ?", tenantID, holders).Order("role_id, org_id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := map[string][]histGrant{}
	for _, r := range rows {
		out[r.GroupID] = append(out[r.GroupID], histGrant{RoleID: r.RoleID, OrgID: r.OrgID, NotBefore: r.NotBefore,
			ExpiresAt: r.ExpiresAt, Reason: r.Reason, AssignedBy: r.AssignedBy, AssignedAt: r.AssignedAt})
	}
	return out, nil
}
