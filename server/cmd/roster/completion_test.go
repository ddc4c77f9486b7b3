package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestMain lets the shells of the completion tests run this test binary as
// roster itself.
func TestMain(m *testing.M) {
	if os.Getenv("ROSTER_TEST_AS_MAIN") == "1" {
		main()
	}
	os.Exit(m.Run())
}

// TestComplete lists the candidates `roster __complete` offers.
func TestComplete(t *testing.T) {
	c := newCLI(t, startServer(t))
	c.must("roles", "create", "editor")
	tests := []struct {
		words []string
		want  []string
	}{
		{[]string{""}, []string{"--version", "apply", "assign", "audit", "check", "completion", "evaluated", "export", "groups", "help", "holders", "import",
			"login", "logout", "migrate", "orgs", "permissions", "plan", "roles", "serve", "tenants", "tokens", "unassign", "users", "version"}},
		{[]string{"gr"}, []string{"groups"}},
		{[]string{"groups", "members", ""}, []string{"add", "list", "remove"}},
		{[]string{"roles", "list", "--l"}, []string{"--limit"}},
		{[]string{"audit", "--f"}, []string{"--follow"}},
		{[]string{"serve", "--d"}, []string{"--db"}},
		{[]string{"users", "list", "-o", ""}, []string{"json", "table", "yaml"}},
		{[]string{"completion", ""}, []string{"bash", "fish", "zsh"}},
		{[]string{"assign", "usr_x", "role_e"}, []string{"role_editor"}},
		{[]string{"assign", "--org", "Berlin", "usr_x", ""}, []string{"role_admin", "role_editor", "role_member"}},
		{[]string{"groups", "roles", "add", "grp_x", "role_m"}, []string{"role_member"}},
		{[]string{"assign", "usr_x", "role_editor", ""}, nil}, // no third argument
		{[]string{"nope", ""}, nil},
	}
	for _, tt := range tests {
		_, out, _ := c.run(append([]string{"__complete"}, tt.words...)...)
		got := strings.Fields(out)
		if !slices.Equal(got, tt.want) {
			t.Errorf("complete %q: %q, want %q", tt.words, got, tt.want)
		}
	}
}

// TestCompletionScripts: each script parses in its shell, and bash and
// fish complete commands and role ids through it (zsh completion needs an
// interactive line editor).
func TestCompletionScripts(t *testing.T) {
	url := startServer(t)
	c := newCLI(t, url)
	c.must("roles", "create", "editor")
	dir := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		shell, check string
		args         func(file string) []string
	}{
		{"bash", "-n", nil},
		{"zsh", "-n", nil},
		{"fish", "--no-execute", nil},
		{"bash", "", func(file string) []string {
			return []string{"-c", `roster() { ROSTER_TEST_AS_MAIN=1 "$SELF" "$@"; }; source ` + file + `
complete -p roster
COMP_WORDS=(roster groups mem); COMP_CWORD=2; _roster; echo "${COMPREPLY[@]}"
COMP_WORDS=(roster assign usr_x role_ed); COMP_CWORD=3; _roster; echo "${COMPREPLY[@]}"`}
		}},
		{"fish", "", func(file string) []string {
			return []string{"-c", `function roster; env ROSTER_TEST_AS_MAIN=1 $SELF $argv; end; source ` + file + `
complete -C "roster groups mem"; complete -C "roster assign usr_x role_ed"`}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.shell+" "+tt.check, func(t *testing.T) {
			if _, err := exec.LookPath(tt.shell); err != nil {
				t.Skipf("no %s here", tt.shell)
			}
			_, script, _ := c.run("completion", tt.shell)
			file := filepath.Join(dir, tt.shell)
			if err := os.WriteFile(file, []byte(script), 0o600); err != nil {
				t.Fatal(err)
			}
			args := []string{tt.check, file}
			if tt.args != nil {
				args = tt.args(file)
			}
			cmd := exec.Command(tt.shell, args...)
			cmd.Env = append(os.Environ(), "SELF="+self, "ROSTER_SERVER="+url, "ROSTER_TOKEN="+testOperatorToken, "ROSTER_CONFIG="+c.env["ROSTER_CONFIG"])
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s %q: %v\n%s", tt.shell, args, err, out)
			}
			if tt.args != nil {
				wantContains(t, tt.shell+" completion", string(out), "members", "role_editor")
			}
		})
	}
}
