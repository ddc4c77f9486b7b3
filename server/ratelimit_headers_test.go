package server_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/server/servertest"
)

// With --rate-limit on, every answer states the budgets and each answer
// that drew on one says what is left of it (IETF RateLimit header fields),
// so a client can pace itself before it meets a 429.
func TestRateLimit_headers(t *testing.T) {
	env, _, admin, _ := budgetFixture(t)
	p := peer{t: t, url: env.URL, hc: &http.Client{Transport: servertest.ValidatingTransport{T: t}}}
	policy := `"user";q=10;w=2, "failed-auth";q=10;w=2` // 5 per second in bursts of 10

	for i := range limitBudget.Burst {
		resp, b := p.get(admin[0].token, admin[0].path)
		require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
		require.Equal(t, policy, resp.Header.Get("RateLimit-Policy"))
		// The fixture's clock stands still: nothing refills, t counts the
		// seconds to refill what was spent.
		spent := i + 1
		require.Equal(t, fmt.Sprintf(`"user";r=%d;t=%d`, 10-spent, (spent+4)/5), resp.Header.Get("RateLimit"), "request %d", i)
	}
	resp, _ := p.get(admin[0].token, admin[0].path)
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	require.Equal(t, `"user";r=0;t=2`, resp.Header.Get("RateLimit"))
	require.Equal(t, "1", resp.Header.Get("Retry-After"))

	resp, _ = p.get("rst_not-a-token", admin[0].path)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Equal(t, `"failed-auth";r=9;t=1`, resp.Header.Get("RateLimit"), "a failed authentication draws on its address's budget")

	resp, _ = p.get("", "/healthz")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, policy, resp.Header.Get("RateLimit-Policy"), "public routes state the policy too")
	require.Equal(t, `"failed-auth";r=9;t=1`, resp.Header.Get("RateLimit"), "…and the address's budget, drawing nothing")
}

// Without --rate-limit nothing is said about budgets.
func TestRateLimit_noHeadersWhenOff(t *testing.T) {
	env := servertest.New(t)
	p := peer{t: t, url: env.URL, hc: &http.Client{Transport: servertest.ValidatingTransport{T: t}}}
	resp, _ := p.get(servertest.OperatorToken, "/v1/tenants")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Empty(t, resp.Header.Get("RateLimit-Policy"))
	require.Empty(t, resp.Header.Get("RateLimit"))
}
