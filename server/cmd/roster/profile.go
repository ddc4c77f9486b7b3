package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/term"

	"github.com/rosterhq/roster/client"
)

// Profiles: `roster login` stores a server, tenant and token under a name in
// the user's config directory (file mode 0600: it holds secrets), and the
// client commands read the one --profile or ROSTER_PROFILE names ("default"
// when neither does). A flag beats the environment, which beats the
// profile, which beats the built-in defaults.

// profile is one stored set of client settings.
type profile struct {
	Server string `json:"server"`
	Tenant string `json:"tenant"`
	Token  string `json:"token"`
}

type config struct {
	Profiles map[string]profile `json:"profiles"`
}

const defaultProfile = "default"

// configPath is ROSTER_CONFIG, else roster/config.json in os.UserConfigDir.
func configPath(getenv func(string) string) (string, error) {
	if p := getenv("ROSTER_CONFIG"); p != "" {
		return p, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no config directory for profiles (set ROSTER_CONFIG to a file path): %w", err)
	}
	return filepath.Join(dir, "roster", "config.json"), nil
}

func loadConfig(path string) (config, error) {
	c := config{Profiles: map[string]profile{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	if c.Profiles == nil {
		c.Profiles = map[string]profile{}
	}
	return c, nil
}

// saveConfig writes the file through a temporary one and a rename, so that
// a crash never leaves half a file, with mode 0600 from the start.
func saveConfig(path string, c config) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".config-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// applyProfile fills server, token and tenant from the selected profile
// where neither a flag (set) nor the environment gave them. A profile
// named by --profile or ROSTER_PROFILE must exist; "default" need not.
func (cf *clientFlags) applyProfile(set map[string]bool) error {
	name := cf.profile
	if name == "" {
		name = defaultProfile
	}
	path, err := configPath(cf.e.getenv)
	if err != nil {
		if cf.profile == "" {
			return nil
		}
		return fmt.Errorf("%s: %w", cf.name, err)
	}
	c, err := loadConfig(path)
	if err != nil {
		return fmt.Errorf("%s: profiles: %w", cf.name, err)
	}
	p, ok := c.Profiles[name]
	if !ok {
		if cf.profile == "" {
			return nil
		}
		return fmt.Errorf("%s: no profile %q in %s: run 'roster login --profile %s --server URL --tenant ID'", cf.name, name, path, name)
	}
	fill := func(flag, env, val string, dst *string) {
		if !set[flag] && cf.e.getenv(env) == "" && val != "" {
			*dst = val
		}
	}
	fill("server", "ROSTER_SERVER", p.Server, &cf.server)
	fill("token", "ROSTER_TOKEN", p.Token, &cf.token)
	fill("tenant", "ROSTER_TENANT", p.Tenant, &cf.tenant)
	return nil
}

// loginCommand runs `roster login [--profile NAME] --server URL --tenant ID`:
// the token comes from stdin, or from a prompt that does not echo on a
// terminal, never from a flag. It is tried against the server first.
func loginCommand(ctx context.Context, args []string, e *cliEnv) int {
	fs := newFlagSet("roster login", "[--profile NAME] --server URL --tenant ID   (the token: prompted, or on stdin)", e)
	cf := &clientFlags{name: "roster login", e: e, output: "table"}
	fs.StringVar(&cf.profile, "profile", envOr(e.getenv, "ROSTER_PROFILE", defaultProfile), "the profile's name (env ROSTER_PROFILE)")
	fs.StringVar(&cf.server, "server", envOr(e.getenv, "ROSTER_SERVER", defaultServer), "Roster base URL (env ROSTER_SERVER)")
	fs.StringVar(&cf.tenant, "tenant", envOr(e.getenv, "ROSTER_TENANT", defaultTenant), "tenant id (env ROSTER_TENANT)")
	if err := fs.Parse(args); err != nil {
		return e.usage(parseError(err))
	}
	if fs.NArg() > 0 {
		return e.usage(fmt.Errorf("roster login: unexpected arguments %q (the token is read from stdin or a prompt)", fs.Args()))
	}
	token, err := e.readSecret("Token for " + cf.tenant + " at " + cf.server + ": ")
	if err != nil {
		return e.fail(cf, err)
	}
	if token == "" {
		return e.usage(errors.New("roster login: no token given"))
	}
	cf.token = token
	c, err := cf.connect()
	if err != nil {
		return e.usage(fmt.Errorf("roster login: %w", err))
	}
	// A token without roles:read still is a valid one: only 401 refuses it.
	one := 1
	res, err := c.ListRolesWithResponse(ctx, cf.tenant, &client.ListRolesParams{Limit: &one})
	if err := client.CheckResponse(res, err); err != nil && !client.IsCode(err, "forbidden") {
		return e.fail(cf, err)
	}
	path, err := configPath(e.getenv)
	if err != nil {
		return e.fail(cf, err)
	}
	conf, err := loadConfig(path)
	if err != nil {
		return e.fail(cf, err)
	}
	conf.Profiles[cf.profile] = profile{Server: cf.server, Tenant: cf.tenant, Token: token}
	if err := saveConfig(path, conf); err != nil {
		return e.fail(cf, err)
	}
	fmt.Fprintf(e.stderr, "roster login: profile %q (tenant %s at %s) saved in %s\n", cf.profile, cf.tenant, cf.server, path)
	return 0
}

// readSecret reads a line: from a prompt without echo when stdin is a
// terminal, else from stdin as it comes (`echo $TOKEN | roster login`).
func (e *cliEnv) readSecret(prompt string) (string, error) {
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(e.stderr, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		return strings.TrimSpace(string(b)), err
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", nil
	}
	return strings.TrimSpace(line), nil
}

// logoutCommand runs `roster logout [--profile NAME]`, or lists the
// profiles with --list.
func logoutCommand(_ context.Context, args []string, e *cliEnv) int {
	fs := newFlagSet("roster logout", "[--profile NAME]", e)
	cf := &clientFlags{name: "roster logout", e: e}
	fs.StringVar(&cf.profile, "profile", envOr(e.getenv, "ROSTER_PROFILE", defaultProfile), "the profile to forget (env ROSTER_PROFILE)")
	if err := fs.Parse(args); err != nil {
		return e.usage(parseError(err))
	}
	if fs.NArg() > 0 {
		return e.usage(fmt.Errorf("roster logout: unexpected arguments %q", fs.Args()))
	}
	path, err := configPath(e.getenv)
	if err != nil {
		return e.fail(cf, err)
	}
	conf, err := loadConfig(path)
	if err != nil {
		return e.fail(cf, err)
	}
	if _, ok := conf.Profiles[cf.profile]; !ok {
		var have []string
		for n := range conf.Profiles {
			have = append(have, n)
		}
		sort.Strings(have)
		return e.fail(cf, fmt.Errorf("no profile %q (profiles: %s)", cf.profile, strings.Join(have, ", ")))
	}
	delete(conf.Profiles, cf.profile)
	if err := saveConfig(path, conf); err != nil {
		return e.fail(cf, err)
	}
	fmt.Fprintf(e.stderr, "roster logout: profile %q removed from %s\n", cf.profile, path)
	return 0
}
