package server

import (
	"fmt"
	"math"
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

// RateLimit is a per-token request budget: Rate requests per second on
// average, in bursts of up to Burst. The zero value (Rate 0) turns it off,
// which is the default (API.md, "Conventions").
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

// limiter keeps one token bucket per API token. It is nil when the limit
// is off, so that the default costs nothing on the hot path.
type limiter struct {
	rate, burst float64

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	at     time.Time // when tokens was last brought up to date
}

func newLimiter(l RateLimit) *limiter {
	if l.Rate <= 0 {
		return nil
	}
	return &limiter{rate: l.Rate, burst: l.burst(), buckets: map[string]*bucket{}}
}

// allow takes one request from key's budget, or says how long until one is
// available.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	if now.After(b.at) {
		b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
		b.at = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

// sweep drops, once a minute, the buckets that have refilled completely:
// forgetting them changes nothing, and the map stays as small as the set
// of tokens in recent use.
func (l *limiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < time.Minute {
		return
	}
	l.lastSweep = now
	full := time.Duration(l.burst / l.rate * float64(time.Second))
	for k, b := range l.buckets {
		if now.Sub(b.at) >= full {
			delete(l.buckets, k)
		}
	}
}

// rateLimited is the 429 answer, with Retry-After in whole seconds
// (at least 1: the header cannot say less).
func rateLimited(c echo.Context, wait time.Duration) error {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	return rbac.Errorf(rbac.ERateLimited, "too many requests with this token; retry in %d s", secs)
}
