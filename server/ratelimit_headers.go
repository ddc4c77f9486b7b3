package server

import (
	"fmt"
	"math"

	"github.com/labstack/echo/v4"
)

// RateLimit header fields (IETF httpapi draft "RateLimit header fields for
// HTTP"), sent when --rate-limit is on so that clients can pace themselves
// instead of learning the budget from 429s:
//
//	RateLimit-Policy: "user";q=40;w=2, "failed-auth";q=40;w=2
//	RateLimit: "user";r=39;t=1
//
// q is the burst, w the seconds an empty budget takes to fill; r is what is
// left after this request and t the seconds until the budget is full
// again. Every response carries both: RateLimit names the budget the
// request drew on (its user's, or its address's for a failed
// authentication), and for a request that drew on none (health, metrics,
// docs) its address's budget as it stands.

const (
	policyUser     = "user"
	policyFailures = "failed-auth"
)

// advertise sets RateLimit-Policy on every response.
func (l *limiter) advertise(next echo.HandlerFunc) echo.HandlerFunc {
	if l == nil {
		return next
	}
	policy := fmt.Sprintf("%s, %s", l.users.policy(policyUser), l.failures.policy(policyFailures))
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("RateLimit-Policy", policy)
		c.Response().Before(func() {
			if h.Get("RateLimit") == "" {
				l.failures.report(c, policyFailures, l.failures.peek(clientKey(c), l.now()))
			}
		})
		return next(c)
	}
}

// policy is one budget's RateLimit-Policy item.
func (l *buckets) policy(name string) string {
	return fmt.Sprintf("%q;q=%d;w=%d", name, int(l.burst), int(math.Ceil(l.burst/l.rate)))
}

// report sets RateLimit for the budget a request drew on.
func (l *buckets) report(c echo.Context, name string, t taken) {
	left := max(0, t.remaining)
	full := int(math.Ceil((l.burst - left) / l.rate))
	c.Response().Header().Set("RateLimit", fmt.Sprintf("%q;r=%d;t=%d", name, int(math.Floor(left)), full))
}
