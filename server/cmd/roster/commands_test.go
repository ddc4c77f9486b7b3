package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// step is one CLI invocation of TestCommands, run with -o json unless raw.
type step struct {
	args   []string
	code   int
	keys   []string          // JSON: the object, or each item of the array, has these keys
	array  bool              // JSON: an array (of at least one item when keys are given)
	fields map[string]string // JSON: top-level fields with these values
	save   string            // JSON: remember field "id" as {save} for later args
	ro     bool              // read-only: -o yaml must give the same document
	raw    []string          // no -o json; stdout contains these
	stdin  string
}

// TestCommands runs every client command against a live server, in an
// order that builds on what came before, and checks each one's exit status
// and JSON shape; read-only ones also print the same document as YAML.
// Every command of the tree must appear.
func TestCommands(t *testing.T) {
	url := startServer(t)
	c := newCLI(t, url)
	csvFile := filepath.Join(t.TempDir(), "people.csv")
	if err := os.WriteFile(csvFile, []byte("email,first_name,roles,groups\nann@acme.test,Ann,viewer;editor@Berlin,auditors\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tenantFile := filepath.Join(t.TempDir(), "tenant.yaml")
	if err := os.WriteFile(tenantFile, []byte("roles:\n  - name: planned\n    permissions: [docs:read]\nusers:\n  - email: grace@acme.test\n    roles: [planned]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	role := []string{"id", "name", "display_name", "permissions", "inherits_from", "type", "user_count"}
	user := []string{"id", "email", "status", "roles"}
	org := []string{"id", "name", "created_at"}
	group := []string{"id", "name", "member_count"}
	assignment := []string{"role_id", "name", "scope", "status", "assigned_by"}
	steps := []step{
		{args: []string{"roles", "create", "viewer", "--permissions", "documents:read"}, keys: role},
		{args: []string{"roles", "create", "editor", "--permissions", "documents:write", "--inherits", "viewer", "--description", "Writes"}, keys: role,
			fields: map[string]string{"description": "Writes"}},
		{args: []string{"roles", "create", "temp", "--assignable=false", "--metadata", `{"team": "docs"}`}, keys: role, fields: map[string]string{"assignable": "false"}},
		{args: []string{"roles", "list", "--type", "custom"}, array: true, keys: role, ro: true},
		{args: []string{"roles", "get", "editor"}, keys: role, ro: true},
		{args: []string{"roles", "update", "editor", "--display-name", "Editor", "--permissions", "documents:write,documents:delete"}, keys: role,
			fields: map[string]string{"display_name": "Editor", "description": "Writes"}},
		{args: []string{"roles", "delete", "temp"}, keys: []string{"id", "deleted"}, fields: map[string]string{"id": "role_temp"}},
		{args: []string{"orgs", "create", "Berlin", "--external-id", "B1"}, keys: org},
		{args: []string{"orgs", "list"}, array: true, keys: org, ro: true},
		{args: []string{"orgs", "get", "Berlin"}, keys: org, ro: true},
		{args: []string{"orgs", "update", "Berlin", "--external-id", "B2"}, keys: org, fields: map[string]string{"external_id": "B2"}},
		{args: []string{"users", "create", "grace@acme.test", "--first-name", "Grace", "--roles", "viewer"}, keys: user},
		{args: []string{"users", "create", "linus@acme.test"}, keys: user},
		{args: []string{"users", "list", "--search", "acme"}, array: true, keys: user, ro: true},
		{args: []string{"users", "get", "grace@acme.test"}, keys: user, fields: map[string]string{"first_name": "Grace"}, ro: true},
		{args: []string{"users", "update", "grace@acme.test", "--last-name", "Hopper"}, keys: user, fields: map[string]string{"last_name": "Hopper"}},
		{args: []string{"users", "disable", "linus@acme.test"}, keys: user, fields: map[string]string{"status": "disabled"}},
		{args: []string{"users", "enable", "linus@acme.test"}, keys: user, fields: map[string]string{"status": "active"}},
		{args: []string{"assign", "grace@acme.test", "editor", "--org", "Berlin", "--from", "1h", "--expires", "30d", "--reason", "cover"},
			keys: append(assignment, "not_before", "expires_at", "reason"), fields: map[string]string{"status": "pending"}},
		{args: []string{"assign", "grace@acme.test", "editor"}, keys: assignment, fields: map[string]string{"status": "active"}},
		{args: []string{"users", "roles", "grace@acme.test"}, array: true, keys: assignment, ro: true},
		{args: []string{"users", "history", "grace@acme.test", "--role", "editor"}, array: true,
			keys: []string{"role_id", "scope", "source", "from", "until", "granted_by"}, ro: true},
		{args: []string{"evaluated", "grace@acme.test", "--org", "Berlin"}, keys: []string{"items"}, ro: true},
		{args: []string{"permissions", "grace@acme.test"}, keys: []string{"permissions"}, ro: true},
		{args: []string{"plan", "-f", tenantFile}, keys: []string{"tenant", "changes", "impact_available", "impact"}, ro: true},
		{args: []string{"apply", "-f", tenantFile, "--yes"}, keys: []string{"results", "committed", "revision"}, fields: map[string]string{"committed": "true"}},
		{args: []string{"check", "grace@acme.test", "documents:delete"}, keys: []string{"allowed", "matched", "revision"}, fields: map[string]string{"allowed": "true"}},
		{args: []string{"check", "linus@acme.test", "documents:delete"}, code: 1, keys: []string{"allowed"}, fields: map[string]string{"allowed": "false"}},
		{args: []string{"holders", "editor"}, array: true, keys: user, ro: true},
		{args: []string{"holders", "documents:read", "--org", "Berlin"}, array: true, keys: user, ro: true},
		{args: []string{"unassign", "grace@acme.test", "editor", "--org", "Berlin"}, keys: []string{"user_id", "role_id", "removed"}},
		{args: []string{"groups", "create", "auditors", "--description", "Read"}, keys: group},
		{args: []string{"groups", "list"}, array: true, keys: group, ro: true},
		{args: []string{"groups", "get", "auditors"}, keys: group, ro: true},
		{args: []string{"groups", "update", "auditors", "--description", "Read the log"}, keys: group, fields: map[string]string{"description": "Read the log"}},
		{args: []string{"groups", "members", "add", "auditors", "linus@acme.test", "grace@acme.test"}, keys: []string{"group_id", "added"}},
		{args: []string{"groups", "members", "list", "auditors"}, array: true, keys: user, ro: true},
		{args: []string{"groups", "members", "remove", "auditors", "grace@acme.test"}, keys: []string{"group_id", "removed"}},
		{args: []string{"groups", "roles", "add", "auditors", "viewer", "--org", "Berlin"}, keys: assignment},
		{args: []string{"groups", "roles", "list", "auditors"}, array: true, keys: assignment, ro: true},
		{args: []string{"groups", "roles", "remove", "auditors", "viewer", "--org", "Berlin"}, keys: []string{"group_id", "role_id", "removed"}},
		{args: []string{"tokens", "create", "grace@acme.test", "ci", "--scopes", "documents:read", "--expires", "30d"},
			keys: []string{"id", "name", "token", "scopes", "expires_at"}, save: "tok"},
		{args: []string{"tokens", "list", "grace@acme.test"}, array: true, keys: []string{"id", "name", "created_at"}, ro: true},
		{args: []string{"tokens", "revoke", "grace@acme.test", "{tok}"}, keys: []string{"id", "revoked"}},
		{args: []string{"tenants", "create", "acme", "--name", "Acme", "--admin", "ada@acme.test"}, keys: []string{"tenant", "admin_user", "admin_token"}},
		{args: []string{"tenants", "update", "acme", "--name", "Acme Corp", "--assignment-mode", "single"}, keys: []string{"id", "name", "settings"},
			fields: map[string]string{"name": "Acme Corp"}},
		{args: []string{"tenants", "admins", "add", "acme", "bob@acme.test"}, keys: []string{"admin_user", "admin_token"}},
		{args: []string{"tenants", "list"}, array: true, keys: []string{"id", "name", "revision"}, ro: true},
		{args: []string{"tenants", "get", "acme"}, keys: []string{"id", "name", "revision", "settings"}, ro: true},
		{args: []string{"tenants", "delete", "acme"}, keys: []string{"id", "deleted"}},
		{args: []string{"audit", "--action", "role.create"}, array: true, keys: []string{"id", "at", "actor_id", "action", "target_type", "target_id"}, ro: true},
		{args: []string{"audit", "--since", "1h", "--actor", "operator", "--limit", "2"}, array: true, keys: []string{"action"}},
		{args: []string{"import", csvFile}, raw: []string{}},
		{args: []string{"export"}, raw: []string{`"kind":"organization"`, `"email":"ann@acme.test"`, `"kind":"group","name":"auditors"`}},
		{args: []string{"groups", "delete", "auditors"}, keys: []string{"id", "deleted"}},
		{args: []string{"orgs", "delete", "Berlin"}, keys: []string{"id", "deleted"}},
		{args: []string{"users", "delete", "linus@acme.test"}, keys: []string{"id", "deleted"}},
		{args: []string{"version"}, keys: []string{"version", "revision", "go_version"}, ro: true},
		{args: []string{"completion", "bash"}, raw: []string{"complete -o default -F _roster roster"}},
		{args: []string{"login", "--profile", "ci", "--server", url, "--tenant", "default"}, stdin: testOperatorToken + "\n", raw: []string{}},
		{args: []string{"logout", "--profile", "ci"}, raw: []string{}},
	}
	vars := map[string]string{}
	covered := map[string]bool{}
	for _, s := range steps {
		for i, a := range s.args {
			for k, v := range vars {
				s.args[i] = strings.ReplaceAll(a, "{"+k+"}", v)
			}
		}
		covered[leafPath(s.args)] = true
		t.Run(strings.Join(s.args[:min(3, len(s.args))], " "), func(t *testing.T) {
			c.stdin = s.stdin
			args := s.args
			if s.raw == nil {
				args = append(args[:len(args):len(args)], "-o", "json")
			}
			code, out, errOut := c.run(args...)
			if code != s.code {
				t.Fatalf("roster %q: exit %d, want %d; stderr: %s", args, code, s.code, errOut)
			}
			if s.raw != nil {
				wantContains(t, "stdout", out, s.raw...)
				return
			}
			var doc any
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("roster %q: stdout is not JSON: %v\n%s", args, err, out)
			}
			checkShape(t, doc, s)
			if s.save != "" {
				vars[s.save] = fmt.Sprint(doc.(map[string]any)["id"])
			}
			if s.ro {
				_, yout, _ := c.run(append(s.args[:len(s.args):len(s.args)], "-o", "yaml")...)
				var ydoc any
				if err := yaml.Unmarshal([]byte(yout), &ydoc); err != nil {
					t.Fatalf("-o yaml: %v\n%s", err, yout)
				}
				if !reflect.DeepEqual(normalize(doc), normalize(ydoc)) {
					t.Errorf("-o yaml differs from -o json:\n%s\nvs\n%s", yout, out)
				}
			}
		})
	}
	for _, p := range leafPaths(clientCommands, "") {
		if !covered[p] {
			t.Errorf("no step runs %q", p)
		}
	}
}

func checkShape(t *testing.T, doc any, s step) {
	t.Helper()
	items := []any{doc}
	if s.array {
		arr, ok := doc.([]any)
		if !ok {
			t.Fatalf("want a JSON array, got %T", doc)
		}
		if len(s.keys) > 0 && len(arr) == 0 {
			t.Fatalf("want items, got an empty array")
		}
		items = arr
	}
	for _, it := range items {
		obj, ok := it.(map[string]any)
		if !ok {
			t.Fatalf("want a JSON object, got %T", it)
		}
		for _, k := range s.keys {
			if _, ok := obj[k]; !ok {
				t.Errorf("JSON lacks %q: %v", k, obj)
			}
		}
		for k, v := range s.fields {
			if got := fmt.Sprint(obj[k]); got != v {
				t.Errorf("JSON %s = %q, want %q", k, got, v)
			}
		}
	}
}

// normalize makes a decoded JSON and a decoded YAML document comparable:
// YAML reads numbers as int and timestamps stay strings when quoted.
func normalize(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// leafPaths lists every runnable command: "roles list", "groups members add".
func leafPaths(cmds []*command, prefix string) []string {
	var out []string
	for _, c := range cmds {
		p := strings.TrimSpace(prefix + " " + c.name)
		if c.subs == nil {
			out = append(out, p)
		} else {
			out = append(out, leafPaths(c.subs, p)...)
		}
	}
	return out
}

// leafPath is the command an argument list runs.
func leafPath(args []string) string {
	cmds, path := clientCommands, ""
	for _, a := range args {
		c := find(cmds, a)
		if c == nil {
			break
		}
		path = strings.TrimSpace(path + " " + c.name)
		cmds = c.subs
	}
	return path
}

// TestHelp_oneScreen: `roster help` lists every command in at most 40
// lines of 80 columns; `roster help COMMAND` is the command's -h.
func TestHelp_oneScreen(t *testing.T) {
	var out strings.Builder
	if code := run(t.Context(), func() {}, []string{"help"}, env(nil), &out); code != 0 {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	if len(lines) > 40 {
		t.Errorf("roster help: %d lines, want at most 40", len(lines))
	}
	for _, l := range lines {
		if len([]rune(l)) > 80 {
			t.Errorf("roster help: a line of %d columns: %q", len([]rune(l)), l)
		}
	}
	for _, c := range topLevel() {
		if c.name != "help" && !strings.Contains(out.String(), "\n  "+c.name+" ") {
			t.Errorf("roster help lacks %s", c.name)
		}
	}
	out.Reset()
	if code := run(t.Context(), func() {}, []string{"help", "groups", "members"}, env(nil), &out); code != 0 || !strings.Contains(out.String(), "add GROUP USER...") {
		t.Errorf("roster help groups members: exit %d, %q", code, out.String())
	}
}

// TestVersion: `roster version` and `--version` print the values of the
// server's roster_build_info.
func TestVersion(t *testing.T) {
	c := newCLI(t, "http://127.0.0.1:1") // no server needed
	var v map[string]string
	c.mustJSON(&v, "version")
	b := buildVersion()
	if v["version"] != b.Version || v["revision"] != b.Revision || v["go_version"] != runtime.Version() || len(v) != 3 {
		t.Errorf("roster version -o json: %v", v)
	}
	if out := c.must("version"); out != fmt.Sprintf("roster %s (revision %s, %s)\n", b.Version, b.Revision, runtime.Version()) {
		t.Errorf("roster version: %q", out)
	}
	var stderr strings.Builder
	if code := run(t.Context(), func() {}, []string{"--version", "--bad"}, env(nil), &stderr); code != 2 {
		t.Errorf("roster --version --bad: exit %d", code)
	}
}
