package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster/client"
)

// assignCommand runs `roster assign USER ROLE [--org ORG] [--from WHEN]
// [--expires WHEN] [--reason TEXT]`.
func assignCommand(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster assign", "USER ROLE [flags]   (USER: id or email; ROLE: id or name)", e)
	org := fs.String("org", "", "scope the assignment to this organization (id or name); default global")
	from := fs.String("from", "", "the assignment starts at WHEN: a time (2030-01-02T15:04:05Z) or a duration from now (12h, 7d)")
	expires := fs.String("expires", "", "the assignment ends at WHEN: a duration from now, such as 90m, 12h or 30d, or a time")
	reason := fs.String("reason", "", "why, kept with the assignment and its audit event")
	pos, err := parseArgs(fs, cf, args, "USER", "ROLE")
	if err != nil {
		return e.usage(err)
	}
	body := client.AssignmentCreate{RoleId: roleID(pos[1]), Reason: optional(*reason)}
	if body.NotBefore, err = whenFlag(cf, "--from", *from); err != nil {
		return e.usage(err)
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
	if body.Scope, err = scopeOf(ctx, c, cf.tenant, *org); err != nil {
		return e.fail(cf, err)
	}
	res, err := c.AssignUserRoleWithResponse(ctx, cf.tenant, user, body)
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	a := res.JSON201
	if a == nil {
		a = res.JSON200 // the same role and scope again: updated, not added
	}
	if a == nil && cf.output == "table" {
		return e.fail(cf, fmt.Errorf("the server answered %d without an assignment", res.StatusCode()))
	}
	return e.show(cf, res.Body, func() error {
		w := e.table("ROLE", "NAME", "SCOPE", "STATUS", "FROM", "EXPIRES", "ASSIGNED BY")
		row(w, a.RoleId, a.Name, scopeString(a.Scope), string(a.Status), timeString(a.NotBefore), timeString(a.ExpiresAt), a.AssignedBy)
		return w.Flush()
	})
}

// unassignCommand runs `roster unassign USER ROLE [--org ORG]`.
func unassignCommand(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster unassign", "USER ROLE [flags]   (USER: id or email; ROLE: id or name)", e)
	org := fs.String("org", "", "remove the assignment scoped to this organization (id or name); default the global one")
	c, user, pos, code := refCommand(ctx, e, fs, cf, args, userRef, "USER", "ROLE")
	if code >= 0 {
		return code
	}
	orgID, err := orgRef(ctx, c, cf.tenant, *org)
	if err != nil {
		return e.fail(cf, err)
	}
	role := roleID(pos[1])
	res, err := c.RemoveUserRoleWithResponse(ctx, cf.tenant, user, role, &client.RemoveUserRoleParams{OrganizationId: optional(orgID)})
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	scope := "global"
	if orgID != "" {
		scope = "organization:" + orgID
	}
	return e.show(cf, map[string]any{"user_id": user, "role_id": role, "scope": scope, "removed": true}, func() error {
		_, err := fmt.Fprintf(e.stdout, "removed %s from %s (%s)\n", role, user, scope)
		return err
	})
}

// scopeOf returns the scope of --org: nil (global) when empty.
func scopeOf(ctx context.Context, c *client.Client, tenant, org string) (*client.Scope, error) {
	if org == "" {
		return nil, nil
	}
	id, err := orgRef(ctx, c, tenant, org)
	if err != nil {
		return nil, err
	}
	return &client.Scope{Type: client.ScopeTypeOrganization, OrganizationId: &id}, nil
}

// whenFlag parses a time flag: RFC 3339, or a duration from now; "" is nil.
func whenFlag(cf *clientFlags, name, s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		t = t.UTC()
		return &t, nil
	}
	d, err := parseDuration(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w, or a time such as 2030-01-02T15:04:05Z", cf.name, name, err)
	}
	at := time.Now().Add(d).UTC().Truncate(time.Second)
	return &at, nil
}

func scopeString(s client.Scope) string {
	if s.Type == client.ScopeTypeOrganization {
		return "organization:" + deref(s.OrganizationId)
	}
	return string(s.Type)
}

func sourceString(s client.RoleSource) string {
	switch s.Type {
	case client.RoleSourceTypeGroup:
		return "group:" + deref(s.GroupId)
	case client.RoleSourceTypeInherited:
		return "inherited:" + deref(s.ViaRoleId)
	}
	return string(s.Type)
}

func timeString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// parseDuration is time.ParseDuration plus days ("30d"), the unit role
// expiries are usually thought in.
func parseDuration(s string) (time.Duration, error) {
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		n, err = strconv.Atoi(days)
		d = time.Duration(n) * 24 * time.Hour
	} else {
		d, err = time.ParseDuration(s)
	}
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("want a positive duration such as 90m, 12h or 30d, not %q", s)
	}
	return d, nil
}
