package main

import (
	"os"
	"strings"
	"testing"
)

// TestLogin_profiles: login stores a 0600 profile from stdin; commands use
// it when neither a flag nor the environment says otherwise; a named
// profile that does not exist is a bad command line; logout forgets it.
func TestLogin_profiles(t *testing.T) {
	url := startServer(t)
	c := newCLI(t, url)
	c.must("tenants", "create", "acme")
	c.must("roles", "create", "acme-only", "--tenant", "acme")
	path := c.env["ROSTER_CONFIG"]
	bare := func() *cli { // no server, token or tenant in the environment
		return &cli{t: t, env: map[string]string{"ROSTER_CONFIG": path}}
	}

	c.stdin = "wrong-token-wrong-token-wrong-token\n"
	if code, _, errOut := c.run("login", "--server", url, "--tenant", "acme"); code != 1 || !strings.Contains(errOut, "401 unauthorized") {
		t.Fatalf("login with a wrong token: exit %d, stderr %q; want 1 and the 401", code, errOut)
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatal("a refused login wrote the profile")
	}
	c.stdin = testOperatorToken + "\n"
	c.must("login", "--server", url, "--tenant", "acme")
	c.must("login", "--profile", "other", "--server", url, "--tenant", "default")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("config mode %v, want 0600", st.Mode().Perm())
	}

	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantCode int
		wantOut  string // in stdout
		wantErr  string // in stderr
	}{
		{"default profile", nil, []string{"roles", "list"}, 0, "role_acme-only", ""},
		{"--profile", nil, []string{"roles", "list", "--profile", "other"}, 0, "role_admin", ""},
		{"ROSTER_PROFILE", map[string]string{"ROSTER_PROFILE": "other"}, []string{"roles", "get", "acme-only"}, 1, "", "404 not_found"},
		{"flag beats profile", nil, []string{"roles", "get", "acme-only", "--tenant", "default"}, 1, "", "404 not_found"},
		{"environment beats profile", map[string]string{"ROSTER_TENANT": "default"}, []string{"roles", "get", "acme-only"}, 1, "", "404 not_found"},
		{"environment token beats profile", map[string]string{"ROSTER_TOKEN": "wrong-token-wrong-token-wrong-token"}, []string{"roles", "list"}, 1, "", "401"},
		{"unknown profile", nil, []string{"roles", "list", "--profile", "nope"}, 2, "", `no profile "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := bare()
			for k, v := range tt.env {
				b.env[k] = v
			}
			code, out, errOut := b.run(tt.args...)
			if code != tt.wantCode || !strings.Contains(out, tt.wantOut) || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("roster %q: exit %d, stdout %q, stderr %q; want %d, %q, %q", tt.args, code, out, errOut, tt.wantCode, tt.wantOut, tt.wantErr)
			}
		})
	}

	b := bare()
	b.must("logout", "--profile", "other")
	if code, _, errOut := b.run("roles", "list", "--profile", "other"); code != 2 || !strings.Contains(errOut, "no profile") {
		t.Errorf("after logout: exit %d, stderr %q", code, errOut)
	}
	raw, _ := os.ReadFile(path)
	if strings.Contains(string(raw), `"other"`) || !strings.Contains(string(raw), `"default"`) {
		t.Errorf("logout left %s", raw)
	}
}
