package e2e

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/server"
	"github.com/rosterhq/roster/server/servertest"
)

// lockedBuffer collects the server's log lines, which a test searches for
// secrets that must never be logged.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// site is a Roster with the console, behind the validating proxy.
type site struct {
	env  *servertest.Env
	URL  string // the proxy: what the browser talks to
	logs *lockedBuffer

	mu         sync.Mutex
	violations []string
	requests   []string // every URL the browser asked for
}

// newSite starts a server and the proxy in front of it.
func newSite(t *testing.T) *site {
	t.Helper()
	s := &site{logs: &lockedBuffer{}}
	s.env = servertest.New(t, func(c *server.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	// The tenant a real server makes at its first start.
	res, err := s.env.Operator().CreateTenantWithResponse(context.Background(), client.TenantCreate{Id: "default", Name: "Default"})
	if err != nil || res.StatusCode() != http.StatusCreated {
		t.Fatalf("creating tenant default: %v %v", err, res)
	}
	s.URL = s.proxyTo(t, s.env.URL)
	t.Cleanup(func() {
		for _, v := range s.Violations() {
			t.Errorf("the console got a response openapi.yaml does not describe: %s", v)
		}
	})
	return s
}

// proxyTo starts the validating proxy in front of backend and returns its
// URL: each response to an API path is checked against openapi.yaml (as the
// Go tests' ValidatingTransport does) and any mismatch recorded.
func (s *site) proxyTo(t *testing.T, backend string) string {
	t.Helper()
	u, err := url.Parse(backend)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(resp *http.Response) error {
		if !strings.HasPrefix(resp.Request.URL.Path, "/v1/") {
			return nil // /console and its assets are outside the spec
		}
		if err := servertest.CheckResponse(resp.Request, resp); err != nil {
			s.violate(fmt.Sprintf("%s %s → %d: %v", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, err))
		}
		return nil
	}
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.URL.String())
		s.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	return proxy.URL
}

func (s *site) violate(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violations = append(s.violations, v)
}

func (s *site) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.violations...)
}

// assertSecretsUnexposed fails when a secret appears in a URL the browser
// requested or in the server's log.
func (s *site) assertSecretsUnexposed(t *testing.T, secrets ...string) {
	t.Helper()
	s.mu.Lock()
	urls := strings.Join(s.requests, "\n")
	s.mu.Unlock()
	logs := s.logs.String()
	for _, sec := range secrets {
		if strings.Contains(urls, sec) {
			t.Errorf("a token appeared in a request URL")
		}
		if strings.Contains(logs, sec) {
			t.Errorf("a token appeared in the server log")
		}
	}
}
