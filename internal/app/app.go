package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/rosterhq/roster/internal/auth"
	"github.com/rosterhq/roster/internal/live"
	"github.com/rosterhq/roster/internal/rbac"
	"github.com/rosterhq/roster/internal/store/gormstore"
	"github.com/rosterhq/roster/server"
)

// Defaults of Config, the same as the command line's.
const (
	DefaultAddr = ":8080"
	DefaultDB   = "sqlite:roster.db"
)

// DefaultTenantID is the tenant every installation starts with.
const DefaultTenantID = "default"

// minBootstrapToken is the shortest ROSTER_BOOTSTRAP_TOKEN accepted: the
// operator's secret opens every tenant, and it also keys list cursors
// (cursorKey), so it must be beyond guessing.
const minBootstrapToken = 32

// HTTP server limits. Slow clients must not hold connections forever
// (ReadHeaderTimeout and ReadTimeout stop slowloris), a stuck handler must
// not hold one forever either (WriteTimeout), and echo's Timeout middleware
// races, so the limits live here.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
	// shutdownTimeout is how long Close lets requests in flight finish; it
	// stays under the 30 s a container runtime usually waits after SIGTERM.
	shutdownTimeout = 25 * time.Second
)

// Config is what Main needs to run. Zero fields take the defaults above; a
// nil Logger discards logs and a nil Stderr is os.Stderr.
type Config struct {
	Addr           string // listen address; ":0" picks a free port (see Main.URL)
	DB             string // "sqlite:PATH" or "postgres://…"
	BootstrapToken string // the operator token's secret; empty: generate one at the first start
	// PollInterval is how often this replica reads the revisions of the
	// tenants it caches, to learn of other replicas' writes (see
	// live.Engines.Poll); 0 is live.DefaultPollInterval, negative turns it off.
	PollInterval time.Duration
	// VerifyInterval is how often this replica compares each tenant's
	// engine with the database and repairs it (see live.Engines.Verify); 0
	// is live.DefaultVerifyInterval, negative turns it off.
	VerifyInterval time.Duration
	// HistoryRetention is how far back point-in-time reads reach: older
	// history is pruned in the background. 0 keeps everything.
	HistoryRetention time.Duration
	// AfterIdempotentCommit, when set, runs after a keyed write commits and
	// before its answer is sent: crash tests kill the process there.
	AfterIdempotentCommit func(key string)
	Logger                *slog.Logger
	Stderr                io.Writer // where a generated operator token is shown, once
	// RateLimit caps each token's requests; the zero value (the default) is no limit.
	RateLimit server.RateLimit
	// CORSOrigins are the browser origins allowed to call (none: CORS off).
	CORSOrigins []string
	// PublicURL is where clients reach this server (behind a proxy), for the
	// URLs the AuthZEN metadata hands out; empty: each request's own.
	PublicURL string
}

// Main is one running Roster: store, bootstrap data and HTTP server.
type Main struct {
	cfg Config

	mu    sync.Mutex
	store *gormstore.Store
	srv   *http.Server
	ln    net.Listener
	// stopPoll ends the revision poller and waits for it.
	stopPoll func()
	errc     chan error
	closed   bool
}

// New returns a Main for cfg; nothing happens until Run.
func New(cfg Config) *Main {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.DB == "" {
		cfg.DB = DefaultDB
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Stderr == nil {
		cfg.Stderr = os.Stderr
	}
	return &Main{cfg: cfg}
}

// Run opens and migrates the store, ensures the operator token and the
// default tenant, and starts serving. It returns once the listener is bound,
// so URL is valid after it; serving goes on in the background until Close.
// On error everything Run opened is closed again.
func (m *Main) Run(ctx context.Context) (err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.store != nil || m.closed {
		return errors.New("app: Run called twice")
	}
	if n := utf8.RuneCountInString(m.cfg.BootstrapToken); n > 0 && n < minBootstrapToken {
		return fmt.Errorf("ROSTER_BOOTSTRAP_TOKEN must be at least %d characters long (it has %d): "+
			"it is the platform operator's secret; make one with `openssl rand -base64 32`", minBootstrapToken, n)
	}
	log := m.cfg.Logger

	store, err := gormstore.Open(ctx, m.cfg.DB)
	if err != nil {
		return fmt.Errorf("open database %s: %w", RedactDSN(m.cfg.DB), err)
	}
	defer func() {
		if err != nil {
			_ = store.Close()
		}
	}()
	if err := store.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	// Migrate refuses a newer schema; Check also catches a database another
	// replica is migrating past this binary right now.
	if err := store.CheckSchema(ctx); err != nil {
		return err
	}
	if err := m.ensureOperatorToken(ctx, store); err != nil {
		return err
	}
	operatorHash, err := store.OperatorTokenHash(ctx)
	if err != nil {
		return err
	}
	if err := ensureDefaultTenant(ctx, store); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", m.cfg.Addr)
	if err != nil {
		return err
	}
	engines := live.New(store, log)
	srv := &http.Server{
		Handler: server.New(server.Config{Store: store, Engines: engines, Logger: log, Now: time.Now,
			RateLimit: m.cfg.RateLimit, CORSOrigins: m.cfg.CORSOrigins, PublicURL: m.cfg.PublicURL, CursorKey: cursorKey(operatorHash),
			AfterIdempotentCommit: m.cfg.AfterIdempotentCommit}),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
		close(errc)
	}()
	m.store, m.srv, m.ln, m.errc = store, srv, ln, errc
	stopBackground := startBackground(engines, m.cfg.PollInterval, m.cfg.VerifyInterval)
	stopSweep := startSweep(store, log, time.Now, m.cfg.HistoryRetention)
	m.stopPoll = func() { stopBackground(); stopSweep() }
	log.Info("roster listening", "addr", ln.Addr().String(), "url", m.url(), "db", RedactDSN(m.cfg.DB))
	return nil
}

// The store answers a poll round in one query.
var _ live.RevisionSource = (*gormstore.Store)(nil)

// startBackground runs engines.Poll and engines.VerifyLoop (each unless its
// interval is negative) until the returned func is called; that func waits
// for both to stop.
func startBackground(engines *live.Engines, poll, verify time.Duration) func() {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	if poll >= 0 {
		wg.Go(func() { engines.Poll(ctx, poll) })
	}
	if verify >= 0 {
		wg.Go(func() { engines.VerifyLoop(ctx, verify) })
	}
	return func() { cancel(); wg.Wait() }
}

// ensureOperatorToken makes ROSTER_BOOTSTRAP_TOKEN the operator's secret at
// every start, or else creates a random one at the first start and shows it
// on Stderr: the one time a secret is ever written out.
func (m *Main) ensureOperatorToken(ctx context.Context, store *gormstore.Store) error {
	if m.cfg.BootstrapToken != "" {
		_, err := store.EnsureOperatorToken(ctx, auth.Hash(m.cfg.BootstrapToken), true)
		if rbac.IsCode(err, rbac.EConflict) { // another replica created it this very moment
			_, err = store.EnsureOperatorToken(ctx, auth.Hash(m.cfg.BootstrapToken), true)
		}
		if err != nil {
			return fmt.Errorf("set operator token: %w", err)
		}
		return nil
	}
	secret, hash := auth.NewSecret()
	created, err := store.EnsureOperatorToken(ctx, hash, false)
	if rbac.IsCode(err, rbac.EConflict) { // another replica created it this very moment
		created, err = store.EnsureOperatorToken(ctx, hash, false)
	}
	if err != nil {
		return fmt.Errorf("create operator token: %w", err)
	}
	if created {
		if _, err := fmt.Fprintf(m.cfg.Stderr, "Roster operator token (shown once, keep it): %s\n", secret); err != nil {
			return fmt.Errorf("show operator token: %w", err)
		}
	}
	return nil
}

// cursorKey is the key list cursors are signed with (server.Config.CursorKey).
// Replicas behind one load balancer must share it, or the next page's
// request fails on any replica but the one that served the first: a random
// key per process will not do. It must also be out of clients' reach. So
// it comes from the operator token's hash as the database holds it after
// ensureOperatorToken (every replica reads the same row, whether the secret
// came from ROSTER_BOOTSTRAP_TOKEN or was generated by the first start),
// and which no answer ever shows; it is not used as it is, so that the key
// says nothing about the hash. Nothing new is stored. Changing the operator
// secret makes the cursors issued before a 400 `cursor`, which a client
// answers by listing from the start.
func cursorKey(operatorTokenHash string) []byte {
	mac := hmac.New(sha256.New, []byte(operatorTokenHash))
	mac.Write([]byte("roster list cursor key v1"))
	return mac.Sum(nil)
}

// ensureDefaultTenant creates tenant `default` unless it exists; a
// conflict means another start (or replica) got there first.
func ensureDefaultTenant(ctx context.Context, store *gormstore.Store) error {
	_, err := store.CreateTenant(ctx, rbac.Actor{Operator: true}, rbac.TenantInput{ID: DefaultTenantID, Name: "Default"})
	if err != nil && !rbac.IsCode(err, rbac.EConflict) {
		return fmt.Errorf("create tenant %s: %w", DefaultTenantID, err)
	}
	return nil
}

// URL is the base URL the server answers on, such as
// "http://127.0.0.1:41234"; an unspecified host (":0", "0.0.0.0:…") reads as
// 127.0.0.1. Empty before Run.
func (m *Main) URL() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.url()
}

func (m *Main) url() string {
	if m.ln == nil {
		return ""
	}
	addr, ok := m.ln.Addr().(*net.TCPAddr)
	if !ok {
		return "http://" + m.ln.Addr().String()
	}
	host := addr.IP.String()
	if addr.IP == nil || addr.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, fmt.Sprint(addr.Port))
}

// Err receives the error that stopped the server on its own (the listener
// failed); it is closed without one when Close shuts the server down. Nil
// before Run.
func (m *Main) Err() <-chan error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.errc
}

// Close stops accepting connections, lets requests in flight finish (up to
// 25 s, then cuts them), and closes the store. It is safe to call more than
// once and without Run.
func (m *Main) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	srv, store, stopPoll := m.srv, m.store, m.stopPoll
	m.mu.Unlock()
	if stopPoll != nil {
		stopPoll()
	}

	var errs []error
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("shutdown: %w", err), srv.Close())
		}
	}
	if store != nil {
		if err := store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close database: %w", err))
		}
	}
	return errors.Join(errs...)
}

// Migrate applies the schema to the database at dsn without serving.
func Migrate(ctx context.Context, dsn string) error {
	store, err := gormstore.Open(ctx, dsn)
	if err != nil {
		return fmt.Errorf("open database %s: %w", RedactDSN(dsn), err)
	}
	if err := store.Migrate(ctx); err != nil {
		_ = store.Close()
		return fmt.Errorf("migrate: %w", err)
	}
	return store.Close()
}

// RedactDSN returns dsn fit for logs: a URL's password becomes "xxxxx", and a
// key=value DSN keeps only its keys' names up to any password.
func RedactDSN(dsn string) string {
	if strings.HasPrefix(dsn, "sqlite:") {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err == nil && u.Scheme != "" && u.Host != "" {
		q := u.Query()
		if q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return u.Redacted()
	}
	if i := strings.Index(strings.ToLower(dsn), "password"); i >= 0 {
		return dsn[:i] + "password=xxxxx …"
	}
	return dsn
}
