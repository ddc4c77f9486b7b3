package main

import (
	"context"
	"errors"
	"time"

	"github.com/rosterhq/roster/client"
)

// `roster orgs list|get|create|update|delete`. ORG is an id (org_…) or a name.

func orgsList(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster orgs list", "[flags]", e)
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
	orgs, err := listPages(ctx, *limit, func(ctx context.Context, n *int, cursor *string) (client.Response, []client.Organization, *string, error) {
		res, err := c.ListOrganizationsWithResponse(ctx, cf.tenant, &client.ListOrganizationsParams{Limit: n, Cursor: cursor})
		if err != nil || res.JSON200 == nil {
			return res, nil, nil, err
		}
		return res, res.JSON200.Items, res.JSON200.NextCursor, nil
	})
	if err != nil {
		return e.fail(cf, err)
	}
	return showList(e, cf, orgs, []string{"ID", "NAME", "EXTERNAL ID", "CREATED"}, func(o client.Organization) []string {
		return []string{o.Id, o.Name, deref(o.ExternalId), o.CreatedAt.UTC().Format(time.RFC3339)}
	})
}

func orgsGet(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster orgs get", "ORG [flags]   (ORG: id or name)", e)
	c, id, _, code := refCommand(ctx, e, fs, cf, args, orgRef, "ORG")
	if code >= 0 {
		return code
	}
	res, err := c.GetOrganizationWithResponse(ctx, cf.tenant, id)
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	return e.printOrg(cf, res.Body, res.JSON200)
}

func orgsCreate(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster orgs create", "NAME [flags]", e)
	external := fs.String("external-id", "", "the organization's id in your system")
	pos, err := parseArgs(fs, cf, args, "NAME")
	if err != nil {
		return e.usage(err)
	}
	c, err := cf.connect()
	if err != nil {
		return e.fail(cf, err)
	}
	res, err := c.CreateOrganizationWithResponse(ctx, cf.tenant, client.OrganizationCreate{Name: pos[0], ExternalId: optional(*external)})
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	return e.printOrg(cf, res.Body, res.JSON201)
}

func orgsUpdate(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster orgs update", "ORG [flags]   (only the flags given change)", e)
	name := fs.String("name", "", "new name")
	external := fs.String("external-id", "", "the organization's id in your system")
	pos, err := parseArgs(fs, cf, args, "ORG")
	if err != nil {
		return e.usage(err)
	}
	var body client.OrganizationUpdate
	if isSet(fs, "name") {
		body.Name = name
	}
	if isSet(fs, "external-id") {
		body.ExternalId = external
	}
	if body == (client.OrganizationUpdate{}) {
		return e.usage(errors.New("roster orgs update: nothing to change: give --name or --external-id"))
	}
	c, err := cf.connect()
	if err != nil {
		return e.fail(cf, err)
	}
	id, err := orgRef(ctx, c, cf.tenant, pos[0])
	if err != nil {
		return e.fail(cf, err)
	}
	res, err := c.UpdateOrganizationWithResponse(ctx, cf.tenant, id, nil, body)
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	return e.printOrg(cf, res.Body, res.JSON200)
}

func orgsDelete(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster orgs delete", "ORG [flags]", e)
	c, id, _, code := refCommand(ctx, e, fs, cf, args, orgRef, "ORG")
	if code >= 0 {
		return code
	}
	res, err := c.DeleteOrganizationWithResponse(ctx, cf.tenant, id, nil)
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	return e.deleted(cf, "organization", id)
}

func (e *cliEnv) printOrg(cf *clientFlags, body []byte, o *client.Organization) int {
	if o == nil && cf.output == "table" {
		return e.fail(cf, errors.New("the server's answer holds no organization"))
	}
	return e.show(cf, body, func() error {
		return e.fields(
			"ID", o.Id,
			"Name", o.Name,
			"External id", deref(o.ExternalId),
			"Created", o.CreatedAt.UTC().Format(time.RFC3339),
			"Updated", o.UpdatedAt.UTC().Format(time.RFC3339),
		)
	})
}
