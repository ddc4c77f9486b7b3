package server

import (
	"fmt"
	"math"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rosterhq/roster/internal/rbac"
)

// Limits on what one request or one token may cost. Bodies are capped by
// Config.BodyLimit (413) and headers by http.Server.MaxHeaderBytes (431,
// answered by net/http before any handler runs).

// maxURLBytes caps the request target (path and query). Every list filter
// and id of the contract fits many times over; a longer URL is an attempt
// to make the router, validator or logs do work for nothing.
const maxURLBytes = 8 << 10

// limitURL answers 400 `validation_error` naming `query` (or `path`) for a
// request target over maxURLBytes. net/http has no such limit of its own:
// MaxHeaderBytes counts the request line too, but at 64 KiB.
func limitURL(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		u := c.Request().URL
		if len(u.RawQuery) > maxURLBytes {
			return rbac.Invalid("query", fmt.Sprintf("the query string is longer than %d bytes", maxURLBytes))
		}
		if len(u.EscapedPath())+len(u.RawQuery) > maxURLBytes {
			return rbac.Invalid("path", fmt.Sprintf("the URL is longer than %d bytes", maxURLBytes))
		}
		return next(c)
	}
}

// RateLimit is a request budget: Rate requests per second on average, in
// bursts of up to Burst. It applies per user, and to failed authentications
// per client address (see limiter). The zero value (Rate 0) turns it off,
// which is the default (openapi.yaml, "Conventions").
type RateLimit struct {
	Rate  float64 // requests per second; 0: no limit
	Burst int     // 0: the rate rounded up, at least 1
}

// ParseRateLimit reads "RATE" or "RATE:BURST" (requests per second, and
// how many may come at once); "", "0" and "off" turn the limit off.
func ParseRateLimit(s string) (RateLimit, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" || strings.EqualFold(s, "off") {
		return RateLimit{}, nil
	}
	rateStr, burstStr, hasBurst := strings.Cut(s, ":")
	rate, err := strconv.ParseFloat(rateStr, 64)
	if err != nil || rate <= 0 || math.IsInf(rate, 0) || math.IsNaN(rate) {
		return RateLimit{}, fmt.Errorf("rate limit %q: the rate must be a positive number of requests per second", s)
	}
	l := RateLimit{Rate: rate}
	if hasBurst {
		if l.Burst, err = strconv.Atoi(burstStr); err != nil || l.Burst < 1 {
			return RateLimit{}, fmt.Errorf("rate limit %q: the burst must be a whole number of at least 1", s)
		}
	}
	return l, nil
}

func (l RateLimit) burst() float64 {
	if l.Burst > 0 {
		return float64(l.Burst)
	}
	return math.Max(1, math.Ceil(l.Rate))
}

// limiter holds the budgets of the conventions of openapi.yaml. It is nil when the
// limit is off, so that the default costs nothing on the hot path.
//
//   - users: one budget per user, whatever token it comes with. Keyed by
//     token, a user could mint tokens and multiply its budget by their count.
//   - failures: one budget per client address, spent only by failed
//     authentications (a missing or bad token), so that guesses are answered
//     429 once it is spent.
//
// Failures are limited only when --rate-limit is on, and with the same
// RATE:BURST: the contract makes rate limits opt-in, a failed
// authentication costs the server no more than a request, and an operator
// who sized RATE:BURST for a user has sized it for one client's guesses.
// Only failures are counted, and only once the token has been checked: a
// valid token is limited by its user's budget alone, so nobody is locked
// out by failures that other clients make, from another address or from
// behind the same NAT or proxy. (Checking the address first would stop
// guesses before the token lookup, but then one client could lock out every
// user behind a shared address, and behind a load balancer, with no
// IPExtractor set, every client shares the balancer's.)
type limiter struct {
	users    *buckets // by userKey
	failures *buckets // by clientKey
	now      func() time.Time
}

// maxAddresses caps the failure buckets kept (about 120 bytes each). Client
// addresses are the attacker's to choose; users are not (a user key needs a
// valid token), so their buckets are bounded by expiry alone.
const maxAddresses = 1 << 16

func newLimiter(l RateLimit, now func() time.Time) *limiter {
	if l.Rate <= 0 {
		return nil
	}
	return &limiter{
		users:    newBuckets(l.Rate, l.burst(), 0),
		failures: newBuckets(l.Rate, l.burst(), maxAddresses),
		now:      now,
	}
}

// userKey names the budget a token draws on: its user's, or the operator's
// (every operator token shares one). Tenant ids are slugs without '/', so
// the key is unambiguous.
func userKey(tok rbac.Token) string {
	if tok.Operator() {
		return "operator"
	}
	return tok.TenantID + "/" + tok.UserID
}

// clientKey is the client address failed authentications count against.
//
// It is the connection's peer address unless the application set
// echo's IPExtractor, the way echo is told which proxies to trust. Without
// one, c.RealIP() reads X-Forwarded-For and X-Real-IP, which any client
// may send: a guesser would send a new "address" with every guess and never
// be limited. An IPv6 address counts as its /64, the block one subscriber
// usually holds, so that walking through one's own block gains nothing.
func clientKey(c echo.Context) string {
	host := c.Request().RemoteAddr
	if c.Echo() != nil && c.Echo().IPExtractor != nil {
		host = c.RealIP()
	} else if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}

// failedAuth counts a 401 against the client address's budget and answers
// 429 instead once that is spent; any other error passes unchanged.
func (l *limiter) failedAuth(c echo.Context, now time.Time, err error) error {
	if l == nil || rbac.ErrorCode(err) != rbac.EUnauthorized {
		return err
	}
	t := l.failures.take(clientKey(c), now)
	l.failures.report(c, policyFailures, t)
	if !t.ok {
		return rateLimited(c, t.wait, "too many failed authentications from this address")
	}
	return err
}

// allowUser takes one request from the token's user's budget, or answers 429.
func (l *limiter) allowUser(c echo.Context, tok rbac.Token, now time.Time) error {
	if l == nil {
		return nil
	}
	t := l.users.take(userKey(tok), now)
	l.users.report(c, policyUser, t)
	if !t.ok {
		return rateLimited(c, t.wait, "too many requests for this user")
	}
	return nil
}

// buckets keeps one token bucket per key.
type buckets struct {
	rate, burst float64
	// idle is how long an empty bucket takes to fill up: a bucket left alone
	// that long is full, so forgetting it changes no answer. Sweeping that
	// often keeps only the keys of the last two idle periods.
	idle time.Duration
	max  int // most keys kept; 0: no cap

	mu        sync.Mutex
	m         map[string]*bucket
	nextSweep time.Time
}

type bucket struct {
	tokens float64
	at     time.Time // when tokens was last brought up to date
}

// overflowKey is shared by new keys while the map is full; no address or
// user key contains a NUL.
const overflowKey = "\x00overflow"

func newBuckets(rate, burst float64, maxKeys int) *buckets {
	idle := time.Duration(burst / rate * float64(time.Second))
	return &buckets{rate: rate, burst: burst, idle: max(idle, time.Second), max: maxKeys, m: map[string]*bucket{}}
}

// allow takes one request from key's budget, or says how long until one is
// available.
func (l *buckets) allow(key string, now time.Time) (bool, time.Duration) {
	t := l.take(key, now)
	return t.ok, t.wait
}

// taken is one request's draw on a budget: whether it was allowed, how
// long until the next one would be (when not), and what is left.
type taken struct {
	ok        bool
	wait      time.Duration
	remaining float64 // requests left after this one
}

// take is allow with what is left of the budget, for the RateLimit header.
func (l *buckets) take(key string, now time.Time) taken {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !now.Before(l.nextSweep) {
		l.sweep(now)
		l.nextSweep = now.Add(l.idle)
	}
	b, ok := l.m[key]
	if !ok && l.max > 0 && len(l.m) >= l.max {
		// At the cap. Forgetting a key that may still be refilling would
		// hand its owner a fresh budget, and growing would let the cap be
		// walked through: new keys share one bucket until a sweep makes room.
		key = overflowKey
		b, ok = l.m[key]
	}
	if !ok {
		b = &bucket{tokens: l.burst, at: now}
		l.m[key] = b
	}
	if now.After(b.at) {
		b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
		b.at = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return taken{ok: true, remaining: b.tokens}
	}
	return taken{wait: time.Duration((1 - b.tokens) / l.rate * float64(time.Second)), remaining: b.tokens}
}

// peek is what is left of key's budget at now, taking nothing and keeping
// no bucket for a key it has not seen (a full budget).
func (l *buckets) peek(key string, now time.Time) taken {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.m[key]
	if !ok {
		return taken{ok: true, remaining: l.burst}
	}
	left := b.tokens
	if now.After(b.at) {
		left = math.Min(l.burst, left+now.Sub(b.at).Seconds()*l.rate)
	}
	return taken{ok: left >= 1, remaining: left}
}

// sweep drops the buckets that have refilled completely.
func (l *buckets) sweep(now time.Time) {
	for k, b := range l.m {
		if now.Sub(b.at) >= l.idle {
			delete(l.m, k)
		}
	}
}

// rateLimited is the 429 answer, with Retry-After in whole seconds
// (at least 1: the header cannot say less).
func rateLimited(c echo.Context, wait time.Duration, why string) error {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	return rbac.Errorf(rbac.ERateLimited, "%s; retry in %d s", why, secs)
}
