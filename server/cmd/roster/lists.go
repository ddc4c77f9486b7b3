package main

import (
	"context"
	"iter"

	"github.com/rosterhq/roster/client"
)

// Every page of the tenant's lists that export and import read, one
// function per list over client.All.

// pages adapts one list call of the SDK to client.All.
func pages[T any](ctx context.Context, fetch func(ctx context.Context, cur *string) (client.Response, []T, *string, error)) iter.Seq2[T, error] {
	return client.All(ctx, func(ctx context.Context, cur *string) ([]T, *string, error) {
		res, items, next, err := fetch(ctx, cur)
		if err := client.CheckResponse(res, err); err != nil {
			return nil, nil, err
		}
		return items, next, nil
	})
}

func allOrganizations(ctx context.Context, c *client.Client, tenant string) iter.Seq2[client.Organization, error] {
	return pages(ctx, func(ctx context.Context, cur *string) (client.Response, []client.Organization, *string, error) {
		r, err := c.ListOrganizationsWithResponse(ctx, tenant, &client.ListOrganizationsParams{Limit: pageLimit(0), Cursor: cur})
		if err != nil || r.JSON200 == nil {
			return r, nil, nil, err
		}
		return r, r.JSON200.Items, r.JSON200.NextCursor, nil
	})
}

func allRoles(ctx context.Context, c *client.Client, tenant string) iter.Seq2[client.Role, error] {
	return pages(ctx, func(ctx context.Context, cur *string) (client.Response, []client.Role, *string, error) {
		r, err := c.ListRolesWithResponse(ctx, tenant, &client.ListRolesParams{Limit: pageLimit(0), Cursor: cur})
		if err != nil || r.JSON200 == nil {
			return r, nil, nil, err
		}
		return r, r.JSON200.Items, r.JSON200.NextCursor, nil
	})
}

func allUsers(ctx context.Context, c *client.Client, tenant string) iter.Seq2[client.User, error] {
	return pages(ctx, func(ctx context.Context, cur *string) (client.Response, []client.User, *string, error) {
		r, err := c.ListUsersWithResponse(ctx, tenant, &client.ListUsersParams{Limit: pageLimit(0), Cursor: cur})
		if err != nil || r.JSON200 == nil {
			return r, nil, nil, err
		}
		return r, r.JSON200.Items, r.JSON200.NextCursor, nil
	})
}

func allGroups(ctx context.Context, c *client.Client, tenant string) iter.Seq2[client.Group, error] {
	return pages(ctx, func(ctx context.Context, cur *string) (client.Response, []client.Group, *string, error) {
		r, err := c.ListGroupsWithResponse(ctx, tenant, &client.ListGroupsParams{Limit: pageLimit(0), Cursor: cur})
		if err != nil || r.JSON200 == nil {
			return r, nil, nil, err
		}
		return r, r.JSON200.Items, r.JSON200.NextCursor, nil
	})
}

func allUserRoles(ctx context.Context, c *client.Client, tenant, userID string) iter.Seq2[client.Assignment, error] {
	return pages(ctx, func(ctx context.Context, cur *string) (client.Response, []client.Assignment, *string, error) {
		r, err := c.ListUserRolesWithResponse(ctx, tenant, userID, &client.ListUserRolesParams{Limit: pageLimit(0), Cursor: cur})
		if err != nil || r.JSON200 == nil {
			return r, nil, nil, err
		}
		return r, r.JSON200.Items, r.JSON200.NextCursor, nil
	})
}

func allGroupMembers(ctx context.Context, c *client.Client, tenant, groupID string) iter.Seq2[client.User, error] {
	return pages(ctx, func(ctx context.Context, cur *string) (client.Response, []client.User, *string, error) {
		r, err := c.ListGroupMembersWithResponse(ctx, tenant, groupID, &client.ListGroupMembersParams{Limit: pageLimit(0), Cursor: cur})
		if err != nil || r.JSON200 == nil {
			return r, nil, nil, err
		}
		return r, r.JSON200.Items, r.JSON200.NextCursor, nil
	})
}

func allGroupRoles(ctx context.Context, c *client.Client, tenant, groupID string) iter.Seq2[client.Assignment, error] {
	return pages(ctx, func(ctx context.Context, cur *string) (client.Response, []client.Assignment, *string, error) {
		r, err := c.ListGroupRolesWithResponse(ctx, tenant, groupID, &client.ListGroupRolesParams{Limit: pageLimit(0), Cursor: cur})
		if err != nil || r.JSON200 == nil {
			return r, nil, nil, err
		}
		return r, r.JSON200.Items, r.JSON200.NextCursor, nil
	})
}
