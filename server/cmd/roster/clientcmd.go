package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/rosterhq/roster/client"
)

// The client commands talk to a running server through the Go SDK (package
// client). Each is a function of its arguments and a cliEnv; the command
// tree in commands.go names them.

// Defaults of the client flags.
const (
	defaultServer = "http://localhost:8080"
	defaultTenant = "default"
)

// cliEnv is what a client command reads from and writes to.
type cliEnv struct {
	getenv         func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer
}

// clientFlags are the flags every client command takes.
type clientFlags struct {
	name    string // "roster roles list", for messages
	server  string
	token   string
	tenant  string
	profile string
	output  string
	e       *cliEnv
}

// newClientFlagSet returns a flag set for the command name (synopsis: its
// arguments, for -h) with the client flags registered on it, defaulting to
// the environment; parseArgs then fills what neither sets from the profile.
func newClientFlagSet(name, synopsis string, e *cliEnv) (*flag.FlagSet, *clientFlags) {
	fs := newFlagSet(name, synopsis, e)
	cf := &clientFlags{name: name, e: e}
	fs.StringVar(&cf.server, "server", envOr(e.getenv, "ROSTER_SERVER", defaultServer), "Roster base URL (env ROSTER_SERVER, else the profile's)")
	fs.StringVar(&cf.token, "token", e.getenv("ROSTER_TOKEN"), "API token (env ROSTER_TOKEN, else the profile's; flags show in process listings)")
	fs.StringVar(&cf.tenant, "tenant", envOr(e.getenv, "ROSTER_TENANT", defaultTenant), "tenant id (env ROSTER_TENANT, else the profile's)")
	fs.StringVar(&cf.profile, "profile", e.getenv("ROSTER_PROFILE"), "profile stored by 'roster login' (env ROSTER_PROFILE; default: \"default\" when there is one)")
	outputFlag(fs, cf)
	return fs, cf
}

// newFlagSet returns an empty flag set whose -h prints the synopsis.
func newFlagSet(name, synopsis string, e *cliEnv) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// outputFlag registers -o and --output.
func outputFlag(fs *flag.FlagSet, cf *clientFlags) {
	fs.StringVar(&cf.output, "o", "table", "output: table (for people), json or yaml (for scripts)")
	fs.StringVar(&cf.output, "output", "table", "same as -o")
}

func checkOutput(cf *clientFlags) error {
	if cf.output != "table" && cf.output != "json" && cf.output != "yaml" {
		return fmt.Errorf("%s: -o must be table, json or yaml, not %q", cf.name, cf.output)
	}
	return nil
}

// parseArgs parses flags placed anywhere among the positional arguments
// (`roster assign USER ROLE --org ID`), which package flag alone does not,
// and checks that there are exactly as many positional ones as names
// (names ending in "..." take one or more).
func parseArgs(fs *flag.FlagSet, cf *clientFlags, args []string, names ...string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, parseError(err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	variadic := len(names) > 0 && strings.HasSuffix(names[len(names)-1], "...")
	if len(pos) != len(names) && !(variadic && len(pos) > len(names)) {
		want := "no arguments"
		if len(names) > 0 {
			want = strings.Join(names, " ")
		}
		return nil, fmt.Errorf("%s: want %s, got %q", cf.name, want, pos)
	}
	if err := checkOutput(cf); err != nil {
		return nil, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if err := cf.applyProfile(set); err != nil {
		return nil, err
	}
	if cf.tenant == "" {
		return nil, fmt.Errorf("%s: --tenant is empty", cf.name)
	}
	if cf.token == "" {
		return nil, fmt.Errorf("%s: no token: set ROSTER_TOKEN (or --token), or run 'roster login'", cf.name)
	}
	return pos, nil
}

// connect returns an SDK client for the flags' server and token.
func (cf *clientFlags) connect() (*client.Client, error) {
	return client.New(cf.server, cf.token, client.WithUserAgent("roster-cli/"+buildVersion().Version), client.WithRetries(3))
}

// fail prints err for a person on stderr, a problem response with its
// status, code, detail and every field error, and returns exit status 1.
func (e *cliEnv) fail(cf *clientFlags, err error) int {
	e.printError(cf, err)
	return 1
}

func (e *cliEnv) printError(cf *clientFlags, err error) {
	var p *client.Error
	if !errors.As(err, &p) {
		var ue *url.Error
		if errors.As(err, &ue) {
			fmt.Fprintf(e.stderr, "%s: cannot reach %s: %v\n  (is the server running there? set ROSTER_SERVER or --server)\n", cf.name, cf.server, ue.Err)
			return
		}
		fmt.Fprintf(e.stderr, "%s: %v\n", cf.name, err)
		return
	}
	msg := p.Detail
	if msg == "" {
		msg = p.Title
	}
	// A validation detail usually repeats the field errors listed below it.
	for _, f := range p.Fields {
		if msg == f.Field+": "+f.Message {
			msg = p.Title
		}
	}
	fmt.Fprintf(e.stderr, "%s: %d %s: %s\n", cf.name, p.Status, p.Code, msg)
	for _, f := range p.Fields {
		fmt.Fprintf(e.stderr, "  %s: %s\n", f.Field, f.Message)
	}
	if p.Code == "unauthorized" {
		fmt.Fprintf(e.stderr, "  (the token is missing, wrong or revoked: check ROSTER_TOKEN or the profile)\n")
	}
}

// usage reports a bad command line and returns exit status 2 (0 for -h).
// The messages name their command already.
func (e *cliEnv) usage(err error) int {
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errPrinted):
		return 2
	}
	fmt.Fprintf(e.stderr, "%v\nRun 'roster help' for the commands, 'roster COMMAND -h' for a command's flags.\n", err)
	return 2
}
