package gormstore

import (
	"encoding/json"
	"slices"

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

func loadRoleGraph(db *gorm.DB, tenantID string) (roleGraph, error) {
	var rows []roleRow
	if err := db.Select("id, permissions, assignable, is_default").Where("tenant_id = ?", tenantID).Find(&rows).Error; err != nil {
		return nil, err
	}
	var edges []roleParentRow
	if err := db.Where("tenant_id = ?", tenantID).Find(&edges).Error; err != nil {
		return nil, err
	}
	g := make(roleGraph, len(rows))
	for _, r := range rows {
		n := &roleNode{assignable: r.Assignable, isDefault: r.IsDefault}
		if err := json.Unmarshal([]byte(r.Permissions), &n.perms); err != nil {
			return nil, err
		}
		g[r.ID] = n
	}
	for _, e := range edges {
		if n := g[e.RoleID]; n != nil {
			n.parents = append(n.parents, e.ParentID)
		}
	}
	return g, nil
}

// closure returns ids and every known role they inherit from, transitively,
// sorted; unknown ids are left out and a cycle ends its branch.
func (g roleGraph) closure(ids ...string) []string {
	seen := map[string]bool{}
	stack := slices.Clone(ids)
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := g[id]
		if n == nil || seen[id] {
			continue
		}
		seen[id] = true
		stack = append(stack, n.parents...)
	}
	return sortedUnique(keys(seen))
}

// permissions is the sorted union of the permissions of ids and of every
// role they inherit from.
func (g roleGraph) permissions(ids ...string) []string {
	var out []string
	for _, id := range g.closure(ids...) {
		out = append(out, g[id].perms...)
	}
	return sortedUnique(out)
}

// defaults lists the default roles (every active user holds them).
func (g roleGraph) defaults() []string {
	var out []string
	for id, n := range g {
		if n.isDefault {
			out = append(out, id)
		}
	}
	return sortedUnique(out)
}

// heirs lists the roles that inherit from id directly.
func (g roleGraph) heirs(id string) []string {
	var out []string
	for child, n := range g {
		if slices.Contains(n.parents, id) {
			out = append(out, child)
		}
	}
	return sortedUnique(out)
}
