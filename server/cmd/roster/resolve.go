package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/rosterhq/roster/client"
)

// Arguments name things the way people know them: a user by id or email, a
// group or an organization by id or name, a role by id or name (roleID).
// A name costs one list request to find the id.

// userRef returns the id of the user s names: an id, or an email.
func userRef(ctx context.Context, c *client.Client, tenant, s string) (string, error) {
	if !strings.Contains(s, "@") {
		return s, nil
	}
	// The search matches substrings: walk its pages to the exact email.
	for u, err := range pages(ctx, func(ctx context.Context, cur *string) (client.Response, []client.User, *string, error) {
		r, err := c.ListUsersWithResponse(ctx, tenant, &client.ListUsersParams{Search: &s, Limit: pageLimit(0), Cursor: cur})
		if err != nil || r.JSON200 == nil {
			return r, nil, nil, err
		}
		return r, r.JSON200.Items, r.JSON200.NextCursor, nil
	}) {
		if err != nil {
			return "", err
		}
		if strings.EqualFold(u.Email, s) {
			return u.Id, nil
		}
	}
	return "", fmt.Errorf("no user with email %s in tenant %s", s, tenant)
}

// userRefs resolves several users.
func userRefs(ctx context.Context, c *client.Client, tenant string, ss []string) ([]string, error) {
	out := make([]string, len(ss))
	for i, s := range ss {
		id, err := userRef(ctx, c, tenant, s)
		if err != nil {
			return nil, err
		}
		out[i] = id
	}
	return out, nil
}

// groupRef returns the id of the group s names: an id (grp_…), or a name.
func groupRef(ctx context.Context, c *client.Client, tenant, s string) (string, error) {
	if strings.HasPrefix(s, "grp_") {
		return s, nil
	}
	for g, err := range pages(ctx, func(ctx context.Context, cur *string) (client.Response, []client.Group, *string, error) {
		r, err := c.ListGroupsWithResponse(ctx, tenant, &client.ListGroupsParams{Search: &s, Limit: pageLimit(0), Cursor: cur})
		if err != nil || r.JSON200 == nil {
			return r, nil, nil, err
		}
		return r, r.JSON200.Items, r.JSON200.NextCursor, nil
	}) {
		if err != nil {
			return "", err
		}
		if g.Name == s {
			return g.Id, nil
		}
	}
	return "", fmt.Errorf("no group named %q in tenant %s", s, tenant)
}

// orgRef returns the id of the organization s names: an id (org_…), or a
// name. Organizations cannot be searched, so a name walks the list.
func orgRef(ctx context.Context, c *client.Client, tenant, s string) (string, error) {
	if s == "" || strings.HasPrefix(s, "org_") {
		return s, nil
	}
	for o, err := range allOrganizations(ctx, c, tenant) {
		if err != nil {
			return "", err
		}
		if o.Name == s {
			return o.Id, nil
		}
	}
	return "", fmt.Errorf("no organization named %q in tenant %s", s, tenant)
}
