package gormstore

import (
	"encoding/json"
	"slices"

	"github.com/rosterhq/roster/internal/rbac"
	"gorm.io/gorm"
)

// roleGraph is a tenant's roles as the rules about them need them: each
// role's own permissions, whether it may be granted, and its parents. It is
// read inside a write's transaction, so what it answers cannot change until
// the write commits. It is the store's one walk of the inheritance graph.
type roleGraph map[string]*roleNode

type roleNode struct {
	perms      []string
	parents    []string
	assignable bool
	isDefault  bool
}

// loadRoleGraph reads the roles ids name and every role they inherit from,
// transitively (and the default roles with theirs when withDefaults): the
// part of the graph their permissions depend on, in a few small queries
// whatever the tenant's size, since it is read inside write transactions.
func loadRoleGraph(db *gorm.DB, tenantID string, ids []string, withDefaults bool) (roleGraph, error) {
	seed := "SELECT id FROM roles WHERE tenant_id = @tenant AND id IN @ids"
	if withDefaults {
		seed += " UNION SELECT id FROM roles WHERE tenant_id = @tenant AND is_default = @yes"
	}
	// UNION (not UNION ALL) drops rows already found, so a cycle ends.
	var found []string
	if err := db.Raw(`WITH RECURSIVE up(id) AS (`+seed+`
		UNION SELECT p.parent_id FROM role_parents p JOIN up ON p.role_id = up.id WHERE p.tenant_id = @tenant)
		SELECT id FROM up`, map[string]any{"tenant": tenantID, "ids": slices.Concat(ids, []string{""}), "yes": true}).
		Scan(&found).Error; err != nil {
		return nil, err
	}
	g := make(roleGraph, len(found))
	for chunk := range slices.Chunk(found, idChunk) {
		var rows []roleRow
		if err := db.Select("id, permissions, assignable, is_default").Where("tenant_id = ? AND id IN ?", tenantID, chunk).
			Find(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			n := &roleNode{assignable: r.Assignable, isDefault: r.IsDefault}
			if err := json.Unmarshal([]byte(r.Permissions), &n.perms); err != nil {
				return nil, err
			}
			g[r.ID] = n
		}
		var edges []roleParentRow
		if err := db.Where("tenant_id = ? AND role_id IN ?", tenantID, chunk).Find(&edges).Error; err != nil {
			return nil, err
		}
		for _, e := range edges {
			if n := g[e.RoleID]; n != nil {
				n.parents = append(n.parents, e.ParentID)
			}
		}
	}
	return g, nil
}

// closure returns ids and every known role they inherit from, transitively,
// sorted; unknown ids are left out and a cycle ends its branch.
func (g roleGraph) closure(ids ...string) []string {
	return rbac.Ancestors(func(id string) []string { return g[id].parents }, func(id string) bool { return g[id] != nil }, ids...)
}

// permissions is the sorted union of the permissions of ids and of every
// role they inherit from.
func (g roleGraph) permissions(ids ...string) []string {
	var out []string
	for _, id := range g.closure(ids...) {
		out = append(out, g[id].perms...)
	}
	return rbac.SortedUnique(out)
}

// defaults lists the default roles (every active user holds them).
func (g roleGraph) defaults() []string {
	var out []string
	for id, n := range g {
		if n.isDefault {
			out = append(out, id)
		}
	}
	return rbac.SortedUnique(out)
}

// heirs lists the roles that inherit from id directly.
func heirs(db *gorm.DB, tenantID, id string) ([]string, error) {
	var out []string
	err := db.Model(&roleParentRow{}).Where("tenant_id = ? AND parent_id = ?", tenantID, id).
		Order("role_id").Pluck("role_id", &out).Error
	return out, err
}
