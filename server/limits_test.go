package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/server"
	"github.com/rosterhq/roster/server/servertest"
)

// rawGet sends a request without checking the answer against the spec,
// for answers the spec does not list yet (429).
// rawGet sends a GET with the token; the answer is checked against the spec
// like every other (429 and its Retry-After included).
func rawGet(t *testing.T, env *servertest.Env, token, path string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", env.URL+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Transport: servertest.ValidatingTransport{T: t}}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

// Rate limits are off by default (openapi.yaml, "Conventions").
func TestRateLimit_offByDefault(t *testing.T) {
	env := servertest.New(t)
	for range 300 {
		resp, b := rawGet(t, env, servertest.OperatorToken, "/v1/tenants")
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	}
}

// With a limit, each user has its own budget (TestRateLimit_perUser: shared
// by its tokens); over it the answer is 429 `rate_limited` with
// Retry-After, and the budget refills with time.
func TestRateLimit_perToken(t *testing.T) {
	clk := &clock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	env := replica(t, openStore(t), server.Config{Now: clk.Now, RateLimit: server.RateLimit{Rate: 0.5, Burst: 3}})
	admin := newAPITenant(t, env, "rl") // the operator's first request
	for i := range 2 {
		resp, b := rawGet(t, env, servertest.OperatorToken, "/v1/tenants")
		require.Equal(t, http.StatusOK, resp.StatusCode, "request %d: %s", i, b)
	}
	resp, b := rawGet(t, env, servertest.OperatorToken, "/v1/tenants")
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "%s", b)
	require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
	require.Equal(t, "2", resp.Header.Get("Retry-After"), "0.5 requests per second: one more in 2 s")
	var p struct {
		Code   string
		Status int
	}
	require.NoError(t, json.Unmarshal(b, &p))
	require.Equal(t, "rate_limited", p.Code)
	require.Equal(t, 429, p.Status)

	// Another user is not slowed down by the first one's use.
	resp, b = rawGet(t, env, admin, "/v1/tenants/rl/users/me")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)

	// One bad token is still 401: failed authentications spend a budget of
	// their own, per client address (TestRateLimit_failedAuthenticationsPerAddress).
	resp, _ = rawGet(t, env, "rst_bad", "/v1/tenants")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	clk.Add(2 * time.Second)
	resp, b = rawGet(t, env, servertest.OperatorToken, "/v1/tenants")
	require.Equal(t, http.StatusOK, resp.StatusCode, "after Retry-After: %s", b)
	resp, _ = rawGet(t, env, servertest.OperatorToken, "/v1/tenants")
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "one request came back, not more")
}

func TestParseRateLimit(t *testing.T) {
	tests := []struct {
		in   string
		want server.RateLimit
		ok   bool
	}{
		{"", server.RateLimit{}, true},
		{"0", server.RateLimit{}, true},
		{"off", server.RateLimit{}, true},
		{"50", server.RateLimit{Rate: 50}, true},
		{"0.5", server.RateLimit{Rate: 0.5}, true},
		{"50:200", server.RateLimit{Rate: 50, Burst: 200}, true},
		{"-1", server.RateLimit{}, false},
		{"NaN", server.RateLimit{}, false},
		{"Inf", server.RateLimit{}, false},
		{"fast", server.RateLimit{}, false},
		{"50:0", server.RateLimit{}, false},
		{"50:x", server.RateLimit{}, false},
	}
	for _, tt := range tests {
		got, err := server.ParseRateLimit(tt.in)
		if !tt.ok {
			require.Error(t, err, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		require.Equal(t, tt.want, got, tt.in)
	}
}

// A query string over 8 KiB is refused before any work, naming `query`.
func TestURLLimit(t *testing.T) {
	env := servertest.New(t)
	newAPITenant(t, env, "default")
	long := strings.Repeat("a", 9<<10)
	resp, b := env.Do("GET", "/v1/tenants/default/users?search="+long, servertest.OperatorToken, "")
	requireProblem(t, resp, b, http.StatusBadRequest, "validation_error", "query")
	// Under the limit, the same request is served.
	resp, b = env.Do("GET", "/v1/tenants/default/users?search="+long[:200], servertest.OperatorToken, "")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
}
