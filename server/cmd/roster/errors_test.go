package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sampleArgs are valid arguments of each command, for the failed-request
// case of TestCommands_badLines; nil: the command needs no server.
var sampleArgs = map[string][]string{
	"login": {"--server", "{url}", "--tenant", "default"}, "logout": nil,
	"roles list": {}, "roles get": {"editor"}, "roles create": {"editor"}, "roles update": {"editor", "--description", "x"}, "roles delete": {"editor"},
	"users list": {}, "users get": {"usr_x"}, "users create": {"a@b.test"}, "users update": {"usr_x", "--first-name", "A"},
	"users disable": {"usr_x"}, "users enable": {"usr_x"}, "users delete": {"usr_x"}, "users roles": {"a@b.test"}, "users history": {"a@b.test"},
	"assign": {"usr_x", "editor"}, "unassign": {"usr_x", "editor"},
	"groups list": {}, "groups get": {"grp_x"}, "groups create": {"g"}, "groups update": {"g", "--name", "h"}, "groups delete": {"grp_x"},
	"groups members list": {"grp_x"}, "groups members add": {"grp_x", "usr_x"}, "groups members remove": {"grp_x", "usr_x"},
	"groups roles list": {"grp_x"}, "groups roles add": {"grp_x", "editor"}, "groups roles remove": {"grp_x", "editor"},
	"orgs list": {}, "orgs get": {"Berlin"}, "orgs create": {"Berlin"}, "orgs update": {"org_x", "--name", "B"}, "orgs delete": {"org_x"},
	"tokens list": {"usr_x"}, "tokens create": {"usr_x", "ci"}, "tokens revoke": {"usr_x", "tok_x"},
	"tenants list": {}, "tenants get": {"acme"}, "tenants create": {"acme"}, "tenants delete": {"acme"},
	"tenants update": {"acme", "--name", "A"}, "tenants admins add": {"acme", "a@b.test"},
	"audit": {}, "holders": {"editor"}, "check": {"usr_x", "documents:read"}, "evaluated": {"usr_x"}, "permissions": {"usr_x"},
	"export": {}, "import": {"{csv}"}, "plan": {"-f", exampleFile}, "apply": {"-f", exampleFile, "--yes"}, "completion": nil, "version": nil,
}

// TestCommands_badLines gives every command a bad flag, a wrong number of
// arguments and (when it talks to a server) a token the server refuses:
// exit 2, 2 and 1 (check: 2), each with a message naming the command.
func TestCommands_badLines(t *testing.T) {
	url := startServer(t)
	csvFile := filepath.Join(t.TempDir(), "people.csv")
	if err := os.WriteFile(csvFile, []byte("email\nann@acme.test\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range leafPaths(clientCommands, "") {
		sample, ok := sampleArgs[path]
		if !ok {
			t.Errorf("%s: no sample arguments", path)
			continue
		}
		words := strings.Fields(path)
		leaf := leafCommand(words)
		failCode := 1
		if path == "check" {
			failCode = 2
		}
		t.Run(path, func(t *testing.T) {
			c := newCLI(t, url)
			c.stdin = "wrong-token-wrong-token-wrong-token\n"
			c.env["ROSTER_TOKEN"] = "wrong-token-wrong-token-wrong-token"
			name := "roster " + path

			code, out, errOut := c.run(append(words, "--nope")...)
			if code != 2 || out != "" || !strings.Contains(errOut, "flag provided but not defined: -nope") || !strings.Contains(errOut, "Usage: "+name) {
				t.Errorf("bad flag: exit %d, stdout %q, stderr %q; want 2 and the usage", code, out, errOut)
			}

			wrong := append(words[:len(words):len(words)], "extra") // too many
			if want := strings.Fields(leaf.args); len(want) > 0 && !strings.HasSuffix(want[len(want)-1], "...") {
				wrong = words // too few: none
			}
			code, out, errOut = c.run(wrong...)
			if code != 2 || out != "" || !strings.HasPrefix(errOut, name+": ") {
				t.Errorf("roster %q: exit %d, stdout %q, stderr %q; want 2 and a message naming the command", wrong, code, out, errOut)
			}

			if sample == nil {
				return
			}
			args := append([]string{}, words...)
			for _, a := range sample {
				args = append(args, strings.NewReplacer("{url}", url, "{csv}", csvFile).Replace(a))
			}
			code, out, errOut = c.run(args...)
			if code != failCode || out != "" || !strings.HasPrefix(errOut, name+": 401 unauthorized") {
				t.Errorf("roster %q with a wrong token: exit %d, stdout %q, stderr %q; want %d and the 401", args, code, out, errOut, failCode)
			}
		})
	}
}

func leafCommand(words []string) *command {
	cmds := clientCommands
	var c *command
	for _, w := range words {
		c = find(cmds, w)
		cmds = c.subs
	}
	return c
}
