package main

import (
	"bufio"
	"context"
	"encoding/json"
	"time"

	"github.com/rosterhq/roster/client"
)

// `roster export` writes a tenant as NDJSON, one record per line, in the
// order `roster import` needs them: organizations, roles, users with their
// direct assignments, groups with their members and roles. Records name
// things by what survives a move to another tenant — organization and
// group names, user emails, role ids (which are the role names) — never by
// the random ids of users, groups and organizations.

// record is one line of an export.
type record struct {
	Kind string `json:"kind"` // organization, role, user, group

	Name         string         `json:"name,omitempty"`        // organization, role, group
	ExternalID   string         `json:"external_id,omitempty"` // organization, user
	DisplayName  string         `json:"display_name,omitempty"`
	Description  string         `json:"description,omitempty"`
	Permissions  []string       `json:"permissions,omitempty"`
	InheritsFrom []string       `json:"inherits_from,omitempty"` // role ids
	Assignable   *bool          `json:"assignable,omitempty"`
	Metadata     map[string]any `json:"metadata,omitempty"`
	System       bool           `json:"system,omitempty"` // role_member: only its permissions move
	Email        string         `json:"email,omitempty"`
	FirstName    string         `json:"first_name,omitempty"`
	LastName     string         `json:"last_name,omitempty"`
	Status       string         `json:"status,omitempty"`
	Members      []string       `json:"members,omitempty"` // group: member emails
	Grants       []grant        `json:"grants,omitempty"`  // user: direct assignments; group: its roles
}

// grant is a role held, in a scope named by its organization's name.
type grant struct {
	Role         string     `json:"role"`
	Organization string     `json:"organization,omitempty"`
	NotBefore    *time.Time `json:"not_before,omitempty"`
	ExpiresAt    *time.Time `json:"expires_at,omitempty"`
	Reason       string     `json:"reason,omitempty"`
}

func exportCommand(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster export", "", e)
	if _, err := parseArgs(fs, cf, args); err != nil {
		return e.usage(err)
	}
	c, err := cf.connect()
	if err != nil {
		return e.fail(cf, err)
	}
	w := bufio.NewWriter(e.stdout)
	enc := json.NewEncoder(w)
	if err := exportTenant(ctx, c, cf.tenant, enc.Encode); err != nil {
		return e.fail(cf, err)
	}
	if err := w.Flush(); err != nil {
		return e.fail(cf, err)
	}
	return 0
}

// exportTenant emits every record of the tenant.
func exportTenant(ctx context.Context, c *client.Client, tenant string, emit func(any) error) error {
	orgNames := map[string]string{}
	for o, err := range allOrganizations(ctx, c, tenant) {
		if err != nil {
			return err
		}
		orgNames[o.Id] = o.Name
		if err := emit(record{Kind: "organization", Name: o.Name, ExternalID: deref(o.ExternalId)}); err != nil {
			return err
		}
	}
	for r, err := range allRoles(ctx, c, tenant) {
		if err != nil {
			return err
		}
		rec := record{Kind: "role", Name: r.Name, Permissions: r.Permissions}
		switch {
		case r.Id == "role_member":
			rec.System = true
		case r.Type == client.System:
			continue // role_admin never changes
		default:
			rec.DisplayName, rec.Description, rec.InheritsFrom = r.DisplayName, deref(r.Description), r.InheritsFrom
			rec.Assignable = &r.Assignable
			if r.Metadata != nil {
				rec.Metadata = *r.Metadata
			}
		}
		if err := emit(rec); err != nil {
			return err
		}
	}
	for u, err := range allUsers(ctx, c, tenant) {
		if err != nil {
			return err
		}
		grants, err := userGrants(ctx, c, tenant, u.Id, orgNames)
		if err != nil {
			return err
		}
		if err := emit(record{Kind: "user", Email: string(u.Email), FirstName: deref(u.FirstName), LastName: deref(u.LastName),
			ExternalID: deref(u.ExternalUserId), Status: string(u.Status), Grants: grants}); err != nil {
			return err
		}
	}
	for g, err := range allGroups(ctx, c, tenant) {
		if err != nil {
			return err
		}
		rec, err := groupRecord(ctx, c, tenant, g, orgNames)
		if err != nil {
			return err
		}
		if err := emit(rec); err != nil {
			return err
		}
	}
	return nil
}

func userGrants(ctx context.Context, c *client.Client, tenant, userID string, orgNames map[string]string) ([]grant, error) {
	var out []grant
	for a, err := range allUserRoles(ctx, c, tenant, userID) {
		if err != nil {
			return nil, err
		}
		out = append(out, grantOf(a, orgNames))
	}
	return out, nil
}

func groupRecord(ctx context.Context, c *client.Client, tenant string, g client.Group, orgNames map[string]string) (record, error) {
	rec := record{Kind: "group", Name: g.Name, Description: deref(g.Description)}
	for u, err := range allGroupMembers(ctx, c, tenant, g.Id) {
		if err != nil {
			return record{}, err
		}
		rec.Members = append(rec.Members, string(u.Email))
	}
	for a, err := range allGroupRoles(ctx, c, tenant, g.Id) {
		if err != nil {
			return record{}, err
		}
		rec.Grants = append(rec.Grants, grantOf(a, orgNames))
	}
	return rec, nil
}

func grantOf(a client.Assignment, orgNames map[string]string) grant {
	g := grant{Role: a.RoleId, NotBefore: a.NotBefore, ExpiresAt: a.ExpiresAt, Reason: deref(a.Reason)}
	if a.Scope.OrganizationId != nil {
		g.Organization = orgNames[*a.Scope.OrganizationId]
	}
	return g
}
