package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"

	"github.com/rosterhq/roster/client"
)

// clientUsage is the part of the usage about the commands that talk to a
// running server through the Go SDK (package client).
const clientUsage = `
Client commands (talk to a running server):
  roster roles list   [--search TEXT] [--type system|custom] [--limit N]
  roster roles get    ROLE
  roster roles create NAME [--permissions P,P…] [--display-name TEXT] [--description TEXT] [--inherits ROLE,…]
  roster users list   [--search TEXT] [--role ROLE] [--limit N]
  roster users create EMAIL [--first-name TEXT] [--last-name TEXT] [--roles ROLE,…]
  roster assign USER ROLE [--org ID] [--expires DURATION] [--reason TEXT]
  roster check  USER PERMISSION [--org ID]     exit 0 allowed, 1 denied, 2 error
  roster evaluated USER [--org ID]
  roster export > tenant.ndjson                 organizations, roles, users, groups as NDJSON
  roster import tenant.ndjson                   load an export (rerunnable: a rerun changes nothing)

  Every client command takes --server URL (env ROSTER_SERVER, default http://localhost:8080),
  --token TOKEN (env ROSTER_TOKEN; prefer the variable: flags show in process listings),
  --tenant ID (env ROSTER_TENANT, default "default") and -o table|json (default table).
  They exit 0 on success, 1 when the request fails and 2 on a bad command line.
`

// Defaults of the client flags.
const (
	defaultServer = "http://localhost:8080"
	defaultTenant = "default"
)

// clientCommands maps each client command to its function.
var clientCommands = map[string]func(ctx context.Context, args []string, e *cliEnv) int{
	"roles":     rolesCommand,
	"users":     usersCommand,
	"assign":    assignCommand,
	"check":     checkCommand,
	"evaluated": evaluatedCommand,
	"export":    exportCommand,
	"import":    importCommand,
}

// runClient runs the client command args[0]; ok is false when args[0] names
// none, so that run can report an unknown command.
func runClient(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (code int, ok bool) {
	cmd, ok := clientCommands[args[0]]
	if !ok {
		return 0, false
	}
	return cmd(ctx, args[1:], &cliEnv{getenv: getenv, stdout: stdout, stderr: stderr}), true
}

// cliEnv is what a client command reads from and writes to.
type cliEnv struct {
	getenv         func(string) string
	stdout, stderr io.Writer
}

// clientFlags are the flags every client command takes.
type clientFlags struct {
	name   string // "roster roles list", for messages
	server string
	token  string
	tenant string
	output string
}

// newClientFlagSet returns a flag set for the command name (synopsis: its
// arguments, for -h) with the client flags registered on it, defaulting to
// the environment.
func newClientFlagSet(name, synopsis string, e *cliEnv) (*flag.FlagSet, *clientFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	cf := &clientFlags{name: name}
	fs.StringVar(&cf.server, "server", envOr(e.getenv, "ROSTER_SERVER", defaultServer), "Roster base URL (env ROSTER_SERVER)")
	fs.StringVar(&cf.token, "token", e.getenv("ROSTER_TOKEN"), "API token (env ROSTER_TOKEN, preferred: flags show in process listings)")
	fs.StringVar(&cf.tenant, "tenant", envOr(e.getenv, "ROSTER_TENANT", defaultTenant), "tenant id (env ROSTER_TENANT)")
	fs.StringVar(&cf.output, "o", "table", "output: table (for people) or json (for scripts)")
	fs.StringVar(&cf.output, "output", "table", "same as -o")
	return fs, cf
}

// parseArgs parses flags placed anywhere among the positional arguments
// (`roster assign USER ROLE --org ID`), which package flag alone does not,
// and checks that there are exactly want positional ones, named in
// names for the message.
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
	if len(pos) != len(names) {
		want := "no arguments"
		if len(names) > 0 {
			want = strings.Join(names, " ")
		}
		return nil, fmt.Errorf("%s: want %s, got %q", cf.name, want, pos)
	}
	if cf.output != "table" && cf.output != "json" {
		return nil, fmt.Errorf("%s: -o must be table or json, not %q", cf.name, cf.output)
	}
	if cf.tenant == "" {
		return nil, fmt.Errorf("%s: --tenant is empty", cf.name)
	}
	if cf.token == "" {
		return nil, fmt.Errorf("%s: no token: set ROSTER_TOKEN (or --token)", cf.name)
	}
	return pos, nil
}

// connect returns an SDK client for the flags' server and token.
func (cf *clientFlags) connect() (*client.Client, error) {
	return client.New(cf.server, cf.token, client.WithUserAgent("roster-cli"), client.WithRetries(3))
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
		fmt.Fprintf(e.stderr, "  (the token is missing, wrong or revoked: check ROSTER_TOKEN)\n")
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

// printJSON writes an API body for scripts: indented, one document, newline-terminated.
func (e *cliEnv) printJSON(body []byte) error {
	var b bytes.Buffer
	if err := json.Indent(&b, bytes.TrimSpace(body), "", "  "); err != nil {
		return fmt.Errorf("the server's answer is not JSON: %w", err)
	}
	b.WriteByte('\n')
	_, err := e.stdout.Write(b.Bytes())
	return err
}

// printValue writes v as indented JSON.
func (e *cliEnv) printValue(v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table returns a tabwriter on stdout with a header row; call Flush when done.
func (e *cliEnv) table(header ...string) *tabwriter.Writer {
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, strings.Join(header, "\t"))
	return w
}

// row writes one tab-separated row, with "-" for empty cells so that
// columns stay aligned and parseable.
func row(w io.Writer, cells ...string) {
	for i, c := range cells {
		if c == "" {
			cells[i] = "-"
		}
	}
	fmt.Fprintln(w, strings.Join(cells, "\t"))
}

// fields writes label/value pairs one per line, for a single resource.
func (e *cliEnv) fields(pairs ...string) error {
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	for i := 0; i+1 < len(pairs); i += 2 {
		row(w, pairs[i]+":", pairs[i+1])
	}
	return w.Flush()
}

// splitList parses a comma-separated flag value; empty gives an empty list.
func splitList(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// deref returns *p, or "" for nil.
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// optional returns nil for "", so that an unset flag leaves a field out.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// limitFlag registers --limit: how many items a list prints at most (0: all,
// walking every page).
func limitFlag(fs *flag.FlagSet) *int {
	return fs.Int("limit", 0, "print at most N items (0: all of them, page after page)")
}

// collect walks the pages of a list until limit items (0: all).
func collect[T any](ctx context.Context, limit int, fetch func(ctx context.Context, cursor *string) ([]T, *string, error)) ([]T, error) {
	items := []T{}
	for it, err := range client.All(ctx, fetch) {
		if err != nil {
			return nil, err
		}
		items = append(items, it)
		if limit > 0 && len(items) == limit {
			break
		}
	}
	return items, nil
}

// pageSize is the largest page the API serves; fewer round trips for long lists.
const pageSize = 100

// pageLimit returns the page size to ask for when printing at most limit items.
func pageLimit(limit int) *int {
	n := pageSize
	if limit > 0 && limit < n {
		n = limit
	}
	return &n
}
