package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/rosterhq/roster/internal/live"
	"github.com/rosterhq/roster/internal/rbac"
)

// operatorOnly is the x-roster-permission value that no tenant token can
// satisfy, whatever its permissions (`*:*` included).
const operatorOnly = "operator"

// selfService lists the operations a tenant user may call on its own user
// (`me` or its own id) without any permission: reading itself and its direct
// roles, and managing its own tokens (docs/security.md, "The grant policy"). Keys are
// lower case: the embedded spec carries operation ids as oapi-codegen
// rewrote them (GetUser), the YAML as written (getUser).
var selfService = map[string]bool{
	"getevaluatedroles":  true,
	"getuserpermissions": true,
	"getuser":            true,
	"listuserroles":      true,
	"listusertokens":     true,
	"createusertoken":    true,
	"revokeusertoken":    true,
}

// checkedInHandler lists operations whose subject is in the body: a check of
// oneself needs nothing, of anyone else checks:read, and only the handler
// sees whom each check is about.
var checkedInHandler = map[string]bool{
	"checkpermission":  true,
	"checkpermissions": true,
}

// operation is what authorization needs to know about one spec operation.
type operation struct {
	id          string
	public      bool     // `security: []`: no token at all
	operator    bool     // operator only
	permissions []string // every one is required; empty: any valid token
	self        bool     // needs no permission on the caller's own user
}

// operations maps "METHOD /echo/:route" to its operation. It is built from the
// spec at startup so that the permission an operation needs is written in
// exactly one place, openapi.yaml.
type operations map[string]operation

func operationKey(method, echoPath string) string { return method + " " + echoPath }

// buildOperations walks the spec. An operation without x-roster-permission is
// an error: failing at startup beats serving an operation nobody guards.
func buildOperations(spec *openapi3.T) (operations, error) {
	ops := operations{}
	for path, item := range spec.Paths.Map() {
		// The spec writes {tenant_id}; echo routes are registered as :tenant_id.
		echoPath := path
		for strings.Contains(echoPath, "{") {
			i := strings.Index(echoPath, "{")
			j := strings.Index(echoPath[i:], "}")
			if j < 0 {
				return nil, fmt.Errorf("path %q: unbalanced brace", path)
			}
			echoPath = echoPath[:i] + ":" + echoPath[i+1:i+j] + echoPath[i+j+1:]
		}
		for method, op := range item.Operations() {
			perms, err := permissionList(op.Extensions["x-roster-permission"])
			if err != nil {
				return nil, fmt.Errorf("%s %s (%s): %w", method, path, op.OperationID, err)
			}
			o := operation{
				id:     op.OperationID,
				public: op.Security != nil && len(*op.Security) == 0,
				self:   selfService[strings.ToLower(op.OperationID)],
			}
			if slices.Contains(perms, operatorOnly) {
				o.operator = true
			} else {
				o.permissions = perms
			}
			ops[operationKey(method, echoPath)] = o
		}
	}
	return ops, nil
}

func permissionList(ext any) ([]string, error) {
	switch v := ext.(type) {
	case nil:
		return nil, fmt.Errorf("no x-roster-permission")
	case []string:
		return v, nil
	case []any:
		out := make([]string, 0, len(v))
		for _, p := range v {
			s, ok := p.(string)
			if !ok {
				return nil, fmt.Errorf("x-roster-permission holds %T, want strings", p)
			}
			out = append(out, s)
		}
		return out, nil
	default:
		return nil, fmt.Errorf("x-roster-permission is %T, want a list", ext)
	}
}

// principal is the authenticated caller, kept in the request context. The
// user's permissions are loaded at most once per request, and only when a
// check needs them.
type principal struct {
	Token   rbac.Token
	engines *live.Engines
	now     time.Time
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
	t, err := p.engines.Get(ctx, p.Token.TenantID, 0)
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
	if p.Token.Operator() {
		return &rbac.Caller{Unrestricted: true}
	}
	t, err := p.engines.Get(ctx, p.Token.TenantID, 0)
	if err != nil {
		return &rbac.Caller{Err: err}
	}
	c := &rbac.Caller{Holdings: t.Holdings(p.Token.UserID, p.now), Scopes: p.Token.Scopes}
	if ok, _ := c.Holds(rbac.PermEscalate); ok {
		c.Unrestricted = true
	}
	return c
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
		now := a.now()
		secret, ok := bearer(req.Header.Get(echo.HeaderAuthorization))
		if !ok {
			return a.limit.failedAuth(c, now, rbac.Errorf(rbac.EUnauthorized, "a bearer token is required"))
		}
		tok, err := a.authenticate(ctx, secret, now)
		if err != nil {
			return a.limit.failedAuth(c, now, err)
		}
		if err := a.limit.allowUser(c, tok, now); err != nil {
			return err
		}
		a.touch(ctx, tok, now)
		p := &principal{Token: tok, engines: a.engines, now: now}
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
	if checkedInHandler[strings.ToLower(op.id)] {
		return nil
	}
	return p.require(ctx, op.permissions...)
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
