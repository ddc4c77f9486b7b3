package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/internal/app"
)

const testOperatorToken = "cli-test-operator-token-0123456789"

// startServer runs a real Roster on a free loopback port with a fresh
// SQLite database and returns its URL.
func startServer(t *testing.T) string {
	t.Helper()
	m := app.New(app.Config{
		Addr:           "127.0.0.1:0",
		DB:             "sqlite:" + filepath.Join(t.TempDir(), "roster.db"),
		BootstrapToken: testOperatorToken,
	})
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Error(err)
		}
	})
	return m.URL()
}

// cli is a command line environment for one server and token, with its
// own profiles file.
type cli struct {
	t     *testing.T
	env   map[string]string
	stdin string
}

func newCLI(t *testing.T, url string) *cli {
	return &cli{t: t, env: map[string]string{"ROSTER_SERVER": url, "ROSTER_TOKEN": testOperatorToken,
		"ROSTER_CONFIG": filepath.Join(t.TempDir(), "config.json")}}
}

// run runs `roster args…` as runClient does for main, and returns its
// exit status and outputs.
func (c *cli) run(args ...string) (code int, stdout, stderr string) {
	c.t.Helper()
	return c.runContext(context.Background(), args...)
}

func (c *cli) runContext(ctx context.Context, args ...string) (code int, stdout, stderr string) {
	c.t.Helper()
	var out, errOut bytes.Buffer
	code, ok := runCommand(ctx, args, &cliEnv{getenv: env(c.env), stdin: strings.NewReader(c.stdin), stdout: &out, stderr: &errOut})
	if !ok {
		c.t.Fatalf("roster %q: not a client command", args)
	}
	return code, out.String(), errOut.String()
}

// must runs a command that must succeed and returns its stdout.
func (c *cli) must(args ...string) string {
	c.t.Helper()
	code, out, errOut := c.run(args...)
	if code != 0 {
		c.t.Fatalf("roster %q: exit %d; stderr: %s", args, code, errOut)
	}
	return out
}

// mustJSON runs a command with -o json and decodes its stdout into v.
func (c *cli) mustJSON(v any, args ...string) {
	c.t.Helper()
	out := c.must(append(args, "-o", "json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		c.t.Fatalf("roster %q -o json: %v; stdout: %s", args, err, out)
	}
}

func wantContains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

// TestClientCommands walks the quick start with the CLI against a real
// server: roles, users, assignment, evaluation and checks, in table and
// JSON output.
func TestClientCommands(t *testing.T) {
	c := newCLI(t, startServer(t))

	out := c.must("roles", "create", "viewer", "--display-name", "Viewer", "--permissions", "documents:read")
	wantContains(t, "roles create", out, "ID:", "role_viewer", "Viewer", "documents:read")

	var editor struct {
		ID           string   `json:"id"`
		Permissions  []string `json:"permissions"`
		InheritsFrom []string `json:"inherits_from"`
	}
	c.mustJSON(&editor, "roles", "create", "editor", "--permissions", "documents:write, documents:delete", "--inherits", "viewer")
	if editor.ID != "role_editor" || len(editor.Permissions) != 2 || len(editor.InheritsFrom) != 1 || editor.InheritsFrom[0] != "role_viewer" {
		t.Errorf("roles create -o json: %+v", editor)
	}

	out = c.must("roles", "list")
	wantContains(t, "roles list", out, "ID", "PERMISSIONS", "role_admin", "role_editor", "role_member", "role_viewer")
	var roles []struct{ ID string }
	c.mustJSON(&roles, "roles", "list", "--type", "custom")
	if len(roles) != 2 || roles[0].ID != "role_editor" || roles[1].ID != "role_viewer" {
		t.Errorf("roles list --type custom -o json: %+v", roles)
	}
	c.mustJSON(&roles, "roles", "list", "--limit", "1")
	if len(roles) != 1 {
		t.Errorf("roles list --limit 1: %d roles", len(roles))
	}
	wantContains(t, "roles get", c.must("roles", "get", "role_editor"), "editor", "documents:delete", "role_viewer")

	var user struct{ ID, Email string }
	c.mustJSON(&user, "users", "create", "grace@acme.test", "--first-name", "Grace")
	if !strings.HasPrefix(user.ID, "usr_") || user.Email != "grace@acme.test" {
		t.Fatalf("users create -o json: %+v", user)
	}
	c.must("users", "create", "linus@acme.test", "--roles", "viewer")
	out = c.must("users", "list", "--role", "viewer")
	wantContains(t, "users list --role viewer", out, "EMAIL", "linus@acme.test")
	if strings.Contains(out, "grace@") {
		t.Errorf("users list --role viewer shows grace:\n%s", out)
	}

	// Flags after the arguments, a role by name, an expiry in days.
	before := time.Now().UTC().Format(time.RFC3339Nano)
	time.Sleep(10 * time.Millisecond)
	out = c.must("assign", user.ID, "editor", "--expires", "30d", "--reason", "on call")
	wantContains(t, "assign", out, "role_editor", "global", "active", "operator")

	out = c.must("evaluated", user.ID)
	wantContains(t, "evaluated", out, "SOURCES", "role_editor", "direct", "role_viewer", "inherited:role_editor", "role_member", "default")

	code, out, _ := c.run("check", user.ID, "documents:read")
	if code != 0 || !strings.Contains(out, "allowed: role_viewer grants documents:read") {
		t.Errorf("check allowed: exit %d, stdout %q", code, out)
	}
	code, out, _ = c.run("check", user.ID, "billing:read")
	if code != 1 || !strings.Contains(out, "denied") {
		t.Errorf("check denied: exit %d, stdout %q", code, out)
	}
	var res struct {
		Allowed bool `json:"allowed"`
		Matched *struct {
			RoleID string `json:"role_id"`
		} `json:"matched"`
	}
	c.mustJSON(&res, "check", user.ID, "documents:write")
	if !res.Allowed || res.Matched == nil || res.Matched.RoleID != "role_editor" {
		t.Errorf("check -o json: %+v", res)
	}

	// Point in time: before the assignment, grace held no editor role.
	if code, out, errOut := c.run("check", user.ID, "documents:write", "--at", before); code != 1 {
		t.Errorf("check --at before the assignment: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if out := c.must("evaluated", "grace@acme.test", "--at", before); strings.Contains(out, "role_editor") || !strings.Contains(out, "role_member") {
		t.Errorf("evaluated --at before the assignment:\n%s", out)
	}
	if out := c.must("permissions", user.ID, "--at", before); strings.Contains(out, "documents:write") {
		t.Errorf("permissions --at before the assignment:\n%s", out)
	}
	if out := c.must("holders", "editor", "--at", before); strings.Contains(out, "grace@") {
		t.Errorf("holders --at before the assignment:\n%s", out)
	}
	wantContains(t, "holders now", c.must("holders", "editor"), "grace@acme.test")
	out = c.must("users", "history", "grace@acme.test")
	wantContains(t, "users history", out, "ROLE", "SOURCE", "GRANTED BY", "REVOKED BY", "role_editor", "direct", "operator", "on call")
	c.must("unassign", user.ID, "editor")
	var history []struct {
		RoleID    string  `json:"role_id"`
		Until     *string `json:"until"`
		RevokedBy *string `json:"revoked_by"`
	}
	c.mustJSON(&history, "users", "history", user.ID, "--role", "editor")
	if len(history) != 1 || history[0].RoleID != "role_editor" || history[0].Until == nil || history[0].RevokedBy == nil {
		t.Errorf("users history --role editor after unassign: %+v", history)
	}
	c.mustJSON(&history, "users", "history", user.ID, "--role", "viewer")
	if len(history) != 0 {
		t.Errorf("users history --role viewer: %+v", history)
	}
}

// TestClientCommands_errors checks exit statuses and the messages of problem
// responses, transport failures and bad command lines.
func TestClientCommands_errors(t *testing.T) {
	url := startServer(t)
	c := newCLI(t, url)
	var user struct{ ID string }
	c.mustJSON(&user, "users", "create", "ada@acme.test")
	c.must("roles", "create", "viewer", "--permissions", "documents:read")

	tests := []struct {
		name     string
		env      map[string]string // added to c.env
		args     []string
		wantCode int
		wantErr  []string
	}{
		{"check unknown user", nil, []string{"check", "usr_nope", "documents:read"}, 2,
			[]string{"roster check: 400 validation_error", `  user_id: unknown user "usr_nope"`}},
		{"check bad permission", nil, []string{"check", user.ID, "Documents"}, 2,
			[]string{"400 validation_error", "  permission:"}},
		{"check bad token", map[string]string{"ROSTER_TOKEN": "wrong"}, []string{"check", user.ID, "documents:read"}, 2,
			[]string{"401 unauthorized", "ROSTER_TOKEN"}},
		{"check server down", nil, []string{"check", user.ID, "documents:read", "--server", "http://127.0.0.1:1"}, 2,
			[]string{"cannot reach http://127.0.0.1:1"}},
		{"check without a token", map[string]string{"ROSTER_TOKEN": ""}, []string{"check", user.ID, "documents:read"}, 2,
			[]string{"no token"}},
		{"check missing argument", nil, []string{"check", user.ID}, 2, []string{"want USER PERMISSION"}},
		{"unknown tenant", map[string]string{"ROSTER_TENANT": "nope"}, []string{"roles", "list"}, 1,
			[]string{"roster roles list: 404 not_found"}},
		{"role conflict", nil, []string{"roles", "create", "admin"}, 1, []string{"409 conflict"}},
		{"bad role name", nil, []string{"roles", "create", "no spaces"}, 1, []string{"400 validation_error", "  name:"}},
		{"assign unknown role", nil, []string{"assign", user.ID, "ghost"}, 1, []string{"  role_id:"}},
		{"assign unassignable role", nil, []string{"assign", user.ID, "admin"}, 1, []string{"role_id: role is not assignable"}},
		{"assign unknown user", nil, []string{"assign", "usr_nope", "viewer"}, 1, []string{"404 not_found"}},
		{"assign bad expiry", nil, []string{"assign", user.ID, "viewer", "--expires", "soon"}, 2, []string{"--expires"}},
		{"evaluated unknown user", nil, []string{"evaluated", "usr_nope"}, 1, []string{"404 not_found"}},
		{"users create bad email", nil, []string{"users", "create", "not-an-email"}, 2, []string{"not an email address"}},
		{"bad output", nil, []string{"roles", "list", "-o", "xml"}, 2, []string{"-o must be table, json or yaml"}},
		{"unknown subcommand", nil, []string{"roles", "frob"}, 2, []string{`unknown command "frob"`, "list, get, create, update, delete"}},
		{"group without subcommand", nil, []string{"groups", "members"}, 2, []string{"Usage: roster groups members COMMAND", "add GROUP USER..."}},
		{"unknown flag", nil, []string{"users", "list", "--nope"}, 2, []string{"flag provided but not defined: -nope"}},
		{"help", nil, []string{"assign", "-h"}, 0, []string{"Usage: roster assign USER ROLE", "-expires"}},
		{"unknown email", nil, []string{"users", "get", "nobody@acme.test"}, 1, []string{"roster users get: no user with email nobody@acme.test"}},
		{"check unknown email", nil, []string{"check", "nobody@acme.test", "documents:read"}, 2, []string{"no user with email"}},
		{"unknown group", nil, []string{"groups", "members", "add", "ghosts", user.ID}, 1, []string{`no group named "ghosts"`}},
		{"unknown organization", nil, []string{"assign", user.ID, "viewer", "--org", "Nowhere"}, 1, []string{`no organization named "Nowhere"`}},
		{"update without changes", nil, []string{"roles", "update", "viewer"}, 2, []string{"nothing to change"}},
		{"metadata not an object", nil, []string{"roles", "create", "x", "--metadata", "[1]"}, 2, []string{"--metadata must be a JSON object"}},
		{"bad at", nil, []string{"evaluated", user.ID, "--at", "yesterday"}, 2, []string{"roster evaluated: --at"}},
		{"check bad at", nil, []string{"check", user.ID, "documents:read", "--at", "soon"}, 2, []string{"roster check: --at"}},
		{"at before history", nil, []string{"permissions", user.ID, "--at", "2000-01-01T00:00:00Z"}, 1, []string{"400 validation_error", "  at:"}},
		{"history unknown user", nil, []string{"users", "history", "nobody@acme.test"}, 1, []string{"no user with email"}},
		{"bad since", nil, []string{"audit", "--since", "yesterday"}, 2, []string{"--since"}},
		{"bad interval", nil, []string{"audit", "--follow", "--interval", "1ms"}, 2, []string{"--interval must be at least 100ms"}},
		{"bad window", nil, []string{"assign", user.ID, "viewer", "--from", "later"}, 2, []string{"--from"}},
		{"bad import format", nil, []string{"import", "x.csv", "--format", "xml"}, 2, []string{"--format must be csv or ndjson"}},
		{"missing import file", nil, []string{"import", "/nonexistent.csv"}, 1, []string{"no such file"}},
		{"negative limit", nil, []string{"groups", "list", "--limit", "-1"}, 2, []string{"--limit must not be negative"}},
		{"unknown shell", nil, []string{"completion", "tcsh"}, 2, []string{"want bash, zsh or fish"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newCLI(t, url)
			for k, v := range tt.env {
				e.env[k] = v
			}
			code, out, errOut := e.run(tt.args...)
			if code != tt.wantCode {
				t.Errorf("roster %q: exit %d, want %d; stderr: %s", tt.args, code, tt.wantCode, errOut)
			}
			if tt.wantCode != 0 && out != "" {
				t.Errorf("roster %q: stdout %q on failure", tt.args, out)
			}
			wantContains(t, "stderr", errOut, tt.wantErr...)
		})
	}
}

// TestRun_clientCommand checks that run dispatches to the client commands
// and still lists them in its usage.
func TestRun_clientCommand(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), func() {}, []string{"check"}, env(nil), &out); code != 2 {
		t.Errorf("roster check: exit %d, want 2; output %q", code, out.String())
	}
	out.Reset()
	run(context.Background(), func() {}, []string{"help"}, env(nil), &out)
	wantContains(t, "usage", out.String(), "check        USER PERMISSION", "ROSTER_TENANT")
}

func TestParseDuration(t *testing.T) {
	for in, ok := range map[string]bool{"90m": true, "12h": true, "30d": true, "0s": false, "-1h": false, "d": false, "3w": false} {
		if _, err := parseDuration(in); (err == nil) != ok {
			t.Errorf("parseDuration(%q): err %v, want ok %v", in, err, ok)
		}
	}
}
