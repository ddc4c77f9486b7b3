package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/rosterhq/roster/client"
)

// `roster tokens list|create|revoke` (a user's API tokens) and `roster
// tenants list|get|create|delete` (the operator's).

func tokensList(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster tokens list", "USER [flags]   (USER: id or email)", e)
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
	user, err := userRef(ctx, c, cf.tenant, pos[0])
	if err != nil {
		return e.fail(cf, err)
	}
	tokens, err := listPages(ctx, *limit, func(ctx context.Context, n *int, cursor *string) (client.Response, []client.Token, *string, error) {
		res, err := c.ListUserTokensWithResponse(ctx, cf.tenant, user, &client.ListUserTokensParams{Limit: n, Cursor: cursor})
		if err != nil || res.JSON200 == nil {
			return res, nil, nil, err
		}
		return res, res.JSON200.Items, res.JSON200.NextCursor, nil
	})
	if err != nil {
		return e.fail(cf, err)
	}
	return showList(e, cf, tokens, []string{"ID", "NAME", "SCOPES", "CREATED", "EXPIRES", "LAST USED"}, func(t client.Token) []string {
		var scopes []string
		if t.Scopes != nil {
			scopes = *t.Scopes
		}
		return []string{t.Id, t.Name, strings.Join(scopes, ","), timeString(&t.CreatedAt), timeString(t.ExpiresAt), timeString(t.LastUsedAt)}
	})
}

func tokensCreate(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster tokens create", "USER NAME [flags]   (the secret is printed this once)", e)
	scopes := fs.String("scopes", "", "comma-separated permission patterns narrowing the token (default: all the user's permissions)")
	expires := fs.String("expires", "", "the token ends at WHEN: a duration from now (30d) or a time")
	pos, err := parseArgs(fs, cf, args, "USER", "NAME")
	if err != nil {
		return e.usage(err)
	}
	body := client.TokenCreate{Name: pos[1]}
	if isSet(fs, "scopes") {
		s := splitList(*scopes)
		body.Scopes = &s
	}
	if body.ExpiresAt, err = whenFlag(cf, "--expires", *expires); err != nil {
		return e.usage(err)
	}
	c, err := cf.connect()
	if err != nil {
		return e.fail(cf, err)
	}
	user, err := userRef(ctx, c, cf.tenant, pos[0])
	if err != nil {
		return e.fail(cf, err)
	}
	res, err := c.CreateUserTokenWithResponse(ctx, cf.tenant, user, body)
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	t := res.JSON201
	if t == nil && cf.output == "table" {
		return e.fail(cf, errors.New("the server's answer holds no token"))
	}
	return e.show(cf, res.Body, func() error {
		fmt.Fprintln(e.stderr, "The token's secret is shown this once; keep it:")
		var scopes []string
		if t.Scopes != nil {
			scopes = *t.Scopes
		}
		return e.fields("ID", t.Id, "Name", t.Name, "User", t.UserId, "Scopes", strings.Join(scopes, ", "),
			"Expires", timeString(t.ExpiresAt), "Token", t.Token)
	})
}

func tokensRevoke(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster tokens revoke", "USER TOKEN [flags]   (TOKEN: its id, tok_…)", e)
	pos, err := parseArgs(fs, cf, args, "USER", "TOKEN")
	if err != nil {
		return e.usage(err)
	}
	c, err := cf.connect()
	if err != nil {
		return e.fail(cf, err)
	}
	user, err := userRef(ctx, c, cf.tenant, pos[0])
	if err != nil {
		return e.fail(cf, err)
	}
	res, err := c.RevokeUserTokenWithResponse(ctx, cf.tenant, user, pos[1])
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	return e.show(cf, map[string]any{"id": pos[1], "revoked": true}, func() error {
		_, err := fmt.Fprintf(e.stdout, "revoked token %s\n", pos[1])
		return err
	})
}

func tenantsList(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster tenants list", "[flags]   (operator token)", e)
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
	tenants, err := listPages(ctx, *limit, func(ctx context.Context, n *int, cursor *string) (client.Response, []client.Tenant, *string, error) {
		res, err := c.ListTenantsWithResponse(ctx, &client.ListTenantsParams{Limit: n, Cursor: cursor})
		if err != nil || res.JSON200 == nil {
			return res, nil, nil, err
		}
		return res, res.JSON200.Items, res.JSON200.NextCursor, nil
	})
	if err != nil {
		return e.fail(cf, err)
	}
	return showList(e, cf, tenants, []string{"ID", "NAME", "REVISION", "CREATED"}, func(t client.Tenant) []string {
		return []string{t.Id, t.Name, fmt.Sprint(t.Revision), t.CreatedAt.UTC().Format(time.RFC3339)}
	})
}

func tenantsGet(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster tenants get", "ID [flags]", e)
	pos, err := parseArgs(fs, cf, args, "ID")
	if err != nil {
		return e.usage(err)
	}
	c, err := cf.connect()
	if err != nil {
		return e.fail(cf, err)
	}
	res, err := c.GetTenantWithResponse(ctx, pos[0])
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	t := res.JSON200
	return e.show(cf, res.Body, func() error { return e.tenantFields(t) })
}

func (e *cliEnv) tenantFields(t *client.Tenant, more ...string) error {
	mode := ""
	if t.Settings.AssignmentMode != nil {
		mode = string(*t.Settings.AssignmentMode)
	}
	return e.fields(append([]string{"ID", t.Id, "Name", t.Name, "Revision", fmt.Sprint(t.Revision),
		"Assignment mode", mode, "Created", t.CreatedAt.UTC().Format(time.RFC3339)}, more...)...)
}

func tenantsCreate(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster tenants create", "ID [flags]   (operator token; with --admin, the admin's token is printed this once)", e)
	name := fs.String("name", "", "display name (default: ID)")
	admin := fs.String("admin", "", "email of the tenant's first admin, who gets role_admin and a token")
	first := fs.String("admin-first-name", "", "the admin's first name")
	mode := fs.String("assignment-mode", "", "multiple (default) or single: at most one direct role per user and scope")
	pos, err := parseArgs(fs, cf, args, "ID")
	if err != nil {
		return e.usage(err)
	}
	body := client.TenantCreate{Id: pos[0], Name: *name}
	if body.Name == "" {
		body.Name = body.Id
	}
	if *admin != "" {
		body.Admin = &client.TenantAdmin{Email: openapi_types.Email(*admin), FirstName: optional(*first)}
	}
	if *mode != "" {
		m := client.TenantSettingsAssignmentMode(*mode)
		body.Settings = &client.TenantSettings{AssignmentMode: &m}
	}
	c, err := cf.connect()
	if err != nil {
		return e.fail(cf, err)
	}
	res, err := c.CreateTenantWithResponse(ctx, body)
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	r := res.JSON201
	if r == nil && cf.output == "table" {
		return e.fail(cf, errors.New("the server's answer holds no tenant"))
	}
	return e.show(cf, res.Body, func() error {
		if r.AdminUser == nil {
			return e.tenantFields(&r.Tenant)
		}
		fmt.Fprintln(e.stderr, "The admin's token is shown this once; keep it:")
		return e.tenantFields(&r.Tenant, "Admin", r.AdminUser.Id+" "+r.AdminUser.Email, "Admin token", deref(r.AdminToken))
	})
}

func tenantsDelete(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster tenants delete", "ID [flags]   (operator token; everything in it goes)", e)
	pos, err := parseArgs(fs, cf, args, "ID")
	if err != nil {
		return e.usage(err)
	}
	c, err := cf.connect()
	if err != nil {
		return e.fail(cf, err)
	}
	res, err := c.DeleteTenantWithResponse(ctx, pos[0])
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	return e.deleted(cf, "tenant", pos[0])
}
