package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"time"

	"github.com/rosterhq/roster/client"
)

// `roster groups list|get|create|update|delete`, `groups members
// list|add|remove` and `groups roles list|add|remove`. GROUP is an id
// (grp_…) or a name; USER an id or an email.

func groupsList(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster groups list", "[flags]", e)
	search := fs.String("search", "", "only groups whose name contains TEXT")
	limit := limitFlag(fs)
	if _, err := parseArgs(fs, cf, args); err != nil {
		return e.usage(err)
	}
	if err := checkLimit(cf, *limit); err != nil {
		return e.usage(err)
	}
	c, err := cf.connect()
	if err != nil {
		return e.fail(cf, err)
	}
	groups, err := listPages(ctx, *limit, func(ctx context.Context, n *int, cursor *string) (client.Response, []client.Group, *string, error) {
		res, err := c.ListGroupsWithResponse(ctx, cf.tenant, &client.ListGroupsParams{Search: optional(*search), Limit: n, Cursor: cursor})
		if err != nil || res.JSON200 == nil {
			return res, nil, nil, err
		}
		return res, res.JSON200.Items, res.JSON200.NextCursor, nil
	})
	if err != nil {
		return e.fail(cf, err)
	}
	return showList(e, cf, groups, []string{"ID", "NAME", "MEMBERS", "DESCRIPTION"}, func(g client.Group) []string {
		return []string{g.Id, g.Name, strconv.Itoa(g.MemberCount), deref(g.Description)}
	})
}

// groupCommand parses a command whose first argument is a GROUP and
// connects; the rest of the arguments follow. code is -1 to go on, else
// the exit status.
func groupCommand(ctx context.Context, e *cliEnv, fs *flag.FlagSet, cf *clientFlags, args []string, names ...string) (*client.Client, string, []string, int) {
	c, id, pos, code := refCommand(ctx, e, fs, cf, args, groupRef, append([]string{"GROUP"}, names...)...)
	if code >= 0 {
		return nil, "", nil, code
	}
	return c, id, pos[1:], -1
}

// refCommand parses a command whose first argument names a user, group or
// organization, connects, and resolves that argument with resolve: the
// client, the id, every argument, and -1; or the exit code of the usage
// error or failure it has already reported.
func refCommand(ctx context.Context, e *cliEnv, fs *flag.FlagSet, cf *clientFlags, args []string,
	resolve func(context.Context, *client.Client, string, string) (string, error), names ...string) (*client.Client, string, []string, int) {
	pos, err := parseArgs(fs, cf, args, names...)
	if err != nil {
		return nil, "", nil, e.usage(err)
	}
	c, err := cf.connect()
	if err != nil {
		return nil, "", nil, e.fail(cf, err)
	}
	id, err := resolve(ctx, c, cf.tenant, pos[0])
	if err != nil {
		return nil, "", nil, e.fail(cf, err)
	}
	return c, id, pos, -1
}

func groupsGet(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster groups get", "GROUP [flags]   (GROUP: id or name)", e)
	c, id, _, code := groupCommand(ctx, e, fs, cf, args)
	if code >= 0 {
		return code
	}
	res, err := c.GetGroupWithResponse(ctx, cf.tenant, id)
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	return e.printGroup(cf, res.Body, res.JSON200)
}

func groupsCreate(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster groups create", "NAME [flags]", e)
	description := fs.String("description", "", "description")
	pos, err := parseArgs(fs, cf, args, "NAME")
	if err != nil {
		return e.usage(err)
	}
	c, err := cf.connect()
	if err != nil {
		return e.fail(cf, err)
	}
	res, err := c.CreateGroupWithResponse(ctx, cf.tenant, client.GroupCreate{Name: pos[0], Description: optional(*description)})
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	return e.printGroup(cf, res.Body, res.JSON201)
}

func groupsUpdate(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster groups update", "GROUP [flags]   (only the flags given change)", e)
	name := fs.String("name", "", "new name")
	description := fs.String("description", "", "description")
	c, id, _, code := groupCommand(ctx, e, fs, cf, args)
	if code >= 0 {
		return code
	}
	var body client.GroupUpdate
	if isSet(fs, "name") {
		body.Name = name
	}
	if isSet(fs, "description") {
		body.Description = description
	}
	if body == (client.GroupUpdate{}) {
		return e.usage(errors.New("roster groups update: nothing to change: give --name or --description"))
	}
	res, err := c.UpdateGroupWithResponse(ctx, cf.tenant, id, nil, body)
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	return e.printGroup(cf, res.Body, res.JSON200)
}

func groupsDelete(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster groups delete", "GROUP [flags]", e)
	c, id, _, code := groupCommand(ctx, e, fs, cf, args)
	if code >= 0 {
		return code
	}
	res, err := c.DeleteGroupWithResponse(ctx, cf.tenant, id, nil)
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	return e.deleted(cf, "group", id)
}

func groupMembersList(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster groups members list", "GROUP [flags]", e)
	limit := limitFlag(fs)
	c, id, _, code := groupCommand(ctx, e, fs, cf, args)
	if code >= 0 {
		return code
	}
	if err := checkLimit(cf, *limit); err != nil {
		return e.usage(err)
	}
	return e.listUsers(ctx, cf, c, *limit, client.ListUsersParams{GroupId: &id})
}

func groupMembersAdd(ctx context.Context, args []string, e *cliEnv) int {
	return groupMembers(ctx, args, e, "add")
}

func groupMembersRemove(ctx context.Context, args []string, e *cliEnv) int {
	return groupMembers(ctx, args, e, "remove")
}

// groupMembers adds or removes members; both are idempotent (a member
// added twice is one member).
func groupMembers(ctx context.Context, args []string, e *cliEnv, verb string) int {
	fs, cf := newClientFlagSet("roster groups members "+verb, "GROUP USER... [flags]   (USER: id or email)", e)
	c, id, users, code := groupCommand(ctx, e, fs, cf, args, "USER...")
	if code >= 0 {
		return code
	}
	ids, err := userRefs(ctx, c, cf.tenant, users)
	if err != nil {
		return e.fail(cf, err)
	}
	link := client.LinkageRequest{Data: make([]client.ResourceIdentifier, len(ids))}
	for i, uid := range ids {
		link.Data[i] = client.ResourceIdentifier{Type: client.ResourceIdentifierTypeUsers, Id: uid}
	}
	var res client.Response
	if verb == "add" {
		res, err = c.AddGroupMembersWithResponse(ctx, cf.tenant, id, link)
	} else {
		res, err = c.RemoveGroupMembersWithResponse(ctx, cf.tenant, id, link)
	}
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	past := map[string]string{"add": "added", "remove": "removed"}[verb]
	return e.show(cf, map[string]any{"group_id": id, past: ids}, func() error {
		_, err := fmt.Fprintf(e.stdout, "%s %d member(s) of %s\n", past, len(ids), id)
		return err
	})
}

func groupRolesList(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster groups roles list", "GROUP [flags]", e)
	limit := limitFlag(fs)
	c, id, _, code := groupCommand(ctx, e, fs, cf, args)
	if code >= 0 {
		return code
	}
	if err := checkLimit(cf, *limit); err != nil {
		return e.usage(err)
	}
	as, err := listPages(ctx, *limit, func(ctx context.Context, n *int, cursor *string) (client.Response, []client.Assignment, *string, error) {
		res, err := c.ListGroupRolesWithResponse(ctx, cf.tenant, id, &client.ListGroupRolesParams{Limit: n, Cursor: cursor})
		if err != nil || res.JSON200 == nil {
			return res, nil, nil, err
		}
		return res, res.JSON200.Items, res.JSON200.NextCursor, nil
	})
	if err != nil {
		return e.fail(cf, err)
	}
	return e.showAssignments(cf, as)
}

func groupRolesAdd(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster groups roles add", "GROUP ROLE [flags]   (ROLE: id or name)", e)
	org := fs.String("org", "", "scope it to this organization (id or name); default global")
	from := fs.String("from", "", "starts at WHEN: a time or a duration from now")
	expires := fs.String("expires", "", "ends at WHEN: a duration from now (12h, 30d) or a time")
	reason := fs.String("reason", "", "why, kept with the assignment and its audit event")
	c, id, rest, code := groupCommand(ctx, e, fs, cf, args, "ROLE")
	if code >= 0 {
		return code
	}
	body := client.AssignmentCreate{RoleId: roleID(rest[0]), Reason: optional(*reason)}
	var err error
	if body.NotBefore, err = whenFlag(cf, "--from", *from); err != nil {
		return e.usage(err)
	}
	if body.ExpiresAt, err = whenFlag(cf, "--expires", *expires); err != nil {
		return e.usage(err)
	}
	if body.Scope, err = scopeOf(ctx, c, cf.tenant, *org); err != nil {
		return e.fail(cf, err)
	}
	res, err := c.AssignGroupRoleWithResponse(ctx, cf.tenant, id, body)
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	a := res.JSON201
	if a == nil {
		a = res.JSON200
	}
	if a == nil && cf.output == "table" {
		return e.fail(cf, fmt.Errorf("the server answered %d without an assignment", res.StatusCode()))
	}
	return e.show(cf, res.Body, func() error {
		w := e.table("GROUP", "ROLE", "SCOPE", "STATUS", "EXPIRES")
		row(w, id, a.RoleId, scopeString(a.Scope), string(a.Status), timeString(a.ExpiresAt))
		return w.Flush()
	})
}

func groupRolesRemove(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster groups roles remove", "GROUP ROLE [flags]", e)
	org := fs.String("org", "", "remove the one scoped to this organization (id or name); default the global one")
	c, id, rest, code := groupCommand(ctx, e, fs, cf, args, "ROLE")
	if code >= 0 {
		return code
	}
	orgID, err := orgRef(ctx, c, cf.tenant, *org)
	if err != nil {
		return e.fail(cf, err)
	}
	role := roleID(rest[0])
	res, err := c.RemoveGroupRoleWithResponse(ctx, cf.tenant, id, role, &client.RemoveGroupRoleParams{OrganizationId: optional(orgID)})
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	return e.show(cf, map[string]any{"group_id": id, "role_id": role, "removed": true}, func() error {
		_, err := fmt.Fprintf(e.stdout, "removed %s from %s\n", role, id)
		return err
	})
}

func (e *cliEnv) printGroup(cf *clientFlags, body []byte, g *client.Group) int {
	if g == nil && cf.output == "table" {
		return e.fail(cf, errors.New("the server's answer holds no group"))
	}
	return e.show(cf, body, func() error {
		return e.fields(
			"ID", g.Id,
			"Name", g.Name,
			"Description", deref(g.Description),
			"Members", strconv.Itoa(g.MemberCount),
			"Created", g.CreatedAt.UTC().Format(time.RFC3339),
			"Updated", g.UpdatedAt.UTC().Format(time.RFC3339),
		)
	})
}
