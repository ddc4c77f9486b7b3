package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster/client"
)

// `roster roles list|get|create|update|delete`.

func rolesList(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster roles list", "[flags]", e)
	search := fs.String("search", "", "only roles whose name or display name contains TEXT")
	typ := fs.String("type", "", "only system or only custom roles")
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
	params := client.ListRolesParams{Search: optional(*search)}
	if *typ != "" {
		t := client.RoleType(*typ)
		params.Type = &t
	}
	roles, err := listPages(ctx, *limit, func(ctx context.Context, n *int, cursor *string) (client.Response, []client.Role, *string, error) {
		params.Limit, params.Cursor = n, cursor
		res, err := c.ListRolesWithResponse(ctx, cf.tenant, &params)
		if err != nil || res.JSON200 == nil {
			return res, nil, nil, err
		}
		return res, res.JSON200.Items, res.JSON200.NextCursor, nil
	})
	if err != nil {
		return e.fail(cf, err)
	}
	return showList(e, cf, roles, []string{"ID", "NAME", "DISPLAY NAME", "TYPE", "USERS", "PERMISSIONS"}, func(r client.Role) []string {
		return []string{r.Id, r.Name, r.DisplayName, string(r.Type), strconv.Itoa(r.UserCount), strings.Join(r.Permissions, ",")}
	})
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
	inherits := fs.String("inherits", "", "comma-separated roles it inherits from (ids or names)")
	assignable := fs.Bool("assignable", true, "may be granted through the API (false: never)")
	metadata := fs.String("metadata", "", "a JSON object kept with the role")
	pos, err := parseArgs(fs, cf, args, "NAME")
	if err != nil {
		return e.usage(err)
	}
	body := client.RoleCreate{Name: pos[0], DisplayName: *display, Permissions: splitList(*perms), Description: optional(*description)}
	if body.DisplayName == "" {
		body.DisplayName = body.Name
	}
	if *inherits != "" {
		ids := roleIDs(*inherits)
		body.InheritsFrom = &ids
	}
	if isSet(fs, "assignable") {
		body.Assignable = assignable
	}
	if body.Metadata, err = metadataFlag(cf, *metadata); err != nil {
		return e.usage(err)
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

// rolesUpdate changes only the fields whose flags are given.
func rolesUpdate(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster roles update", "ROLE [flags]   (only the flags given change)", e)
	display := fs.String("display-name", "", "display name")
	description := fs.String("description", "", "description")
	perms := fs.String("permissions", "", "comma-separated permissions: the whole new list (\"\" for none)")
	inherits := fs.String("inherits", "", "comma-separated roles it inherits from: the whole new list (\"\" for none)")
	assignable := fs.Bool("assignable", true, "may be granted through the API")
	metadata := fs.String("metadata", "", "a JSON object kept with the role (replaces the old one)")
	pos, err := parseArgs(fs, cf, args, "ROLE")
	if err != nil {
		return e.usage(err)
	}
	var body client.RoleUpdate
	if isSet(fs, "display-name") {
		body.DisplayName = display
	}
	if isSet(fs, "description") {
		body.Description = description
	}
	if isSet(fs, "permissions") {
		p := splitList(*perms)
		body.Permissions = &p
	}
	if isSet(fs, "inherits") {
		ids := roleIDs(*inherits)
		body.InheritsFrom = &ids
	}
	if isSet(fs, "assignable") {
		body.Assignable = assignable
	}
	if body.Metadata, err = metadataFlag(cf, *metadata); err != nil {
		return e.usage(err)
	}
	if body == (client.RoleUpdate{}) {
		return e.usage(errors.New("roster roles update: nothing to change: give --display-name, --description, --permissions, --inherits, --assignable or --metadata"))
	}
	c, err := cf.connect()
	if err != nil {
		return e.fail(cf, err)
	}
	res, err := c.UpdateRoleWithResponse(ctx, cf.tenant, roleID(pos[0]), nil, body)
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	return e.printRole(cf, res.Body, res.JSON200)
}

func rolesDelete(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster roles delete", "ROLE [flags]   (its assignments go too)", e)
	pos, err := parseArgs(fs, cf, args, "ROLE")
	if err != nil {
		return e.usage(err)
	}
	c, err := cf.connect()
	if err != nil {
		return e.fail(cf, err)
	}
	id := roleID(pos[0])
	res, err := c.DeleteRoleWithResponse(ctx, cf.tenant, id, nil)
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	return e.deleted(cf, "role", id)
}

func (e *cliEnv) printRole(cf *clientFlags, body []byte, r *client.Role) int {
	if r == nil && cf.output == "table" {
		return e.fail(cf, errors.New("the server's answer holds no role"))
	}
	return e.show(cf, body, func() error {
		return e.fields(
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
	})
}

// deleted reports a deletion the API answers with 204 and no body:
// {"id": …, "deleted": true} for scripts.
func (e *cliEnv) deleted(cf *clientFlags, what, id string) int {
	return e.show(cf, map[string]any{"id": id, "deleted": true}, func() error {
		_, err := fmt.Fprintf(e.stdout, "deleted %s %s\n", what, id)
		return err
	})
}

// roleID accepts a role's id or its name: "editor" means role_editor, since
// a role's id is "role_" + its name.
func roleID(s string) string {
	if strings.HasPrefix(s, "role_") {
		return s
	}
	return "role_" + s
}

// roleIDs parses a comma-separated list of role ids or names.
func roleIDs(s string) []string {
	ids := splitList(s)
	for i, id := range ids {
		ids[i] = roleID(id)
	}
	return ids
}

// isSet reports whether the command line gave flag name.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// metadataFlag parses --metadata, a JSON object; "" leaves it out.
func metadataFlag(cf *clientFlags, s string) (*client.Metadata, error) {
	if s == "" {
		return nil, nil
	}
	var m client.Metadata
	if err := json.Unmarshal([]byte(s), &m); err != nil || m == nil {
		return nil, fmt.Errorf("%s: --metadata must be a JSON object such as '{\"team\": \"docs\"}'", cf.name)
	}
	return &m, nil
}
