package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/rosterhq/roster/client"
)

// `roster tenants list|get|create|update|delete` and `tenants admins add`:
// the platform operator's commands (a tenant's own users may get and
// update their tenant).

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

func tenantsUpdate(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster tenants update", "ID [flags]   (only the flags given change)", e)
	name := fs.String("name", "", "display name")
	mode := fs.String("assignment-mode", "", "multiple or single: at most one direct role per user and scope")
	pos, err := parseArgs(fs, cf, args, "ID")
	if err != nil {
		return e.usage(err)
	}
	var body client.TenantUpdate
	if isSet(fs, "name") {
		body.Name = name
	}
	if isSet(fs, "assignment-mode") {
		m := client.TenantSettingsAssignmentMode(*mode)
		body.Settings = &client.TenantSettings{AssignmentMode: &m}
	}
	if body == (client.TenantUpdate{}) {
		return e.usage(errors.New("roster tenants update: nothing to change: give --name or --assignment-mode"))
	}
	c, err := cf.connect()
	if err != nil {
		return e.fail(cf, err)
	}
	res, err := c.UpdateTenantWithResponse(ctx, pos[0], body)
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	t := res.JSON200
	return e.show(cf, res.Body, func() error { return e.tenantFields(t) })
}

// tenantAdminsAdd gives a tenant an administrator — the way back in for a
// tenant that has lost its own — and prints the admin's one-time token.
func tenantAdminsAdd(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster tenants admins add", "ID EMAIL [flags]   (operator token; the admin's token is printed this once)", e)
	first := fs.String("first-name", "", "first name, for a new user")
	last := fs.String("last-name", "", "last name, for a new user")
	pos, err := parseArgs(fs, cf, args, "ID", "EMAIL")
	if err != nil {
		return e.usage(err)
	}
	c, err := cf.connect()
	if err != nil {
		return e.fail(cf, err)
	}
	body := client.TenantAdmin{Email: openapi_types.Email(pos[1]), FirstName: optional(*first), LastName: optional(*last)}
	res, err := c.AddTenantAdminWithResponse(ctx, pos[0], body)
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	r := res.JSON201
	if r == nil && cf.output == "table" {
		return e.fail(cf, errors.New("the server's answer holds no administrator"))
	}
	return e.show(cf, res.Body, func() error {
		fmt.Fprintln(e.stderr, "The admin's token is shown this once; keep it:")
		return e.fields("Tenant", pos[0], "Admin", r.AdminUser.Id, "Email", r.AdminUser.Email, "Admin token", r.AdminToken)
	})
}
