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

// usersCommand runs `roster users list|create`.
func usersCommand(ctx context.Context, args []string, e *cliEnv) int {
	if len(args) == 0 {
		return e.usage(errors.New("roster users: want list or create"))
	}
	switch args[0] {
	case "list":
		return usersList(ctx, args[1:], e)
	case "create":
		return usersCreate(ctx, args[1:], e)
	default:
		return e.usage(fmt.Errorf("roster users: unknown command %q: want list or create", args[0]))
	}
}

func usersList(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster users list", "[flags]", e)
	search := fs.String("search", "", "only users whose email or name contains TEXT")
	role := fs.String("role", "", "only users holding this role directly (id or name)")
	limit := limitFlag(fs)
	if _, err := parseArgs(fs, cf, args); err != nil {
		return e.usage(err)
	}
	if *limit < 0 {
		return e.usage(errors.New("roster users list: --limit must not be negative"))
	}
	c, err := cf.connect()
	if err != nil {
		return e.fail(cf, err)
	}
	params := client.ListUsersParams{Limit: pageLimit(*limit)}
	if *search != "" {
		params.Search = search
	}
	if *role != "" {
		id := roleID(*role)
		params.RoleId = &id
	}
	users, err := collect(ctx, *limit, func(ctx context.Context, cursor *string) ([]client.User, *string, error) {
		params.Cursor = cursor
		res, err := c.ListUsersWithResponse(ctx, cf.tenant, &params)
		if err := client.CheckResponse(res, err); err != nil {
			return nil, nil, err
		}
		return res.JSON200.Items, res.JSON200.NextCursor, nil
	})
	if err != nil {
		return e.fail(cf, err)
	}
	if cf.output == "json" {
		if err := e.printValue(users); err != nil {
			return e.fail(cf, err)
		}
		return 0
	}
	w := e.table("ID", "EMAIL", "NAME", "STATUS", "ROLES")
	for _, u := range users {
		row(w, u.Id, u.Email, fullName(u), string(u.Status), strings.Join(u.Roles, ","))
	}
	if err := w.Flush(); err != nil {
		return e.fail(cf, err)
	}
	return 0
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
		ids := splitList(*roles)
		for i, id := range ids {
			ids[i] = roleID(id)
		}
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
	if cf.output == "json" {
		err = e.printJSON(res.Body)
	} else {
		u := res.JSON201
		err = e.fields(
			"ID", u.Id,
			"Email", u.Email,
			"Name", fullName(*u),
			"External id", deref(u.ExternalUserId),
			"Status", string(u.Status),
			"Roles", strings.Join(u.Roles, ", "),
			"Created", u.CreatedAt.UTC().Format(time.RFC3339),
		)
	}
	if err != nil {
		return e.fail(cf, err)
	}
	return 0
}

func fullName(u client.User) string {
	return strings.TrimSpace(deref(u.FirstName) + " " + deref(u.LastName))
}
