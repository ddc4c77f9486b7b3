package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/rosterhq/roster/client"
)

// Point in time: `roster users history` and the --at flag of the questions.

// usersHistory runs `roster users history USER [--role ROLE]`: every
// interval in which the user held a role, directly or through a group.
func usersHistory(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster users history", "USER [flags]   (when the user held which role, and who granted it)", e)
	role := fs.String("role", "", "only intervals of this role (id or name)")
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
	params := client.GetRoleHistoryParams{}
	if *role != "" {
		r := roleID(*role)
		params.RoleId = &r
	}
	items, err := listPages(ctx, *limit, func(ctx context.Context, n *int, cursor *string) (client.Response, []client.GrantInterval, *string, error) {
		params.Limit, params.Cursor = n, cursor
		res, err := c.GetRoleHistoryWithResponse(ctx, cf.tenant, id, &params)
		if err != nil || res.JSON200 == nil {
			return res, nil, nil, err
		}
		return res, res.JSON200.Items, res.JSON200.NextCursor, nil
	})
	if err != nil {
		return e.fail(cf, err)
	}
	header := []string{"ROLE", "SCOPE", "SOURCE", "FROM", "UNTIL", "GRANTED BY", "REVOKED BY", "REASON"}
	return showList(e, cf, items, header, func(g client.GrantInterval) []string {
		source := string(g.Source.Type)
		if g.Source.GroupId != nil {
			source += ":" + *g.Source.GroupId
		}
		return []string{g.RoleId, scopeString(g.Scope), source, timeString(&g.From), timeString(g.Until), g.GrantedBy, deref(g.RevokedBy), deref(g.Reason)}
	})
}

// atFlag registers --at: answer as of a past instant.
func atFlag(fs *flag.FlagSet) *string {
	return fs.String("at", "", "answer as of WHEN: a time (2030-01-02T15:04:05Z) or a duration ago (2h, 7d)")
}

// atValue parses --at; nil when it is not given.
func atValue(cf *clientFlags, s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	t, err := sinceFlag(s)
	if err != nil {
		return nil, fmt.Errorf("%s: --at: %w", cf.name, err)
	}
	return &t, nil
}
