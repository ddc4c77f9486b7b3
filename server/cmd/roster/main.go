// Command roster runs the Roster role and permission service.
//
//	roster serve   [--addr :8080] [--db sqlite:roster.db] [--log-format json|text]
//	roster migrate [--db sqlite:roster.db]
//	roster version
//	roster roles|users|assign|check|… (client commands, see commands.go)
//
// Flags fall back to the environment (ROSTER_ADDR, ROSTER_DB); the operator
// token's secret comes from ROSTER_BOOTSTRAP_TOKEN only, never from a flag,
// so that it does not show in process listings. SIGTERM or SIGINT shut the
// server down gracefully: requests in flight finish, then it exits 0.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rosterhq/roster/internal/app"
	"github.com/rosterhq/roster/internal/live"
	"github.com/rosterhq/roster/internal/logbuf"
	"github.com/rosterhq/roster/internal/logjson"
	"github.com/rosterhq/roster/server"
)

// serveUsage is what `roster serve -h` prints before its flags.
const serveUsage = `Usage: roster serve [--addr ADDR] [--db DSN] [--log-format json|text] [--rate-limit RATE[:BURST]]
                    [--verify-interval DURATION] [--history-retention DURATION]
                    [--cors-origins ORIGIN,...] [--public-url URL]
       roster migrate [--db DSN]

Environment:
  ROSTER_ADDR             listen address (default :8080)
  ROSTER_DB               sqlite:PATH or postgres://… (default sqlite:roster.db)
  ROSTER_RATE_LIMIT       requests per second per token, RATE or RATE:BURST (default off)
  ROSTER_PUBLIC_URL       where clients reach this server behind a proxy
                          (https://roster.example.com), for the AuthZEN metadata;
                          default: each request's scheme and host
  ROSTER_CORS_ORIGINS     browser origins allowed to call, comma-separated, exact
                          (https://app.example.com); default none (CORS off)
  ROSTER_VERIFY_INTERVAL  how often each tenant's evaluation engine is compared with the
                          database and repaired (default 10m; 0 turns it off)
  ROSTER_HISTORY_RETENTION  how far back point-in-time reads reach (365d, 720h); older
                          history is pruned in the background (default: keep all)
  ROSTER_BOOTSTRAP_TOKEN  the platform operator's token secret, at least 32 characters;
                          when unset, one is generated at the first start and printed
                          once to stderr

Flags:
`

// usage is `roster help`: one screen, one line per command.
func usage() string {
	return `Usage: roster COMMAND [ARGS] [FLAGS]

Server:
  serve        run the server ('roster serve -h': its flags and environment)
  migrate      apply the database schema, then exit

Client (USER: id or email; ROLE, GROUP, ORG: id or name):
` + clientHelp() + `
Client flags: --server URL --token TOKEN --tenant ID --profile NAME
  -o table|json|yaml. Unset: ROSTER_SERVER, ROSTER_TOKEN, ROSTER_TENANT,
  ROSTER_PROFILE; then the profile; then http://localhost:8080, tenant default.
  Prefer ROSTER_TOKEN or a profile to --token: flags show in process listings.
Exit status: 0 ok, 1 the request failed, 2 a bad command line.
Run 'roster COMMAND -h' for a command's arguments and flags.
`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	code := run(ctx, stop, os.Args[1:], os.Getenv, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command line and returns the exit code. ctx ends at the
// first signal; release restores default signal handling, so that a second
// Ctrl-C during shutdown kills at once.
func run(ctx context.Context, release func(), args []string, getenv func(string) string, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(ctx, release, args[1:], getenv, stderr)
	case "migrate":
		return migrate(ctx, args[1:], getenv, stderr)
	case "help", "-h", "-help", "--help":
		if len(args) > 1 { // roster help COMMAND…: its -h
			return run(ctx, release, append(args[1:], "-h"), getenv, stderr)
		}
		fmt.Fprint(stderr, usage())
		return 0
	case "--version", "-version":
		return versionCommand(ctx, args[1:], &cliEnv{getenv: getenv, stdout: os.Stdout, stderr: stderr})
	default:
		if code, ok := runClient(ctx, args, getenv, os.Stdout, stderr); ok {
			return code
		}
		fmt.Fprintf(stderr, "roster: unknown command %q\n\n%s", args[0], usage())
		return 2
	}
}

// serveOptions is what `roster serve` reads from its flags and environment.
type serveOptions struct {
	cfg       app.Config
	logFormat string
}

func parseServe(args []string, getenv func(string) string, stderr io.Writer) (serveOptions, error) {
	fs := flag.NewFlagSet("roster serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, serveUsage)
		fs.PrintDefaults()
	}
	var o serveOptions
	fs.StringVar(&o.cfg.Addr, "addr", envOr(getenv, "ROSTER_ADDR", app.DefaultAddr), "listen address (env ROSTER_ADDR)")
	fs.StringVar(&o.cfg.DB, "db", envOr(getenv, "ROSTER_DB", app.DefaultDB), "database: sqlite:PATH or postgres://… (env ROSTER_DB)")
	fs.StringVar(&o.logFormat, "log-format", "json", "log format: json or text")
	rateLimit := fs.String("rate-limit", getenv("ROSTER_RATE_LIMIT"),
		"requests per second per token, RATE or RATE:BURST; off when unset (env ROSTER_RATE_LIMIT)")
	publicURL := fs.String("public-url", getenv("ROSTER_PUBLIC_URL"),
		"where clients reach this server (scheme://host[:port]), for the URLs of the AuthZEN metadata; default: the request's (env ROSTER_PUBLIC_URL)")
	corsOrigins := fs.String("cors-origins", getenv("ROSTER_CORS_ORIGINS"),
		"browser origins allowed to call, comma-separated, matched exactly; none when unset (env ROSTER_CORS_ORIGINS)")
	verify := fs.String("verify-interval", envOr(getenv, "ROSTER_VERIFY_INTERVAL", live.DefaultVerifyInterval.String()),
		"how often to compare each tenant's evaluation engine with the database and repair it; 0 turns it off (env ROSTER_VERIFY_INTERVAL)")
	retention := fs.String("history-retention", getenv("ROSTER_HISTORY_RETENTION"),
		"how long to keep the history point-in-time reads answer from, such as 365d or 720h; all when unset (env ROSTER_HISTORY_RETENTION)")
	if err := fs.Parse(args); err != nil {
		return o, parseError(err)
	}
	var err error
	if o.cfg.HistoryRetention, err = app.ParseRetention(*retention); err != nil {
		return o, err
	}
	d, err := time.ParseDuration(*verify)
	if err != nil || d < 0 {
		return o, fmt.Errorf("--verify-interval must be a duration such as 10m or 0, not %q", *verify)
	}
	o.cfg.VerifyInterval = d
	if d == 0 {
		o.cfg.VerifyInterval = -1
	}
	rl, err := server.ParseRateLimit(*rateLimit)
	if err != nil {
		return o, err
	}
	o.cfg.RateLimit = rl
	if o.cfg.CORSOrigins, err = server.ParseCORSOrigins(*corsOrigins); err != nil {
		return o, err
	}
	if o.cfg.PublicURL, err = server.ParsePublicURL(*publicURL); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if o.logFormat != "json" && o.logFormat != "text" {
		return o, fmt.Errorf("--log-format must be json or text, not %q", o.logFormat)
	}
	o.cfg.BootstrapToken = getenv("ROSTER_BOOTSTRAP_TOKEN")
	return o, nil
}

// logFlushInterval is the longest a log line waits to be written.
const logFlushInterval = 100 * time.Millisecond

func serve(ctx context.Context, release func(), args []string, getenv func(string) string, stderr io.Writer) int {
	o, err := parseServe(args, getenv, stderr)
	if err != nil {
		return usageError(err, stderr)
	}
	// The log is written in batches (an access-log line per request would
	// otherwise be a write system call each), at most 100 ms apart;
	// warnings and errors at once. The operator token's one showing goes
	// through the same writer, so it keeps its place among the lines.
	out := logbuf.New(stderr, logFlushInterval)
	defer out.Close()
	h := logjson.New(out, nil) // slog's JSON, the request log's lines appended directly
	if o.logFormat == "text" {
		h = slog.NewTextHandler(out, nil)
	}
	log := slog.New(logbuf.FlushAt(h, out, slog.LevelWarn))
	o.cfg.Logger, o.cfg.Stderr = log, out

	gogc := app.TuneGC(getenv)
	m := app.New(o.cfg)
	if err := m.Run(ctx); err != nil {
		log.Error("roster failed to start", "err", err)
		return 1
	}
	log.Info("garbage collector target", "gogc", gogc) // app.GCPercent unless GOGC is set
	code := 0
	select {
	case <-ctx.Done():
		log.Info("roster shutting down", "cause", context.Cause(ctx).Error())
	case err := <-m.Err():
		log.Error("roster stopped serving", "err", err)
		code = 1
	}
	release()
	if err := m.Close(); err != nil {
		log.Error("roster shutdown", "err", err)
		return 1
	}
	log.Info("roster stopped")
	return code
}

func migrate(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) int {
	fs := flag.NewFlagSet("roster migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", envOr(getenv, "ROSTER_DB", app.DefaultDB), "database: sqlite:PATH or postgres://… (env ROSTER_DB)")
	if err := fs.Parse(args); err != nil {
		return usageError(parseError(err), stderr)
	}
	if fs.NArg() > 0 {
		return usageError(fmt.Errorf("unexpected arguments: %q", fs.Args()), stderr)
	}
	if err := app.Migrate(ctx, *db); err != nil {
		fmt.Fprintf(stderr, "roster migrate: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "roster migrate: %s is up to date\n", app.RedactDSN(*db))
	return 0
}

// errPrinted marks a flag error that package flag has already printed,
// together with the usage.
var errPrinted = errors.New("printed")

func parseError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return errPrinted
}

func usageError(err error, stderr io.Writer) int {
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errPrinted):
		return 2
	}
	fmt.Fprintf(stderr, "roster: %v\n", err)
	return 2
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}
