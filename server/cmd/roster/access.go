package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster/client"
)

// Exit statuses of `roster check`: scripts branch on them.
const (
	checkAllowed = 0
	checkDenied  = 1
	checkError   = 2
)

// assignCommand runs `roster assign USER ROLE [--org ID] [--expires DURATION] [--reason TEXT]`.
func assignCommand(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster assign", "USER ROLE [flags]   (ROLE: id or name)", e)
	org := fs.String("org", "", "scope the assignment to this organization (org_…); default global")
	expires := fs.String("expires", "", "the assignment ends after DURATION, such as 90m, 12h or 30d")
	reason := fs.String("reason", "", "why, kept with the assignment and its audit event")
	pos, err := parseArgs(fs, cf, args, "USER", "ROLE")
	if err != nil {
		return e.usage(err)
	}
	body := client.AssignmentCreate{RoleId: roleID(pos[1]), Reason: optional(*reason)}
	if *org != "" {
		body.Scope = &client.Scope{Type: client.ScopeTypeOrganization, OrganizationId: org}
	}
	if *expires != "" {
		d, err := parseDuration(*expires)
		if err != nil {
			return e.usage(fmt.Errorf("roster assign: --expires: %w", err))
		}
		at := time.Now().Add(d).UTC().Truncate(time.Second)
		body.ExpiresAt = &at
	}
	c, err := cf.connect()
	if err != nil {
		return e.fail(cf, err)
	}
	res, err := c.AssignUserRoleWithResponse(ctx, cf.tenant, pos[0], body)
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	if cf.output == "json" {
		if err := e.printJSON(res.Body); err != nil {
			return e.fail(cf, err)
		}
		return 0
	}
	a := res.JSON201
	if a == nil {
		a = res.JSON200 // the same role and scope again: updated, not added
	}
	if a == nil {
		return e.fail(cf, fmt.Errorf("the server answered %d without an assignment", res.StatusCode()))
	}
	w := e.table("ROLE", "NAME", "SCOPE", "STATUS", "EXPIRES", "ASSIGNED BY")
	row(w, a.RoleId, a.Name, scopeString(a.Scope), string(a.Status), timeString(a.ExpiresAt), a.AssignedBy)
	if err := w.Flush(); err != nil {
		return e.fail(cf, err)
	}
	return 0
}

// checkCommand runs `roster check USER PERMISSION [--org ID]`, exiting 0 when
// allowed, 1 when denied and 2 on any error, so that shell scripts can write
// `if roster check "$USER" documents:write; then …`.
func checkCommand(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster check", "USER PERMISSION [flags]   (exit 0 allowed, 1 denied, 2 error)", e)
	org := fs.String("org", "", "count this organization's assignments too (default: global ones only)")
	pos, err := parseArgs(fs, cf, args, "USER", "PERMISSION")
	if err != nil {
		if code := e.usage(err); code != 0 {
			return checkError
		}
		return 0
	}
	c, err := cf.connect()
	if err != nil {
		e.printError(cf, err)
		return checkError
	}
	body := client.CheckRequest{UserId: pos[0], Permission: pos[1], OrganizationId: optional(*org)}
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
	if cf.output == "json" {
		err = e.printJSON(res.Body)
	} else if r.Allowed && r.Matched != nil {
		_, err = fmt.Fprintf(e.stdout, "allowed: %s grants %s (revision %d)\n", r.Matched.RoleId, r.Matched.Permission, r.Revision)
	} else if r.Allowed {
		_, err = fmt.Fprintf(e.stdout, "allowed (revision %d)\n", r.Revision)
	} else {
		_, err = fmt.Fprintf(e.stdout, "denied: %s does not hold %s (revision %d)\n", pos[0], pos[1], r.Revision)
	}
	if err != nil {
		e.printError(cf, err)
		return checkError
	}
	if r.Allowed {
		return checkAllowed
	}
	return checkDenied
}

// evaluatedCommand runs `roster evaluated USER [--org ID]`: every role the
// user holds and why.
func evaluatedCommand(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster evaluated", "USER [flags]", e)
	org := fs.String("org", "", "global roles and this organization's (default: global only)")
	pos, err := parseArgs(fs, cf, args, "USER")
	if err != nil {
		return e.usage(err)
	}
	c, err := cf.connect()
	if err != nil {
		return e.fail(cf, err)
	}
	res, err := c.GetEvaluatedRolesWithResponse(ctx, cf.tenant, pos[0], &client.GetEvaluatedRolesParams{OrganizationId: optional(*org)})
	if err := client.CheckResponse(res, err); err != nil {
		return e.fail(cf, err)
	}
	if cf.output == "json" {
		if err := e.printJSON(res.Body); err != nil {
			return e.fail(cf, err)
		}
		return 0
	}
	w := e.table("ROLE", "NAME", "SCOPE", "SOURCES")
	for _, r := range res.JSON200.Items {
		sources := make([]string, 0, len(r.Sources))
		for _, s := range r.Sources {
			sources = append(sources, sourceString(s))
		}
		row(w, r.RoleId, r.Name, scopeString(r.Scope), strings.Join(sources, ","))
	}
	if err := w.Flush(); err != nil {
		return e.fail(cf, err)
	}
	return 0
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
