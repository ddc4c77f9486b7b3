package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/rosterhq/roster/client"
)

// The plan of `roster plan` and `roster apply`: the bulk operations that
// make a tenant's roles, groups and direct global assignments match a tenant
// file. Only what the file names is managed; prune also removes what a
// named group or user holds beyond the file, and custom roles the file
// does not define (docs/tenant-file.md).

// change is one line of the plan and the bulk operation that makes it.
type change struct {
	Sign   string               `json:"change"` // "+", "~" or "-"
	Text   string               `json:"what"`   // "role editor", "member bob@acme.test to group Support"
	Detail []string             `json:"detail,omitempty"`
	Op     client.BulkOperation `json:"operation"`
}

// tenantState is what the plan compares the file with, read through the API.
type tenantState struct {
	roles       map[string]client.Role     // by id
	users       map[string]client.User     // by lower-case email
	emails      map[string]string          // user id → email
	groups      map[string]client.Group    // by name
	members     map[string]map[string]bool // group id → user ids (groups the file names)
	groupRoles  map[string]map[string]bool // group id → global role ids (groups the file names)
	directRoles map[string]map[string]bool // user id → direct global role ids (users the file names)
}

// readState reads the roles, users and groups of the tenant, and the
// members and roles of the groups and users f names.
func readState(ctx context.Context, c *client.Client, tenant string, f *tenantFile) (*tenantState, error) {
	s := &tenantState{roles: map[string]client.Role{}, users: map[string]client.User{}, emails: map[string]string{},
		groups: map[string]client.Group{}, members: map[string]map[string]bool{},
		groupRoles: map[string]map[string]bool{}, directRoles: map[string]map[string]bool{}}
	for r, err := range allRoles(ctx, c, tenant) {
		if err != nil {
			return nil, err
		}
		s.roles[r.Id] = r
	}
	for u, err := range allUsers(ctx, c, tenant) {
		if err != nil {
			return nil, err
		}
		s.users[strings.ToLower(u.Email)] = u
		s.emails[u.Id] = u.Email
	}
	for g, err := range allGroups(ctx, c, tenant) {
		if err != nil {
			return nil, err
		}
		s.groups[g.Name] = g
	}
	for _, fg := range f.Groups {
		g, ok := s.groups[fg.Name]
		if !ok {
			continue
		}
		s.members[g.Id] = map[string]bool{}
		for u, err := range allGroupMembers(ctx, c, tenant, g.Id) {
			if err != nil {
				return nil, err
			}
			s.members[g.Id][u.Id] = true
		}
		s.groupRoles[g.Id] = map[string]bool{}
		for a, err := range allGroupRoles(ctx, c, tenant, g.Id) {
			if err != nil {
				return nil, err
			}
			if a.Scope.Type == client.ScopeTypeGlobal {
				s.groupRoles[g.Id][a.RoleId] = true
			}
		}
	}
	for _, fu := range f.Users {
		u, ok := s.users[strings.ToLower(fu.Email)]
		if !ok {
			continue
		}
		s.directRoles[u.Id] = map[string]bool{}
		for a, err := range allUserRoles(ctx, c, tenant, u.Id) {
			if err != nil {
				return nil, err
			}
			if a.Scope.Type == client.ScopeTypeGlobal {
				s.directRoles[u.Id][a.RoleId] = true
			}
		}
	}
	return s, nil
}

// planner builds the changes in the order the bulk must run them: roles
// first (parents before children), then groups, then grants, then
// removals, then role deletions.
type planner struct {
	f       *tenantFile
	s       *tenantState
	prune   bool
	defined map[string]bool // role ids the file defines
	changes []change
}

func (p *planner) add(sign, text string, op client.BulkOperation, detail ...string) {
	p.changes = append(p.changes, change{Sign: sign, Text: text, Detail: detail, Op: op})
}

// computePlan returns the changes that make s match f.
func computePlan(f *tenantFile, s *tenantState, prune bool) ([]change, error) {
	p := &planner{f: f, s: s, prune: prune, defined: map[string]bool{}}
	for _, r := range f.Roles {
		p.defined[roleID(r.Name)] = true
	}
	if err := p.checkRefs(); err != nil {
		return nil, err
	}
	if err := p.roles(); err != nil {
		return nil, err
	}
	removals := p.groups()
	removals = append(removals, p.users()...)
	p.changes = append(p.changes, removals...)
	if prune {
		for _, id := range sortedKeys(s.roles) {
			if r := s.roles[id]; r.Type == client.Custom && !p.defined[id] {
				p.add("-", "role "+r.Name, op("DELETE", "/roles/"+id, nil))
			}
		}
	}
	return p.changes, nil
}

// checkRefs reports roles, users and system roles the file names wrongly,
// before anything is sent.
func (p *planner) checkRefs() error {
	known := func(where, name string) error {
		if id := roleID(name); !p.defined[id] {
			r, ok := p.s.roles[id]
			switch {
			case !ok:
				return fmt.Errorf("%s: role %q is neither in the file nor in the tenant", where, name)
			case p.prune && r.Type == client.Custom:
				return fmt.Errorf("%s: role %q is not in the file, and --prune would delete it", where, name)
			}
		}
		return nil
	}
	for i, r := range p.f.Roles {
		if old, ok := p.s.roles[roleID(r.Name)]; ok && old.Type == client.System {
			return fmt.Errorf("roles[%d]: %s is a system role: it cannot be defined in a tenant file", i, r.Name)
		}
		for _, parent := range r.InheritsFrom {
			if err := known(fmt.Sprintf("roles[%d] (%s) inherits_from", i, r.Name), parent); err != nil {
				return err
			}
		}
	}
	for i, g := range p.f.Groups {
		for _, name := range g.Roles {
			if err := known(fmt.Sprintf("groups[%d] (%s) roles", i, g.Name), name); err != nil {
				return err
			}
		}
		for _, m := range g.Members {
			if _, ok := p.s.users[strings.ToLower(m)]; !ok {
				return fmt.Errorf("groups[%d] (%s) members: no user with email %s in the tenant (create it first: roster users create %s)", i, g.Name, m, m)
			}
		}
	}
	for i, u := range p.f.Users {
		if _, ok := p.s.users[strings.ToLower(u.Email)]; !ok {
			return fmt.Errorf("users[%d]: no user with email %s in the tenant (create it first: roster users create %s)", i, u.Email, u.Email)
		}
		for _, name := range u.Roles {
			if err := known(fmt.Sprintf("users[%d] (%s) roles", i, u.Email), name); err != nil {
				return err
			}
		}
	}
	return nil
}

func op(method, path string, body any) client.BulkOperation {
	return client.BulkOperation{Method: client.BulkOperationMethod(method), Path: path, Body: body}
}

// sortedKeys returns a map's keys in order, so that plans are stable.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// setDiff returns what want has that have lacks, and the reverse, sorted.
func setDiff(want []string, have map[string]bool) (added, removed []string) {
	w := map[string]bool{}
	for _, x := range want {
		w[x] = true
		if !have[x] {
			added = append(added, x)
		}
	}
	for _, x := range sortedKeys(have) {
		if !w[x] {
			removed = append(removed, x)
		}
	}
	slices.Sort(added)
	return slices.Compact(added), removed
}

func toSet(xs []string) map[string]bool {
	m := map[string]bool{}
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// roleNames turns role ids back into names for the plan's lines.
func roleNames(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strings.TrimPrefix(id, "role_")
	}
	return out
}
