package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster/client"
)

// rolesCommand runs `roster roles list|get|create`.
func rolesCommand(ctx context.Context, args []string, e *cliEnv) int {
	if len(args) == 0 {
		return e.usage(errors.New("roster roles: want list, get or create"))
	}
	switch args[0] {
	case "list":
		return rolesList(ctx, args[1:], e)
	case "get":
		return rolesGet(ctx, args[1:], e)
	case "create":
		return rolesCreate(ctx, args[1:], e)
	default:
		return e.usage(fmt.Errorf("roster roles: unknown command %q: want list, get or create", args[0]))
	}
}

func rolesList(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster roles list", "[flags]", e)
	search := fs.String("search", "", "only roles whose name or display name contains TEXT")
	typ := fs.String("type", "", "only system or only custom roles")
	limit := limitFlag(fs)
	if _, err := parseArgs(fs, cf, args); err != nil {
		return e.usage(err)
	}
	if *limit < 0 {
		return e.usage(errors.New("roster roles list: --limit must not be negative"))
	}
	c, err := cf.connect()
	if err != nil {
		return e.fail(cf, err)
	}
	params := client.ListRolesParams{Limit: pageLimit(*limit)}
	if *search != "" {
		params.Search = search
	}
	if *typ != "" {
		t := client.RoleType(*typ)
		params.Type = &t
	}
	roles, err := collect(ctx, *limit, func(ctx context.Context, cursor *string) ([]client.Role, *string, error) {
		params.Cursor = cursor
		res, err := c.ListRolesWithResponse(ctx, cf.tenant, &params)
		if err := client.CheckResponse(res, err); err != nil {
			return nil, nil, err
		}
		return res.JSON200.Items, res.JSON200.NextCursor, nil
	})
	if err != nil {
		return e.fail(cf, err)
	}
	if cf.output == "json" {
		if err := e.printValue(roles); err != nil {
			return e.fail(cf, err)
		}
		return 0
	}
	w := e.table("ID", "NAME", "DISPLAY NAME", "TYPE", "USERS", "PERMISSIONS")
	for _, r := range roles {
		row(w, r.Id, r.Name, r.DisplayName, string(r.Type), strconv.Itoa(r.UserCount), strings.Join(r.Permissions, ","))
	}
	if err := w.Flush(); err != nil {
		return e.fail(cf, err)
	}
	return 0
}

func rolesGet(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster roles get", "ROLE [flags]   (ROLE: id or name)", e)
	pos, err := parseArgs(fs, cf, args, "ROLE")
	if err != nil {
		return e.usage(err)
	}
	c, err := cf.connect()
	if err != nil {
		return e.fail(cf, err)
	}
	res, err := c.GetRoleWithResponse(ctx, cf.tenant, roleID(pos[0]))
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	return e.printRole(cf, res.Body, res.JSON200)
}

func rolesCreate(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster roles create", "NAME [flags]", e)
	display := fs.String("display-name", "", "display name (default: NAME)")
	description := fs.String("description", "", "description")
	perms := fs.String("permissions", "", "comma-separated permissions, such as documents:read,documents:write")
	inherits := fs.String("inherits", "", "comma-separated ids of the roles it inherits from")
	pos, err := parseArgs(fs, cf, args, "NAME")
	if err != nil {
		return e.usage(err)
	}
	body := client.RoleCreate{Name: pos[0], DisplayName: *display, Permissions: splitList(*perms)}
	if body.DisplayName == "" {
		body.DisplayName = body.Name
	}
	if *description != "" {
		body.Description = description
	}
	if *inherits != "" {
		ids := splitList(*inherits)
		for i, id := range ids {
			ids[i] = roleID(id)
		}
		body.InheritsFrom = &ids
	}
	c, err := cf.connect()
	if err != nil {
		return e.fail(cf, err)
	}
	res, err := c.CreateRoleWithResponse(ctx, cf.tenant, body)
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	return e.printRole(cf, res.Body, res.JSON201)
}

func (e *cliEnv) printRole(cf *clientFlags, body []byte, r *client.Role) int {
	var err error
	switch {
	case cf.output == "json":
		err = e.printJSON(body)
	case r == nil:
		err = errors.New("the server's answer holds no role")
	default:
		err = e.fields(
			"ID", r.Id,
			"Name", r.Name,
			"Display name", r.DisplayName,
			"Description", deref(r.Description),
			"Type", string(r.Type),
			"Assignable", strconv.FormatBool(r.Assignable),
			"Default", strconv.FormatBool(r.Default),
			"Permissions", strings.Join(r.Permissions, ", "),
			"Inherits from", strings.Join(r.InheritsFrom, ", "),
			"Users", strconv.Itoa(r.UserCount),
			"Created", r.CreatedAt.UTC().Format(time.RFC3339),
			"Updated", r.UpdatedAt.UTC().Format(time.RFC3339),
		)
	}
	if err != nil {
		return e.fail(cf, err)
	}
	return 0
}

// roleID accepts a role's id or its name: "editor" means role_editor, since
// a role's id is "role_" + its name.
func roleID(s string) string {
	if strings.HasPrefix(s, "role_") {
		return s
	}
	return "role_" + s
}
