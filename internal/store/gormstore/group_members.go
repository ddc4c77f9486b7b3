package gormstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/rosterhq/roster/internal/rbac"
)

// idChunk bounds the ids bound into one statement: databases cap the number
// of parameters (SQLite 32,766, PostgreSQL 65,535) and member lists may be long.
const idChunk = 1000

func (s *Store) ListGroupMembers(ctx context.Context, tenantID, groupID string, p rbac.Page) ([]rbac.User, string, error) {
	return s.ListUsers(ctx, tenantID, rbac.UserFilter{GroupID: groupID, Page: p})
}

func (s *Store) AddGroupMembers(ctx context.Context, w rbac.Write, groupID string, userIDs []string) (int64, error) {
	return s.write(ctx, w, func(t *txn) error {
		have, err := checkedMembersAmong(t, groupID, userIDs)
		if err != nil {
			return err
		}
		var added []string
		for _, id := range userIDs {
			if !have[id] {
				added = append(added, id)
			}
		}
		if len(added) == 0 {
			return nil
		}
		if err := t.mayJoin(groupID); err != nil {
			return err
		}
		if err := insertMembers(t, groupID, added); err != nil {
			return err
		}
		slices.Sort(added)
		return membersChanged(t, rbac.ActionGroupMembersAdd, groupID, map[string]any{"added": added})
	})
}

func (s *Store) RemoveGroupMembers(ctx context.Context, w rbac.Write, groupID string, userIDs []string) (int64, error) {
	return s.write(ctx, w, func(t *txn) error {
		have, err := checkedMembersAmong(t, groupID, userIDs)
		if err != nil {
			return err
		}
		removed := make([]string, 0, len(have))
		for id := range have {
			removed = append(removed, id)
		}
		if len(removed) == 0 {
			return nil
		}
		slices.Sort(removed)
		if err := t.mayChangeUsers(removed, "taking group "+groupID+" from user"); err != nil {
			return err
		}
		if err := deleteMembers(t, groupID, removed); err != nil {
			return err
		}
		return membersChanged(t, rbac.ActionGroupMembersRemove, groupID, map[string]any{"removed": removed})
	})
}

func (s *Store) ReplaceGroupMembers(ctx context.Context, w rbac.Write, groupID string, userIDs []string) (int64, error) {
	return s.write(ctx, w, func(t *txn) error {
		if err := checkMembersOf(t, groupID, userIDs); err != nil {
			return err
		}
		var current []string
		if err := t.tx.Model(&groupMemberRow{}).Where("tenant_id = ? AND group_id = ?", w.TenantID, groupID).
			Order("user_id").Pluck("user_id", &current).Error; err != nil {
			return err
		}
		want := make(map[string]bool, len(userIDs))
		for _, id := range userIDs {
			want[id] = true
		}
		removed := []string{}
		for _, id := range current {
			if !want[id] {
				removed = append(removed, id)
			}
			delete(want, id)
		}
		added := keys(want)
		if len(added) == 0 && len(removed) == 0 {
			return nil
		}
		if len(added) > 0 {
			if err := t.mayJoin(groupID); err != nil {
				return err
			}
		}
		if len(removed) > 0 {
			if err := t.mayChangeUsers(removed, "taking group "+groupID+" from user"); err != nil {
				return err
			}
		}
		if err := deleteMembers(t, groupID, removed); err != nil {
			return err
		}
		if err := insertMembers(t, groupID, added); err != nil {
			return err
		}
		slices.Sort(added)
		return membersChanged(t, rbac.ActionGroupMembersReplace, groupID, map[string]any{"added": added, "removed": removed})
	})
}

// checkMembersOf validates a member list for an existing group: the list
// first (400), then the group (404).
func checkMembersOf(t *txn, groupID string, userIDs []string) error {
	if err := checkMembers(t, userIDs); err != nil {
		return err
	}
	_, err := getGroupRow(t.tx, t.w.TenantID, groupID)
	return err
}

// checkedMembersAmong is checkMembersOf, then which of the users are
// members already.
func checkedMembersAmong(t *txn, groupID string, userIDs []string) (map[string]bool, error) {
	if err := checkMembersOf(t, groupID, userIDs); err != nil {
		return nil, err
	}
	return membersAmong(t, groupID, userIDs)
}

// checkMembers validates a member list as a whole: a repeated id names
// data[i], an id that is not a user of the tenant names data[i].id.
func checkMembers(t *txn, userIDs []string) error {
	first := make(map[string]int, len(userIDs))
	for i, id := range userIDs {
		if j, dup := first[id]; dup {
			return rbac.Invalid(fmt.Sprintf("data[%d]", i), fmt.Sprintf("duplicate of data[%d]", j))
		}
		first[id] = i
	}
	known := make(map[string]bool, len(userIDs))
	for chunk := range slices.Chunk(userIDs, idChunk) {
		var ids []string
		if err := t.tx.Model(&userRow{}).Where("tenant_id = ? AND id IN ?", t.w.TenantID, chunk).
			Pluck("id", &ids).Error; err != nil {
			return err
		}
		for _, id := range ids {
			known[id] = true
		}
	}
	for i, id := range userIDs {
		if !known[id] {
			return rbac.Invalid(fmt.Sprintf("data[%d].id", i), fmt.Sprintf("unknown user %q", id))
		}
	}
	return nil
}

// membersAmong returns which of userIDs are members of the group.
func membersAmong(t *txn, groupID string, userIDs []string) (map[string]bool, error) {
	have := map[string]bool{}
	for chunk := range slices.Chunk(userIDs, idChunk) {
		var ids []string
		if err := t.tx.Model(&groupMemberRow{}).Where("tenant_id = ? AND group_id = ? AND user_id IN ?", t.w.TenantID, groupID, chunk).
			Pluck("user_id", &ids).Error; err != nil {
			return nil, err
		}
		for _, id := range ids {
			have[id] = true
		}
	}
	return have, nil
}

func insertMembers(t *txn, groupID string, userIDs []string) error {
	if len(userIDs) == 0 {
		return nil
	}
	rows := make([]groupMemberRow, len(userIDs))
	for i, id := range userIDs {
		rows[i] = groupMemberRow{TenantID: t.w.TenantID, GroupID: groupID, UserID: id}
	}
	return t.tx.CreateInBatches(rows, idChunk/3).Error // three parameters a row
}

func deleteMembers(t *txn, groupID string, userIDs []string) error {
	for chunk := range slices.Chunk(userIDs, idChunk) {
		if err := t.tx.Where("tenant_id = ? AND group_id = ? AND user_id IN ?", t.w.TenantID, groupID, chunk).
			Delete(&groupMemberRow{}).Error; err != nil {
			return err
		}
	}
	return nil
}

func membersChanged(t *txn, action rbac.Action, groupID string, details map[string]any) error {
	if err := touchGroup(t, groupID); err != nil {
		return err
	}
	t.audit(action, rbac.TargetGroup, groupID, details)
	return nil
}
