package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rosterhq/roster/internal/eval"
	"github.com/rosterhq/roster/internal/live"
	"github.com/rosterhq/roster/internal/rbac"
)

// principal is the authenticated caller, kept in the request context,
// with the one evaluation engine the request uses: resolved once (at the
// request's min_revision or newer), caught up at most when a user it does
// not know is asked for, and used by authorization, the grant policy and
// the handler alike, so that the revision a response reports is the
// engine's that answered.
type principal struct {
	Token   rbac.Token
	engines *live.Engines
	now     time.Time

	internal    bool         // a sub-request of POST /bulk: its caller's, authenticated once
	minRevision int64        // the request's min_revision, 0 when absent or malformed
	eng         *eval.Tenant // the request's engine, nil until first asked for
	engTenant   string       // the tenant eng belongs to
}

type principalKey struct{}

func withPrincipal(ctx context.Context, p *principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// principalFrom returns the caller, or nil on routes that need no token.
func principalFrom(ctx context.Context) *principal {
	p, _ := ctx.Value(principalKey{}).(*principal)
	return p
}

// Actor is the caller as the store records it, with the token's minter
// when someone other than its user minted it (audited with every write).
func (p *principal) Actor() rbac.Actor {
	return rbac.Actor{Operator: p.Token.Operator(), UserID: p.Token.UserID, MintedBy: p.Token.MintedBy}
}

// engine returns the request's engine for tenantID (the path's tenant:
// the caller's own, or any for the operator). A request is handled by one
// goroutine, so the memo needs no lock.
func (p *principal) engine(ctx context.Context, tenantID string) (*eval.Tenant, error) {
	if p.eng != nil && p.engTenant == tenantID && p.eng.Revision() >= p.minRevision {
		return p.eng, nil
	}
	t, err := p.engines.Get(ctx, tenantID, p.minRevision)
	if err != nil {
		return nil, err
	}
	p.eng, p.engTenant = t, tenantID
	return t, nil
}

// catchUp brings the request's engine up to the database's head, once: a
// user it does not know may have been made through another replica since
// the last poll.
func (p *principal) catchUp(ctx context.Context, tenantID string) (*eval.Tenant, error) {
	t, err := p.engines.Sync(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	p.eng, p.engTenant = t, tenantID
	return t, nil
}

// Grants reports whether the caller holds permission (or pattern) q: one of
// its user's global permissions grants q and, for a scoped token, one of the
// token's scopes does too. The operator holds everything.
//
// Roster authorizes its own API with its own engine: the caller's user is
// checked like any other, from memory.
func (p *principal) Grants(ctx context.Context, q string) (bool, error) {
	if p.Token.Operator() {
		return true, nil
	}
	if p.Token.Scopes != nil && !rbac.AnyGrants(p.Token.Scopes, q) {
		return false, nil
	}
	t, err := p.engine(ctx, p.Token.TenantID)
	if err != nil {
		return false, err
	}
	return t.Check(p.Token.UserID, q, "", p.now).Allowed, nil
}

// policyCaller captures what the grant policy must know of the caller
// before a write's transaction (rbac.Caller): its user's global holdings
// with their ends, its token's scopes, and whether it is unrestricted (the
// operator, or roles:escalate).
func (p *principal) policyCaller(ctx context.Context) *rbac.Caller {
	c := p.tokenCaller()
	if c.Operator {
		return c
	}
	t, err := p.engine(ctx, p.Token.TenantID)
	if err != nil {
		c.Err = err
		return c
	}
	c.Holdings = t.Holdings(p.Token.UserID, p.now)
	if ok, _ := c.Holds(rbac.PermEscalate); ok {
		c.Unrestricted = true
	}
	return c
}

// tokenCaller is the caller as its token alone says: enough for the token
// rules (rbac.Caller.ManagesToken), which need no holdings.
func (p *principal) tokenCaller() *rbac.Caller {
	if p.Token.Operator() {
		return &rbac.Caller{Unrestricted: true, Operator: true}
	}
	return &rbac.Caller{Scopes: p.Token.Scopes, UserID: p.Token.UserID, TokenID: p.Token.ID, TokenExpires: p.Token.ExpiresAt}
}

// require answers 403 unless the caller holds every permission in qs.
func (p *principal) require(ctx context.Context, qs ...string) error {
	for _, q := range qs {
		ok, err := p.Grants(ctx, q)
		if err != nil {
			return err
		}
		if !ok {
			return rbac.Errorf(rbac.EForbidden, "this requires permission %s", q)
		}
	}
	return nil
}

// authenticator is the middleware that answers 401, 404 for another tenant's
// paths and 403, in that order, before the request validator answers 400.
type authenticator struct {
	store   rbac.Store
	engines *live.Engines
	now     func() time.Time
	log     *slog.Logger
	ops     operations
	tokens  tokenCache
	limit   *limiter // nil: no rate limit (its methods then allow everything)
}

func (a *authenticator) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		op, ok := a.ops[operationKey(c.Request().Method, c.Path())]
		if !ok || op.public {
			// Unknown routes fall through to echo's 404/405; routes added
			// outside the spec (metrics, docs) guard themselves.
			return next(c)
		}
		req := c.Request()
		ctx := req.Context()
		if p := principalFrom(ctx); p != nil && p.internal {
			// A bulk's sub-request: its caller was authenticated (and its
			// request counted) once, for the bulk; what this operation
			// needs is checked as if it came alone.
			if err := a.authorize(c, op, p); err != nil {
				return err
			}
			return next(c)
		}
		now := a.now()
		secret, ok := bearer(req.Header.Get(echo.HeaderAuthorization))
		if !ok {
			return a.limit.failedAuth(c, now, rbac.Errorf(rbac.EUnauthorized, "a bearer token is required"))
		}
		tok, eng, err := a.authenticate(ctx, secret, now)
		if err != nil {
			return a.limit.failedAuth(c, now, err)
		}
		if err := a.limit.allowUser(c, tok, now); err != nil {
			return err
		}
		a.touch(ctx, tok, now)
		p := &principal{Token: tok, engines: a.engines, now: now, minRevision: minRevision(req)}
		if eng != nil {
			p.eng, p.engTenant = eng, tok.TenantID
		}
		c.SetRequest(req.WithContext(withPrincipal(ctx, p)))
		if err := a.authorize(c, op, p); err != nil {
			return err
		}
		return next(c)
	}
}

func (a *authenticator) authorize(c echo.Context, op operation, p *principal) error {
	ctx := c.Request().Context()
	operator := p.Token.Operator()
	// The tenant comes first, operator-only operations included: another
	// tenant's path is 404 before any 403 (openapi.yaml, "Conventions").
	if tenant, ok := param(c, "tenant_id"); ok {
		if operator {
			// The operator sees every tenant, but one that does not exist is
			// a 404 before any validation, as for a tenant user.
			if _, err := a.store.GetTenant(ctx, tenant); err != nil {
				return err
			}
		} else if tenant != p.Token.TenantID {
			// Another tenant's paths answer as if the tenant did not exist.
			return rbac.NotFound("tenant")
		}
	}
	if op.operator {
		if !operator {
			return rbac.Errorf(rbac.EForbidden, "only the platform operator may do this")
		}
		return nil
	}
	user, hasUser := param(c, "user_id")
	if hasUser && user == "me" && operator {
		return rbac.NotFound("user") // the operator has no user
	}
	if operator {
		return nil
	}
	if op.self && hasUser && (user == "me" || user == p.Token.UserID) {
		return nil
	}
	if op.subjectInBody {
		return nil // the handler authorizes each subject (resolveCheck)
	}
	return p.require(ctx, op.permissions...)
}

// minRevision reads the request's min_revision query parameter. A
// malformed one reads as 0 here; the request validator answers 400 for it.
func minRevision(req *http.Request) int64 {
	if req.URL.RawQuery == "" {
		return 0 // most requests: no query to parse
	}
	v, err := strconv.ParseInt(req.URL.Query().Get("min_revision"), 10, 64)
	if err != nil || v < 0 {
		return 0
	}
	return v
}

// touch records the token's last use to the minute, so that a busy token
// costs one write per minute rather than one per request.
func (a *authenticator) touch(ctx context.Context, tok rbac.Token, now time.Time) {
	minute := now.Truncate(time.Minute)
	if tok.LastUsedAt != nil && !tok.LastUsedAt.Truncate(time.Minute).Before(minute) {
		return
	}
	if err := a.store.TouchToken(ctx, tok.ID, minute); err != nil {
		// Losing a last-used stamp must not fail the request.
		a.log.WarnContext(ctx, "touch token", "token_id", tok.ID, "error", err)
		return
	}
	a.tokens.touched(tok.ID, minute)
}

// bearer extracts the secret of an `Authorization: Bearer <secret>` header.
func bearer(h string) (string, bool) {
	scheme, secret, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	secret = strings.TrimSpace(secret)
	return secret, secret != ""
}

// param returns a path parameter of the matched route, unescaped as the
// generated wrappers unescape it, and whether the route has it at all.
func param(c echo.Context, name string) (string, bool) {
	if !slices.Contains(c.ParamNames(), name) {
		return "", false
	}
	v := c.Param(name)
	if c.Request().URL.RawPath != "" {
		if u, err := url.PathUnescape(v); err == nil {
			v = u
		}
	}
	return v, true
}
