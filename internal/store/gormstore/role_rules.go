package gormstore

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rosterhq/roster/internal/rbac"
)

// The rules a role must keep that read stored roles: parents that exist
// and may be granted, and no inheritance cycle (its input rules are
// rbac.RoleInput.Validate and rbac.RolePatch.Validate).

// checkParents verifies that every parent exists and is assignable (a role
// inheriting role_admin would grant it by the back door) and returns them
// de-duplicated and sorted.
func checkParents(t *txn, self string, ids []string) ([]string, error) {
	parents := slices.Clone(ids)
	slices.Sort(parents)
	parents = slices.Compact(parents)
	if len(parents) == 0 {
		return []string{}, nil
	}
	var rows []roleRow
	if err := t.tx.Select("id, assignable").Where("tenant_id = ? AND id IN ?", t.w.TenantID, parents).Find(&rows).Error; err != nil {
		return nil, err
	}
	assignable := map[string]bool{}
	for _, r := range rows {
		assignable[r.ID] = r.Assignable
	}
	for i, id := range ids {
		field := fmt.Sprintf("inherits_from[%d]", i)
		ok, found := assignable[id]
		switch {
		case id == self && self != "":
			return nil, rbac.Invalid(field, "inheritance cycle: "+self+" → "+self)
		case !found:
			return nil, rbac.Invalid(field, fmt.Sprintf("unknown role %q", id))
		case !ok:
			return nil, rbac.Invalid(field, "role is not assignable")
		}
	}
	return parents, nil
}

// checkCycle fails when roleID is reachable from one of its new parents.
func checkCycle(t *txn, roleID string, parents []string) error {
	var edges []roleParentRow
	if err := t.tx.Where("tenant_id = ?", t.w.TenantID).Find(&edges).Error; err != nil {
		return err
	}
	up := map[string][]string{}
	for _, e := range edges {
		if e.RoleID != roleID {
			up[e.RoleID] = append(up[e.RoleID], e.ParentID)
		}
	}
	up[roleID] = parents
	if cycle := rbac.FindCycle(func(id string) []string { return up[id] }, roleID); cycle != nil {
		return rbac.Invalid("inherits_from", "inheritance cycle: "+strings.Join(cycle, " → "))
	}
	return nil
}

func setParents(t *txn, roleID string, parents []string) error {
	if err := t.tx.Where("tenant_id = ? AND role_id = ?", t.w.TenantID, roleID).Delete(&roleParentRow{}).Error; err != nil {
		return err
	}
	if len(parents) == 0 {
		return nil
	}
	rows := make([]roleParentRow, len(parents))
	for i, p := range parents {
		rows[i] = roleParentRow{TenantID: t.w.TenantID, RoleID: roleID, ParentID: p}
	}
	return t.tx.Create(&rows).Error
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
