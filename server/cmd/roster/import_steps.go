package main

import (
	"context"
	"fmt"
	"net/http"

	"github.com/rosterhq/roster/client"
)

// The passes of an import, one per kind of record; each skips the others.

// lookups learns what the tenant has already, so that a rerun finds it.
func (im *importer) lookups(ctx context.Context) error {
	for o, err := range allOrganizations(ctx, im.c, im.tenant) {
		if err != nil {
			return err
		}
		im.orgs[o.Name] = o.Id
	}
	for u, err := range allUsers(ctx, im.c, im.tenant) {
		if err != nil {
			return err
		}
		im.users[string(u.Email)] = u.Id
		im.held[u.Id] = u.Roles
	}
	for g, err := range allGroups(ctx, im.c, im.tenant) {
		if err != nil {
			return err
		}
		im.groups[g.Name] = g.Id
	}
	return nil
}

// checkRoles refuses, before writing anything, a grant of a role that is
// neither in the tenant nor in the file.
func (im *importer) checkRoles(ctx context.Context, recs []record) error {
	known := map[string]bool{}
	for r, err := range allRoles(ctx, im.c, im.tenant) {
		if err != nil {
			return err
		}
		known[r.Id] = true
	}
	for _, r := range recs {
		if r.Kind == "role" {
			known["role_"+r.Name] = true
		}
	}
	for _, r := range recs {
		for _, g := range r.Grants {
			if !known[g.Role] {
				return fmt.Errorf("%s %s%s: no role %s in the tenant or the file (create it first: roster roles create)", r.Kind, r.Name, r.Email, g.Role)
			}
		}
	}
	return nil
}

func (im *importer) organization(ctx context.Context, r record) error {
	if r.Kind != "organization" {
		return nil
	}
	defer im.tick()
	if _, ok := im.orgs[r.Name]; ok {
		return nil
	}
	res, err := im.c.CreateOrganizationWithResponse(ctx, im.tenant, client.OrganizationCreate{Name: r.Name, ExternalId: optional(r.ExternalID)}, key("org", r))
	if err := client.CheckResponse(res, err); err != nil {
		return err
	}
	im.orgs[r.Name] = res.JSON201.Id
	return nil
}

// role creates a custom role, or sets an existing one to the record; the
// member role gets the record's permissions.
func (im *importer) role(ctx context.Context, r record) error {
	if r.Kind != "role" {
		return nil
	}
	id := "role_" + r.Name
	if r.Permissions == nil {
		r.Permissions = []string{} // exported as absent when empty
	}
	update := client.RoleUpdate{Permissions: &r.Permissions}
	if !r.System {
		res, err := im.c.CreateRoleWithResponse(ctx, im.tenant, client.RoleCreate{Name: r.Name, DisplayName: r.DisplayName,
			Description: optional(r.Description), Permissions: r.Permissions, Assignable: r.Assignable, Metadata: metadataOf(r.Metadata)}, key("role", r))
		if err == nil && res.StatusCode() == http.StatusCreated {
			return nil
		}
		if err := client.CheckResponse(res, err); !client.IsCode(err, "conflict") {
			return err
		}
		update = client.RoleUpdate{DisplayName: &r.DisplayName, Description: optional(r.Description), Permissions: &r.Permissions,
			Assignable: r.Assignable, Metadata: metadataOf(r.Metadata)}
	}
	res, err := im.c.UpdateRoleWithResponse(ctx, im.tenant, id, nil, update, key("role-update", r))
	return client.CheckResponse(res, err)
}

// parents sets a role's inherits_from once every role exists.
func (im *importer) parents(ctx context.Context, r record) error {
	if r.Kind != "role" {
		return nil
	}
	defer im.tick()
	if r.System || len(r.InheritsFrom) == 0 {
		return nil
	}
	res, err := im.c.UpdateRoleWithResponse(ctx, im.tenant, "role_"+r.Name, nil, client.RoleUpdate{InheritsFrom: &r.InheritsFrom}, key("parents", r))
	return client.CheckResponse(res, err)
}

func (im *importer) group(ctx context.Context, r record) error {
	if r.Kind != "group" {
		return nil
	}
	defer im.tick()
	id, ok := im.groups[r.Name]
	if !ok {
		res, err := im.c.CreateGroupWithResponse(ctx, im.tenant, client.GroupCreate{Name: r.Name, Description: optional(r.Description)}, key("group", r))
		if err := client.CheckResponse(res, err); err != nil {
			return err
		}
		id = res.JSON201.Id
		im.groups[r.Name] = id
	}
	if len(r.Members) > 0 {
		link := client.LinkageRequest{}
		for _, email := range r.Members {
			uid, ok := im.users[email]
			if !ok {
				return fmt.Errorf("member %s is not a user of the tenant (no user record for it)", email)
			}
			link.Data = append(link.Data, client.ResourceIdentifier{Type: client.ResourceIdentifierTypeUsers, Id: uid})
		}
		res, err := im.c.AddGroupMembersWithResponse(ctx, im.tenant, id, link, key("members", r))
		if err := client.CheckResponse(res, err); err != nil {
			return err
		}
	}
	grants, err := im.assignments(r.Grants)
	if err != nil {
		return err
	}
	for i, g := range grants {
		res, err := im.c.AssignGroupRoleWithResponse(ctx, im.tenant, id, g, key(fmt.Sprintf("group-role-%d", i), r))
		if err := client.CheckResponse(res, err); err != nil {
			return err
		}
	}
	return nil
}

// assignments turns grants into the API's, organizations named by name.
func (im *importer) assignments(gs []grant) ([]client.AssignmentCreate, error) {
	out := make([]client.AssignmentCreate, 0, len(gs))
	for _, g := range gs {
		a := client.AssignmentCreate{RoleId: g.Role, NotBefore: g.NotBefore, ExpiresAt: g.ExpiresAt, Reason: optional(g.Reason)}
		if g.Organization != "" {
			org, ok := im.orgs[g.Organization]
			if !ok {
				return nil, fmt.Errorf("organization %q is not in the tenant (no organization record for it)", g.Organization)
			}
			a.Scope = &client.Scope{Type: client.ScopeTypeOrganization, OrganizationId: &org}
		}
		out = append(out, a)
	}
	return out, nil
}

func metadataOf(m map[string]any) *client.Metadata {
	if m == nil {
		return nil
	}
	md := client.Metadata(m)
	return &md
}
