package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/rosterhq/roster/client"
)

// The questions: `roster check`, `evaluated`, `permissions`, `holders`.

// Exit statuses of `roster check`: scripts branch on them.
const (
	checkAllowed = 0
	checkDenied  = 1
	checkError   = 2
)

// checkCommand runs `roster check USER PERMISSION [--org ORG]`, exiting 0 when
// allowed, 1 when denied and 2 on any error, so that shell scripts can write
// `if roster check "$USER" documents:write; then …`.
func checkCommand(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster check", "USER PERMISSION [flags]   (exit 0 allowed, 1 denied, 2 error)", e)
	org := fs.String("org", "", "count this organization's assignments too (id or name; default: global ones only)")
	atS := atFlag(fs)
	pos, err := parseArgs(fs, cf, args, "USER", "PERMISSION")
	if err != nil {
		if code := e.usage(err); code != 0 {
			return checkError
		}
		return 0
	}
	at, err := atValue(cf, *atS)
	if err != nil {
		e.usage(err)
		return checkError
	}
	c, err := cf.connect()
	if err != nil {
		e.printError(cf, err)
		return checkError
	}
	user, orgID, err := userAndOrg(ctx, c, cf.tenant, pos[0], *org)
	if err != nil {
		e.printError(cf, err)
		return checkError
	}
	body := client.CheckRequest{UserId: user, Permission: pos[1], OrganizationId: optional(orgID), At: at}
	res, err := c.CheckPermissionWithResponse(ctx, cf.tenant, nil, body)
	if err := client.CheckResponse(res, err); err != nil {
		e.printError(cf, err)
		return checkError
	}
	r := res.JSON200
	if r == nil {
		e.printError(cf, fmt.Errorf("the server answered %d without a result", res.StatusCode()))
		return checkError
	}
	code := e.show(cf, res.Body, func() error {
		var err error
		when := fmt.Sprintf("revision %d", r.Revision)
		if r.AsOf != nil {
			when = "as of " + timeString(r.AsOf) + ", " + when
		}
		switch {
		case r.Allowed && r.Matched != nil:
			_, err = fmt.Fprintf(e.stdout, "allowed: %s grants %s (%s)\n", r.Matched.RoleId, r.Matched.Permission, when)
		case r.Allowed:
			_, err = fmt.Fprintf(e.stdout, "allowed (%s)\n", when)
		default:
			_, err = fmt.Fprintf(e.stdout, "denied: %s does not hold %s (%s)\n", pos[0], pos[1], when)
		}
		return err
	})
	switch {
	case code != 0:
		return checkError
	case r.Allowed:
		return checkAllowed
	}
	return checkDenied
}

// userAndOrg resolves a USER argument and an --org flag.
func userAndOrg(ctx context.Context, c *client.Client, tenant, user, org string) (string, string, error) {
	id, err := userRef(ctx, c, tenant, user)
	if err != nil {
		return "", "", err
	}
	orgID, err := orgRef(ctx, c, tenant, org)
	return id, orgID, err
}

// evaluatedCommand runs `roster evaluated USER [--org ORG]`: every role the
// user holds and why.
func evaluatedCommand(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster evaluated", "USER [flags]", e)
	org := fs.String("org", "", "global roles and this organization's (id or name; default: global only)")
	atS := atFlag(fs)
	pos, err := parseArgs(fs, cf, args, "USER")
	if err != nil {
		return e.usage(err)
	}
	at, err := atValue(cf, *atS)
	if err != nil {
		return e.usage(err)
	}
	c, err := cf.connect()
	if err != nil {
		return e.fail(cf, err)
	}
	user, orgID, err := userAndOrg(ctx, c, cf.tenant, pos[0], *org)
	if err != nil {
		return e.fail(cf, err)
	}
	res, err := c.GetEvaluatedRolesWithResponse(ctx, cf.tenant, user, &client.GetEvaluatedRolesParams{OrganizationId: optional(orgID), At: at})
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	return e.show(cf, res.Body, func() error {
		w := e.table("ROLE", "NAME", "SCOPE", "SOURCES")
		for _, r := range res.JSON200.Items {
			sources := make([]string, 0, len(r.Sources))
			for _, s := range r.Sources {
				sources = append(sources, sourceString(s))
			}
			row(w, r.RoleId, r.Name, scopeString(r.Scope), strings.Join(sources, ","))
		}
		return w.Flush()
	})
}

// permissionsCommand runs `roster permissions USER [--org ORG]`.
func permissionsCommand(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster permissions", "USER [flags]", e)
	org := fs.String("org", "", "global permissions and this organization's (id or name; default: global only)")
	atS := atFlag(fs)
	pos, err := parseArgs(fs, cf, args, "USER")
	if err != nil {
		return e.usage(err)
	}
	at, err := atValue(cf, *atS)
	if err != nil {
		return e.usage(err)
	}
	c, err := cf.connect()
	if err != nil {
		return e.fail(cf, err)
	}
	user, orgID, err := userAndOrg(ctx, c, cf.tenant, pos[0], *org)
	if err != nil {
		return e.fail(cf, err)
	}
	res, err := c.GetUserPermissionsWithResponse(ctx, cf.tenant, user, &client.GetUserPermissionsParams{OrganizationId: optional(orgID), At: at})
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	return e.show(cf, res.Body, func() error {
		for _, p := range res.JSON200.Permissions {
			if _, err := fmt.Fprintln(e.stdout, p); err != nil {
				return err
			}
		}
		return nil
	})
}

// holdersCommand runs `roster holders ROLE|PERMISSION [--org ORG]`: the users
// holding it in evaluation, through any source. An argument with a colon
// is a permission (documents:read), else a role (id or name).
func holdersCommand(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster holders", "ROLE|PERMISSION [flags]   (documents:read is a permission, editor a role)", e)
	org := fs.String("org", "", "count this organization's holdings too (id or name; default: global only)")
	limit := limitFlag(fs)
	atS := atFlag(fs)
	pos, err := parseArgs(fs, cf, args, "ROLE|PERMISSION")
	if err != nil {
		return e.usage(err)
	}
	at, err := atValue(cf, *atS)
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
	orgID, err := orgRef(ctx, c, cf.tenant, *org)
	if err != nil {
		return e.fail(cf, err)
	}
	params := client.ListUsersParams{OrganizationId: optional(orgID), At: at}
	if strings.Contains(pos[0], ":") {
		params.HoldsPermission = &pos[0]
	} else {
		id := roleID(pos[0])
		params.HoldsRole = &id
	}
	return e.listUsers(ctx, cf, c, *limit, params)
}
