package main

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/rosterhq/roster/client"
)

// `roster users list|get|create|update|disable|enable|delete|roles`. USER
// is an id (usr_…) or an email.

func usersList(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster users list", "[flags]", e)
	search := fs.String("search", "", "only users whose email or name contains TEXT")
	role := fs.String("role", "", "only users holding this role directly (id or name)")
	group := fs.String("group", "", "only members of this group (id or name)")
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
	params := client.ListUsersParams{Search: optional(*search)}
	if *role != "" {
		id := roleID(*role)
		params.RoleId = &id
	}
	if *group != "" {
		id, err := groupRef(ctx, c, cf.tenant, *group)
		if err != nil {
			return e.fail(cf, err)
		}
		params.GroupId = &id
	}
	return e.listUsers(ctx, cf, c, *limit, params)
}

// listUsers prints every user params selects (users list, holders).
func (e *cliEnv) listUsers(ctx context.Context, cf *clientFlags, c *client.Client, limit int, params client.ListUsersParams) int {
	users, err := listPages(ctx, limit, func(ctx context.Context, n *int, cursor *string) (client.Response, []client.User, *string, error) {
		params.Limit, params.Cursor = n, cursor
		res, err := c.ListUsersWithResponse(ctx, cf.tenant, &params)
		if err != nil || res.JSON200 == nil {
			return res, nil, nil, err
		}
		return res, res.JSON200.Items, res.JSON200.NextCursor, nil
	})
	if err != nil {
		return e.fail(cf, err)
	}
	return showList(e, cf, users, []string{"ID", "EMAIL", "NAME", "STATUS", "ROLES"}, func(u client.User) []string {
		return []string{u.Id, u.Email, fullName(u), string(u.Status), strings.Join(u.Roles, ",")}
	})
}

func usersGet(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster users get", "USER [flags]   (USER: id or email)", e)
	c, id, _, code := refCommand(ctx, e, fs, cf, args, userRef, "USER")
	if code >= 0 {
		return code
	}
	res, err := c.GetUserWithResponse(ctx, cf.tenant, id)
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	return e.printUser(cf, res.Body, res.JSON200)
}

func usersCreate(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster users create", "EMAIL [flags]", e)
	first := fs.String("first-name", "", "first name")
	last := fs.String("last-name", "", "last name")
	external := fs.String("external-id", "", "the user's id in your system (unique)")
	roles := fs.String("roles", "", "comma-separated roles to assign globally (ids or names)")
	pos, err := parseArgs(fs, cf, args, "EMAIL")
	if err != nil {
		return e.usage(err)
	}
	// The SDK refuses to send an invalid email; say so plainly.
	if _, err := mail.ParseAddress(pos[0]); err != nil {
		return e.usage(fmt.Errorf("roster users create: %q is not an email address", pos[0]))
	}
	body := client.UserCreate{
		Email:          openapi_types.Email(pos[0]),
		FirstName:      optional(*first),
		LastName:       optional(*last),
		ExternalUserId: optional(*external),
	}
	if *roles != "" {
		ids := roleIDs(*roles)
		body.Roles = &ids
	}
	c, err := cf.connect()
	if err != nil {
		return e.fail(cf, err)
	}
	res, err := c.CreateUserWithResponse(ctx, cf.tenant, body)
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	return e.printUser(cf, res.Body, res.JSON201)
}

// usersUpdate changes only the fields whose flags are given.
func usersUpdate(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster users update", "USER [flags]   (only the flags given change)", e)
	email := fs.String("email", "", "new email")
	first := fs.String("first-name", "", "first name")
	last := fs.String("last-name", "", "last name")
	external := fs.String("external-id", "", "the user's id in your system")
	roles := fs.String("roles", "", "comma-separated global direct roles: the whole new list (\"\" for none)")
	pos, err := parseArgs(fs, cf, args, "USER")
	if err != nil {
		return e.usage(err)
	}
	var body client.UserUpdate
	if isSet(fs, "email") {
		if _, err := mail.ParseAddress(*email); err != nil {
			return e.usage(fmt.Errorf("roster users update: %q is not an email address", *email))
		}
		em := openapi_types.Email(*email)
		body.Email = &em
	}
	if isSet(fs, "first-name") {
		body.FirstName = first
	}
	if isSet(fs, "last-name") {
		body.LastName = last
	}
	if isSet(fs, "external-id") {
		body.ExternalUserId = external
	}
	if isSet(fs, "roles") {
		ids := roleIDs(*roles)
		body.Roles = &ids
	}
	if body == (client.UserUpdate{}) {
		return e.usage(errors.New("roster users update: nothing to change: give --email, --first-name, --last-name, --external-id or --roles"))
	}
	return e.updateUser(ctx, cf, pos[0], body)
}

func usersDisable(ctx context.Context, args []string, e *cliEnv) int {
	return setStatus(ctx, args, e, "disable", client.UserStatusDisabled)
}

func usersEnable(ctx context.Context, args []string, e *cliEnv) int {
	return setStatus(ctx, args, e, "enable", client.UserStatusActive)
}

func setStatus(ctx context.Context, args []string, e *cliEnv, verb string, status client.UserStatus) int {
	fs, cf := newClientFlagSet("roster users "+verb, "USER [flags]", e)
	pos, err := parseArgs(fs, cf, args, "USER")
	if err != nil {
		return e.usage(err)
	}
	return e.updateUser(ctx, cf, pos[0], client.UserUpdate{Status: &status})
}

func (e *cliEnv) updateUser(ctx context.Context, cf *clientFlags, user string, body client.UserUpdate) int {
	c, err := cf.connect()
	if err != nil {
		return e.fail(cf, err)
	}
	id, err := userRef(ctx, c, cf.tenant, user)
	if err != nil {
		return e.fail(cf, err)
	}
	res, err := c.UpdateUserWithResponse(ctx, cf.tenant, id, nil, body)
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	return e.printUser(cf, res.Body, res.JSON200)
}

func usersDelete(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster users delete", "USER [flags]   (its assignments and tokens go too)", e)
	c, id, _, code := refCommand(ctx, e, fs, cf, args, userRef, "USER")
	if code >= 0 {
		return code
	}
	res, err := c.DeleteUserWithResponse(ctx, cf.tenant, id, nil)
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	return e.deleted(cf, "user", id)
}

// usersRoles lists a user's direct assignments in every scope, pending and
// active (evaluated shows what they add up to).
func usersRoles(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster users roles", "USER [flags]   (direct assignments; see also roster evaluated)", e)
	limit := limitFlag(fs)
	pos, err := parseArgs(fs, cf, args, "USER")
	if err != nil {
		return e.usage(err)
	}
	if err := checkLimit(cf, *limit); err != nil {
		return e.usage(err)
	}
	c, err := cf.connect()
	if err != nil {
		return e.fail(cf, err)
	}
	id, err := userRef(ctx, c, cf.tenant, pos[0])
	if err != nil {
		return e.fail(cf, err)
	}
	as, err := listPages(ctx, *limit, func(ctx context.Context, n *int, cursor *string) (client.Response, []client.Assignment, *string, error) {
		res, err := c.ListUserRolesWithResponse(ctx, cf.tenant, id, &client.ListUserRolesParams{Limit: n, Cursor: cursor})
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

// showAssignments prints assignments (a user's or a group's roles).
func (e *cliEnv) showAssignments(cf *clientFlags, as []client.Assignment) int {
	return showList(e, cf, as, []string{"ROLE", "NAME", "SCOPE", "STATUS", "FROM", "EXPIRES", "ASSIGNED BY", "REASON"}, func(a client.Assignment) []string {
		return []string{a.RoleId, a.Name, scopeString(a.Scope), string(a.Status), timeString(a.NotBefore), timeString(a.ExpiresAt), a.AssignedBy, deref(a.Reason)}
	})
}

func (e *cliEnv) printUser(cf *clientFlags, body []byte, u *client.User) int {
	if u == nil && cf.output == "table" {
		return e.fail(cf, errors.New("the server's answer holds no user"))
	}
	return e.show(cf, body, func() error {
		return e.fields(
			"ID", u.Id,
			"Email", u.Email,
			"Name", fullName(*u),
			"External id", deref(u.ExternalUserId),
			"Status", string(u.Status),
			"Roles", strings.Join(u.Roles, ", "),
			"Created", u.CreatedAt.UTC().Format(time.RFC3339),
			"Updated", u.UpdatedAt.UTC().Format(time.RFC3339),
		)
	})
}

func fullName(u client.User) string {
	return strings.TrimSpace(deref(u.FirstName) + " " + deref(u.LastName))
}
