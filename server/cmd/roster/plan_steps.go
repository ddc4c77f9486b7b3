package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rosterhq/roster/client"
)

// The steps of computePlan: roles, groups, users.

// roles creates the file's new roles, parents first, then updates the
// existing ones whose fields differ.
func (p *planner) roles() error {
	byID := map[string]fileRole{}
	for _, r := range p.f.Roles {
		byID[roleID(r.Name)] = r
	}
	const visiting, done = 1, 2
	state := map[string]int{}
	var visit func(id string, path []string) error
	visit = func(id string, path []string) error {
		switch state[id] {
		case done:
			return nil
		case visiting:
			return fmt.Errorf("roles inherit in a cycle: %s", strings.Join(roleNames(append(path, id)), " → "))
		}
		state[id] = visiting
		r := byID[id]
		for _, parent := range r.InheritsFrom {
			if pid := roleID(parent); byID[pid].Name != "" {
				if _, exists := p.s.roles[pid]; !exists {
					if err := visit(pid, append(path, id)); err != nil {
						return err
					}
				}
			}
		}
		state[id] = done
		p.createRole(r)
		return nil
	}
	for _, r := range p.f.Roles {
		if _, exists := p.s.roles[roleID(r.Name)]; !exists {
			if err := visit(roleID(r.Name), nil); err != nil {
				return err
			}
		}
	}
	for _, r := range p.f.Roles {
		if old, exists := p.s.roles[roleID(r.Name)]; exists {
			p.updateRole(r, old)
		}
	}
	return nil
}

func (p *planner) createRole(r fileRole) {
	body := client.RoleCreate{Name: r.Name, DisplayName: r.Name, Description: r.Description, Permissions: r.Permissions}
	if body.Permissions == nil {
		body.Permissions = []string{}
	}
	if r.DisplayName != nil {
		body.DisplayName = *r.DisplayName
	}
	var detail []string
	if len(r.Permissions) > 0 {
		detail = append(detail, "permissions: "+strings.Join(r.Permissions, ", "))
	}
	if len(r.InheritsFrom) > 0 {
		ids := make([]string, len(r.InheritsFrom))
		for i, n := range r.InheritsFrom {
			ids[i] = roleID(n)
		}
		body.InheritsFrom = &ids
		detail = append(detail, "inherits_from: "+strings.Join(roleNames(ids), ", "))
	}
	p.add("+", "role "+r.Name, op("POST", "/roles", body), detail...)
}

// updateRole patches only the fields that differ; one line names them all.
func (p *planner) updateRole(r fileRole, old client.Role) {
	var body client.RoleUpdate
	var parts []string
	if r.DisplayName != nil && *r.DisplayName != old.DisplayName {
		body.DisplayName = r.DisplayName
		parts = append(parts, fmt.Sprintf("display_name: %q → %q", old.DisplayName, *r.DisplayName))
	}
	if r.Description != nil && *r.Description != deref(old.Description) {
		body.Description = r.Description
		parts = append(parts, fmt.Sprintf("description: %q → %q", deref(old.Description), *r.Description))
	}
	if added, removed := setDiff(r.Permissions, toSet(old.Permissions)); len(added)+len(removed) > 0 {
		perms := slices.Clone(r.Permissions)
		if perms == nil {
			perms = []string{}
		}
		body.Permissions = &perms
		parts = append(parts, "permissions: "+plusMinus(added, removed))
	}
	want := make([]string, len(r.InheritsFrom))
	for i, n := range r.InheritsFrom {
		want[i] = roleID(n)
	}
	if added, removed := setDiff(want, toSet(old.InheritsFrom)); len(added)+len(removed) > 0 {
		body.InheritsFrom = &want
		parts = append(parts, "inherits_from: "+plusMinus(roleNames(added), roleNames(removed)))
	}
	if len(parts) > 0 {
		p.add("~", "role "+r.Name+" "+strings.Join(parts, "; "), op("PUT", "/roles/"+old.Id, body))
	}
}

func plusMinus(added, removed []string) string {
	var out []string
	for _, a := range added {
		out = append(out, "+"+a)
	}
	for _, r := range removed {
		out = append(out, "-"+r)
	}
	return strings.Join(out, " ")
}

// groups creates missing groups and adds their roles and members; the
// removals (prune) are returned to run after every addition.
func (p *planner) groups() (removals []change) {
	for i, fg := range p.f.Groups {
		g, exists := p.s.groups[fg.Name]
		gid := g.Id
		if !exists {
			ref := fmt.Sprintf("group%d", i)
			gid = "${" + ref + "}"
			o := op("POST", "/groups", client.GroupCreate{Name: fg.Name, Description: fg.Description})
			o.Ref = &ref
			p.add("+", "group "+fg.Name, o)
		} else if fg.Description != nil && *fg.Description != deref(g.Description) {
			p.add("~", fmt.Sprintf("group %s description: %q → %q", fg.Name, deref(g.Description), *fg.Description),
				op("PATCH", "/groups/"+gid, client.GroupUpdate{Description: fg.Description}))
		}
		roleIDs := make([]string, len(fg.Roles))
		for j, n := range fg.Roles {
			roleIDs[j] = roleID(n)
		}
		added, removed := setDiff(roleIDs, p.s.groupRoles[g.Id])
		for _, id := range added {
			p.add("+", fmt.Sprintf("role %s to group %s", strings.TrimPrefix(id, "role_"), fg.Name),
				op("POST", "/groups/"+gid+"/roles", client.AssignmentCreate{RoleId: id}))
		}
		if p.prune {
			for _, id := range removed {
				removals = append(removals, change{Sign: "-", Text: fmt.Sprintf("role %s from group %s", strings.TrimPrefix(id, "role_"), fg.Name),
					Op: op("DELETE", "/groups/"+gid+"/roles/"+id, nil)})
			}
		}
		memberIDs := make([]string, len(fg.Members))
		for j, m := range fg.Members {
			memberIDs[j] = p.s.users[strings.ToLower(m)].Id
		}
		added, removed = setDiff(memberIDs, p.s.members[g.Id])
		byEmail := func(a, b string) int { return strings.Compare(p.s.emails[a], p.s.emails[b]) } // ids are random
		slices.SortFunc(added, byEmail)
		slices.SortFunc(removed, byEmail)
		for _, id := range added {
			p.add("+", fmt.Sprintf("member %s to group %s", p.s.emails[id], fg.Name),
				op("POST", "/groups/"+gid+"/relationships/members", linkage(id)))
		}
		if p.prune {
			for _, id := range removed {
				removals = append(removals, change{Sign: "-", Text: fmt.Sprintf("member %s from group %s", p.s.emails[id], fg.Name),
					Op: op("DELETE", "/groups/"+gid+"/relationships/members", linkage(id))})
			}
		}
	}
	return removals
}

func linkage(userID string) client.LinkageRequest {
	return client.LinkageRequest{Data: []client.ResourceIdentifier{{Id: userID, Type: client.ResourceIdentifierTypeUsers}}}
}

// users grants the file's direct global roles; the removals (prune) are
// returned.
func (p *planner) users() (removals []change) {
	for _, fu := range p.f.Users {
		u := p.s.users[strings.ToLower(fu.Email)]
		want := make([]string, len(fu.Roles))
		for i, n := range fu.Roles {
			want[i] = roleID(n)
		}
		added, removed := setDiff(want, p.s.directRoles[u.Id])
		for _, id := range added {
			p.add("+", fmt.Sprintf("role %s to user %s", strings.TrimPrefix(id, "role_"), u.Email),
				op("POST", "/users/"+u.Id+"/roles", client.AssignmentCreate{RoleId: id}))
		}
		if p.prune {
			for _, id := range removed {
				removals = append(removals, change{Sign: "-", Text: fmt.Sprintf("role %s from user %s", strings.TrimPrefix(id, "role_"), u.Email),
					Op: op("DELETE", "/users/"+u.Id+"/roles/"+id, nil)})
			}
		}
	}
	return removals
}
