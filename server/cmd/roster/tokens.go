package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/rosterhq/roster/client"
)

// `roster tokens list|create|revoke`: a user's API tokens.

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
	c, user, pos, code := refCommand(ctx, e, fs, cf, args, userRef, "USER", "TOKEN")
	if code >= 0 {
		return code
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
