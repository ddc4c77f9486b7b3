package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/rosterhq/roster/gen"
	"github.com/rosterhq/roster/internal/live"
	"github.com/rosterhq/roster/internal/rbac"
)

// Server implements the generated strict server interface over an rbac.Store.
type Server struct {
	Store rbac.Store
	// Engines answers evaluated reads and checks from memory.
	Engines *live.Engines
	// Now is the clock; tests pin it. Nil means time.Now.
	Now func() time.Time
	// PublicURL is where clients reach this server (scheme and host), for
	// the URLs it hands out; empty: the request's own.
	PublicURL string

	orgs   orgSet
	seal   cursorSeal   // seals cursors and AuthZEN page tokens
	router http.Handler // this server itself, for POST /bulk's sub-requests
	past   pastEngines  // whole-tenant engines of past revisions (point-in-time reads)
}

var _ gen.StrictServerInterface = (*Server)(nil)

// Config is what New needs to build the application.
type Config struct {
	Store rbac.Store
	// Engines, nil: one is made over Store. Pass one to share it (tests, replicas).
	Engines *live.Engines
	Logger  *slog.Logger // nil: slog.Default()
	Now     func() time.Time
	// BodyLimit caps request bodies, in echo's notation. The default "1MiB"
	// is the contract's 1 MiB; note that echo reads "1M" as 1,000,000 bytes.
	BodyLimit string
	// RateLimit caps each token's requests (429 with Retry-After); the
	// zero value, the default, turns it off.
	RateLimit RateLimit
	// PublicURL is the server's address as clients see it
	// (https://roster.example.com), for the AuthZEN metadata behind a
	// proxy; empty: built from each request.
	PublicURL string
	// CORSOrigins lists the origins browsers may call from (exact match,
	// see ParseCORSOrigins); none, the default, turns CORS off.
	CORSOrigins []string
	// CursorKey signs list cursors. Replicas behind one load balancer need
	// the same key to accept each other's cursors; nil is a random key for
	// this process (tests, a single process).
	CursorKey []byte
	// AfterIdempotentCommit, when set, runs after a write sent with an
	// Idempotency-Key has committed and before its answer goes out: the
	// crash tests kill the process there to prove the retry replays.
	AfterIdempotentCommit func(key string)
}

// New builds the whole echo application. Middleware order is the order of
// the checks a request meets: request id, the request log with the metrics (outermost,
// so that every answer, a 413 or a recovered panic too, is counted and logged
// once), body limit, recovery, authentication and authorization (401 → 404 → 403), then the OpenAPI
// validator (400), then the handlers (404 for path ids, 412, 409).
//
// It panics if the embedded spec cannot be loaded or lacks an operation's
// x-roster-permission: both are build mistakes that any test catches.
func New(cfg Config) *echo.Echo {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.BodyLimit == "" {
		cfg.BodyLimit = "1MiB"
	}
	spec, err := gen.GetSwagger()
	if err != nil {
		panic(fmt.Sprintf("server: load embedded spec: %v", err))
	}
	ops, err := buildOperations(spec)
	if err != nil {
		panic(fmt.Sprintf("server: %v", err))
	}
	log := cfg.Logger

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(log)

	mon := newMetrics()
	limit := newLimiter(cfg.RateLimit, cfg.Now)
	chain := []echo.MiddlewareFunc{requestID, requestLog(log, mon), limit.advertise, cors(cfg.CORSOrigins),
		limitBody(cfg.BodyLimit)}
	chain = append(chain, middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			log.ErrorContext(c.Request().Context(), "panic",
				"route", c.Path(),
				"request_id", c.Response().Header().Get(echo.HeaderXRequestID),
				"error", err.Error(), "stack", string(stack))
			return err
		},
	}))
	engines := cfg.Engines
	if engines == nil {
		engines = live.New(cfg.Store, log)
	}
	srv := &Server{Store: cfg.Store, Engines: engines, Now: cfg.Now, PublicURL: strings.TrimSuffix(cfg.PublicURL, "/"), seal: newCursorSeal(cfg.CursorKey)}
	authn := &authenticator{store: cfg.Store, engines: engines, now: cfg.Now, log: log, ops: ops,
		limit: limit}
	engines.OnChange(func(tenantID string, c rbac.Change) {
		authn.tokens.forget(tenantID, c)
		if c.Action == rbac.ActionOrganizationDelete {
			srv.orgs.m.Delete(orgKey(tenantID, c.TargetID))
		}
	})
	engines.OnReload(func(tenantID string) {
		authn.tokens.forgetTenant(tenantID)
		srv.orgs.forgetTenant(tenantID)
	})
	validate, sure := validator(spec, ops)
	chain = append(chain, notifyWrites(engines), limitURL, authn.middleware,
		(&idempotency{store: cfg.Store, afterCommit: cfg.AfterIdempotentCommit}).middleware,
		withFastChecks(validate, sure, srv))
	e.Use((&routeChains{middleware: chain}).apply)

	srv.router = e
	gen.RegisterHandlers(e, gen.NewStrictHandler(srv, []gen.StrictMiddlewareFunc{srv.seal.middleware, requestBase}))
	mon.watch(engines, cfg.Store)
	registerOps(e, mon)
	registerConsole(e)
	return e
}

// notifyWrites tells the engines of every revision a write reports, so the
// next evaluated read on this replica sees it (read-your-writes).
func notifyWrites(engines *live.Engines) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			err := next(c)
			if p := principalFrom(c.Request().Context()); p != nil && p.internal {
				return err // a bulk's sub-request: the bulk tells the engines once it has committed
			}
			if v := c.Response().Header().Get("Roster-Revision"); v != "" {
				if rev, perr := strconv.ParseInt(v, 10, 64); perr == nil {
					// A new tenant (POST /v1/tenants) has no engine yet to tell.
					if tenant, ok := param(c, "tenant_id"); ok {
						engines.Notify(tenant, rev)
					}
				}
			}
			return err
		}
	}
}

// requestLog writes one line per request. It never logs headers, so the
// Authorization header cannot leak.
//
// The line goes straight to the logger's handler, as a record without a
// source position: Logger.LogAttrs would walk the stack for one (about 2 µs,
// a tenth of a cached check's whole cost), and the access log's source is
// always this function.
//
// It also hands every request to the metrics, a bulk's operations included.
func requestLog(log *slog.Logger, mon *metrics) echo.MiddlewareFunc {
	h := log.Handler()
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		HandleError:  true, // let the error handler pick the status before it is logged
		LogLatency:   true,
		LogMethod:    true,
		LogRoutePath: true,
		LogRequestID: true,
		LogStatus:    true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			mon.observe(v.Method, v.RoutePath, v.Status, v.Latency)
			if p := principalFrom(c.Request().Context()); p != nil && p.internal && v.Status < 500 {
				return nil // a bulk's operation: the bulk's own line stands for it (5xx are logged)
			}
			level := slog.LevelInfo
			if v.Status >= 500 {
				level = slog.LevelError
			}
			ctx := c.Request().Context()
			if !h.Enabled(ctx, level) {
				return nil
			}
			r := slog.NewRecord(v.StartTime.Add(v.Latency), level, "request", 0) // the log's own clock, read when the answer was done
			r.AddAttrs(
				slog.String("method", v.Method),
				slog.String("route", v.RoutePath),
				slog.Int("status", v.Status),
				slog.Float64("duration_ms", float64(v.Latency.Microseconds())/1000),
				slog.String("request_id", v.RequestID),
			)
			if t := c.Param("tenant_id"); t != "" {
				r.AddAttrs(slog.String("tenant", t))
			}
			_ = h.Handle(ctx, r) // as Logger.LogAttrs: a log that cannot be written does not fail the request
			return nil
		},
	})
}

// now is the server's clock.
func (s *Server) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// write is what every write in a tenant passes to the store.
func write(ctx context.Context, tenantID string, ifMatch *string) rbac.Write {
	w := rbac.Write{TenantID: tenantID}
	if p := principalFrom(ctx); p != nil {
		w.Actor = p.Actor()
		w.Caller = p.policyCaller(ctx)
	}
	if ifMatch != nil {
		w.IfMatch = *ifMatch
	}
	return w
}

// caller returns the authenticated principal; handlers behind the
// authenticator always have one.
func caller(ctx context.Context) (*principal, error) {
	p := principalFrom(ctx)
	if p == nil {
		return nil, rbac.Errorf(rbac.EUnauthorized, "a bearer token is required")
	}
	return p, nil
}

// userID resolves `me` — the one place it is resolved, for every {user_id}
// handler. The operator has no user, so `me` is 404 for it.
func userID(ctx context.Context, id string) (string, error) {
	if id != "me" {
		return id, nil
	}
	p := principalFrom(ctx)
	if p == nil || p.Token.Operator() {
		return "", rbac.NotFound("user")
	}
	return p.Token.UserID, nil
}

// optional returns a pointer to s, or nil when s is empty, so that unset
// optional fields are omitted from responses.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// deref returns *p, or "" for nil.
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// utc renders times in UTC, as the contract's timestamps are.
func utc(t time.Time) time.Time { return t.UTC() }

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
