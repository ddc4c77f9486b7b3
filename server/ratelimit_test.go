package server_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/server"
	"github.com/rosterhq/roster/server/servertest"
)

// limitBudget is the RATE:BURST of these tests: 5 requests per second in
// bursts of 10, on a clock that only moves when told, so a spent budget
// stays spent.
var limitBudget = server.RateLimit{Rate: 5, Burst: 10}

// peer sends requests from one local address and checks every answer
// against the spec. Linux routes all of 127.0.0.0/8 to loopback, so
// 127.0.0.2 is a second client address on one machine.
type peer struct {
	t   *testing.T
	url string
	hc  *http.Client
}

func newPeer(t *testing.T, url, local string) peer {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	if conn, err := d.Dial("tcp", url[len("http://"):]); err != nil {
		t.Skipf("cannot send from %s on this machine: %v", local, err)
	} else {
		conn.Close()
	}
	return peer{t: t, url: url, hc: &http.Client{Transport: servertest.ValidatingTransport{T: t, Next: &http.Transport{DialContext: d.DialContext}}}}
}

// get sends a GET with token (none when "") and extra header pairs.
func (p peer) get(token, path string, header ...string) (*http.Response, []byte) {
	p.t.Helper()
	req, err := http.NewRequest("GET", p.url+path, nil)
	require.NoError(p.t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := p.hc.Do(req)
	require.NoError(p.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(p.t, err)
	return resp, b
}

// caller is a token and a path it may GET.
type caller struct{ name, token, path string }

// budgetFixture: tenant rl whose admin holds ten tokens, another user bob
// of rl, the admin of tenant other, and the operator. It is built with the
// clock moving a second per request so that setting up spends no budget,
// and ends with every budget full.
func budgetFixture(t *testing.T) (*servertest.Env, *clock, []caller, map[string]caller) {
	clk := &clock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	env := replica(t, openStore(t), server.Config{Now: clk.Now, RateLimit: limitBudget})
	call := func(token, method, path, body string, want int) map[string]any {
		clk.Add(time.Second)
		return mustCall(t, env, token, method, path, body, want)
	}
	admin := call(servertest.OperatorToken, "POST", "/v1/tenants",
		`{"id":"rl","name":"T","admin":{"email":"admin@rl.test"}}`, 201)["admin_token"].(string)
	me := "/v1/tenants/rl/users/me"
	adminTokens := []caller{{"admin token 0", admin, me}}
	for i := 1; i < 10; i++ {
		tok := call(admin, "POST", me+"/tokens", fmt.Sprintf(`{"name":"t%d"}`, i), 201)["token"].(string)
		adminTokens = append(adminTokens, caller{fmt.Sprintf("admin token %d", i), tok, me})
	}
	bob := call(admin, "POST", "/v1/tenants/rl/users", `{"email":"bob@rl.test"}`, 201)["id"].(string)
	bobToken := call(admin, "POST", "/v1/tenants/rl/users/"+bob+"/tokens", `{"name":"b"}`, 201)["token"].(string)
	other := call(servertest.OperatorToken, "POST", "/v1/tenants",
		`{"id":"other","name":"T","admin":{"email":"admin@other.test"}}`, 201)["admin_token"].(string)
	clk.Add(time.Minute)
	return env, clk, adminTokens, map[string]caller{
		"bob":         {"bob", bobToken, me},
		"other admin": {"other admin", other, "/v1/tenants/other/users/me"},
		"operator":    {"operator", servertest.OperatorToken, "/v1/tenants"},
	}
}

// The budget is per user: all of a user's tokens share it, the operator
// has its own, and spending one budget leaves every other one whole
// (openapi.yaml, "Conventions"). Keyed by token, ten tokens were ten budgets.
func TestRateLimit_perUser(t *testing.T) {
	tests := []struct {
		name      string
		spenders  func(admin []caller, others map[string]caller) []caller
		untouched []string // of others; "admin" for the admin's tokens
	}{
		{"a user's tokens share one budget", func(admin []caller, _ map[string]caller) []caller { return admin },
			[]string{"bob", "other admin", "operator"}},
		{"the operator has its own budget", func(_ []caller, o map[string]caller) []caller { return []caller{o["operator"]} },
			[]string{"admin", "bob", "other admin"}},
		{"another user of the tenant has its own budget", func(_ []caller, o map[string]caller) []caller { return []caller{o["bob"]} },
			[]string{"admin", "other admin", "operator"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _, admin, others := budgetFixture(t)
			p := peer{t: t, url: env.URL, hc: &http.Client{Transport: servertest.ValidatingTransport{T: t}}}
			spenders := tt.spenders(admin, others)
			for i := range limitBudget.Burst {
				c := spenders[i%len(spenders)]
				resp, b := p.get(c.token, c.path)
				require.Equal(t, http.StatusOK, resp.StatusCode, "request %d with %s: %s", i, c.name, b)
			}
			for _, c := range spenders {
				resp, b := p.get(c.token, c.path)
				requireProblem(t, resp, b, http.StatusTooManyRequests, "rate_limited", "")
				require.Equal(t, "1", resp.Header.Get("Retry-After"), "%s: 5 per second, one more in 0.2 s", c.name)
			}
			for _, name := range tt.untouched {
				group := []caller{others[name]}
				if name == "admin" {
					group = admin
				}
				for _, c := range group {
					resp, b := p.get(c.token, c.path)
					require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", c.name, b)
				}
			}
		})
	}
}

// Failed authentications are limited per client address: guesses (a bad
// token, or none) are 401 until the address's budget is spent and 429
// after, whatever X-Forwarded-For they claim when no proxy is trusted. A
// valid token is limited by its user's budget alone, from that address
// too, and another address keeps its own budget.
func TestRateLimit_failedAuthenticationsPerAddress(t *testing.T) {
	env, clk, admin, _ := budgetFixture(t)
	attacker := newPeer(t, env.URL, "127.0.0.1")
	counts := map[int]int{}
	for i := range 300 {
		token := fmt.Sprintf("rst_guess-%d", i)
		if i%7 == 0 {
			token = "" // no token at all counts too
		}
		resp, b := attacker.get(token, "/v1/tenants/rl/users", "X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i%250))
		counts[resp.StatusCode]++
		if i < limitBudget.Burst {
			requireProblem(t, resp, b, http.StatusUnauthorized, "unauthorized", "")
			continue
		}
		requireProblem(t, resp, b, http.StatusTooManyRequests, "rate_limited", "")
		require.Equal(t, "1", resp.Header.Get("Retry-After"))
	}
	require.Equal(t, map[int]int{401: 10, 429: 290}, counts)

	// The admin, from the same address, has its whole budget and no more.
	for i := range limitBudget.Burst {
		resp, b := attacker.get(admin[i].token, admin[i].path)
		require.Equal(t, http.StatusOK, resp.StatusCode, "request %d: %s", i, b)
	}
	resp, b := attacker.get(admin[0].token, admin[0].path)
	requireProblem(t, resp, b, http.StatusTooManyRequests, "rate_limited", "")

	// Another address is told its token is wrong, not that it is limited.
	resp, b = newPeer(t, env.URL, "127.0.0.2").get("rst_typo", "/v1/tenants/rl/users")
	requireProblem(t, resp, b, http.StatusUnauthorized, "unauthorized", "")

	// The address's budget refills at the rate: one second, five guesses.
	clk.Add(time.Second)
	for range 5 {
		resp, b = attacker.get("rst_again", "/v1/tenants/rl/users")
		requireProblem(t, resp, b, http.StatusUnauthorized, "unauthorized", "")
	}
	resp, b = attacker.get("rst_again", "/v1/tenants/rl/users")
	requireProblem(t, resp, b, http.StatusTooManyRequests, "rate_limited", "")
}

// Behind a proxy the application trusts (echo's IPExtractor set), the
// client address is the one the proxy reports, and an IPv6 client counts
// as its /64.
func TestRateLimit_failedAuthenticationsBehindTrustedProxy(t *testing.T) {
	clk := &clock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	h := server.New(server.Config{Store: openStore(t), Now: clk.Now, RateLimit: limitBudget})
	h.IPExtractor = echo.ExtractIPFromXFFHeader() // trusts loopback proxies, as this test is
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	p := peer{t: t, url: srv.URL, hc: &http.Client{Transport: servertest.ValidatingTransport{T: t}}}
	guess := func(client string) int {
		resp, _ := p.get("rst_guess", "/v1/tenants", "X-Forwarded-For", client)
		return resp.StatusCode
	}
	for range limitBudget.Burst {
		require.Equal(t, http.StatusUnauthorized, guess("203.0.113.7"))
		require.Equal(t, http.StatusUnauthorized, guess("2001:db8:1:2::1"))
	}
	tests := []struct {
		client string
		want   int
	}{
		{"203.0.113.7", http.StatusTooManyRequests},
		{"203.0.113.8", http.StatusUnauthorized},
		{"2001:db8:1:2::1", http.StatusTooManyRequests},
		{"2001:db8:1:2:ffff::9", http.StatusTooManyRequests}, // same /64
		{"2001:db8:1:3::1", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, guess(tt.client), tt.client)
	}
}
