package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/rosterhq/roster/client"
)

// `roster audit [filters] [--follow]`: the audit log, newest first; with
// --follow, the last --limit events (default 10) oldest first, then every
// new one as polling finds it, until interrupted (exit 0). Following
// prints JSON as one event per line (NDJSON), so that a script can read
// the stream line by line.

const followDefault = 10

func auditCommand(ctx context.Context, args []string, e *cliEnv) int {
	fs, cf := newClientFlagSet("roster audit", "[flags]   (newest first; --follow for new events as they come)", e)
	actor := fs.String("actor", "", "only events by this actor: a user id or email, or operator")
	target := fs.String("target", "", "only events about this id (usr_…, role_…, grp_…, org_…)")
	action := fs.String("action", "", "only this action, such as role.create or user.update")
	since := fs.String("since", "", "only events at or after WHEN: a time (2030-01-02T15:04:05Z) or a duration ago (1h, 7d)")
	follow := fs.Bool("follow", false, "keep polling and print new events as they come (Ctrl-C stops)")
	interval := fs.Duration("interval", 2*time.Second, "with --follow, how often to poll")
	limit := limitFlag(fs)
	if _, err := parseArgs(fs, cf, args); err != nil {
		return e.usage(err)
	}
	if err := checkLimit(cf, *limit); err != nil {
		return e.usage(err)
	}
	if *interval < 100*time.Millisecond {
		return e.usage(fmt.Errorf("roster audit: --interval must be at least 100ms, not %s", *interval))
	}
	params := client.ListAuditEventsParams{Action: optional(*action), TargetId: optional(*target)}
	if *since != "" {
		at, err := sinceFlag(*since)
		if err != nil {
			return e.usage(fmt.Errorf("roster audit: --since: %w", err))
		}
		params.Since = &at
	}
	c, err := cf.connect()
	if err != nil {
		return e.fail(cf, err)
	}
	if *actor != "" {
		id, err := userRef(ctx, c, cf.tenant, *actor)
		if err != nil {
			return e.fail(cf, err)
		}
		params.ActorId = &id
	}
	list := func(ctx context.Context, limit int) ([]client.AuditEvent, error) {
		return listPages(ctx, limit, func(ctx context.Context, n *int, cursor *string) (client.Response, []client.AuditEvent, *string, error) {
			p := params
			p.Limit, p.Cursor = n, cursor
			res, err := c.ListAuditEventsWithResponse(ctx, cf.tenant, &p)
			if err != nil || res.JSON200 == nil {
				return res, nil, nil, err
			}
			return res, res.JSON200.Items, res.JSON200.NextCursor, nil
		})
	}
	if !*follow {
		events, err := list(ctx, *limit)
		if err != nil {
			return e.fail(cf, err)
		}
		return showList(e, cf, events, []string{"AT", "ACTOR", "ACTION", "TARGET", "DETAILS"}, eventCells)
	}
	if *limit == 0 {
		*limit = followDefault
	}
	return e.followAudit(ctx, cf, list, &params, *limit, *interval)
}

// followAudit prints the newest limit events, then polls for events at or
// after the newest seen, skipping the ones already printed (several events
// can share a timestamp).
func (e *cliEnv) followAudit(ctx context.Context, cf *clientFlags, list func(context.Context, int) ([]client.AuditEvent, error),
	params *client.ListAuditEventsParams, limit int, interval time.Duration) int {
	seen := map[string]time.Time{}
	events, err := list(ctx, limit)
	for {
		if ctx.Err() != nil {
			return 0
		}
		if err != nil {
			return e.fail(cf, err)
		}
		slices.Reverse(events) // oldest first, as a log reads
		for _, ev := range events {
			if _, ok := seen[ev.Id]; ok {
				continue
			}
			seen[ev.Id] = ev.At
			if params.Since == nil || ev.At.After(*params.Since) {
				at := ev.At
				params.Since = &at
			}
			if err := e.printEvent(cf, ev); err != nil {
				return e.fail(cf, err)
			}
		}
		// Only events at the newest instant can come again; a second's margin
		// covers a server that keeps coarser timestamps than it prints.
		for id, at := range seen {
			if at.Before(params.Since.Add(-time.Second)) {
				delete(seen, id)
			}
		}
		select {
		case <-ctx.Done():
			return 0
		case <-time.After(interval):
		}
		events, err = list(ctx, 0)
	}
}

// printEvent writes one followed event: a line of text, one JSON line, or
// one YAML document.
func (e *cliEnv) printEvent(cf *clientFlags, ev client.AuditEvent) error {
	switch cf.output {
	case "json":
		b, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(e.stdout, "%s\n", b)
		return err
	case "yaml":
		b, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintln(e.stdout, "---"); err != nil {
			return err
		}
		return e.printYAML(b)
	}
	cells := eventCells(ev)
	_, err := fmt.Fprintf(e.stdout, "%s  %s  %s  %s  %s\n", cells[0], cells[1], cells[2], cells[3], cells[4])
	return err
}

func eventCells(ev client.AuditEvent) []string {
	details := ""
	if len(ev.Details) > 0 {
		b, _ := json.Marshal(ev.Details)
		details = string(b)
		if len(details) > 100 {
			details = details[:97] + "..."
		}
	}
	return []string{ev.At.UTC().Format(time.RFC3339), ev.ActorId, ev.Action, ev.TargetType + ":" + ev.TargetId, details}
}

// sinceFlag parses --since: a time, or a duration ago.
func sinceFlag(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	d, err := parseDuration(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w, or a time such as 2030-01-02T15:04:05Z", err)
	}
	return time.Now().Add(-d).UTC(), nil
}
