package app_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rosterhq/roster/internal/app"
	"github.com/rosterhq/roster/server"
)

const limitsToken = "rst_limits-test-operator-0123456789"

func runForLimits(t *testing.T, cfg app.Config) *app.Main {
	t.Helper()
	cfg.DB = "sqlite:" + filepath.Join(t.TempDir(), "roster.db")
	cfg.BootstrapToken = limitsToken
	return MustRun(t, cfg)
}

func get(t *testing.T, url string, header http.Header) int {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Headers over the limit are refused by net/http before any handler runs
// (431, plain text: the one error answer that is not problem+json).
func TestLimits_headerSize(t *testing.T) {
	m := runForLimits(t, app.Config{})
	h := http.Header{"Authorization": {"Bearer " + limitsToken}}
	if got := get(t, m.URL()+"/v1/tenants", h); got != http.StatusOK {
		t.Fatalf("a normal request: %d, want 200", got)
	}
	h.Set("X-Padding", strings.Repeat("a", 128<<10))
	if got := get(t, m.URL()+"/v1/tenants", h); got != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("128 KiB of headers: %d, want 431", got)
	}
}

// Slow or stuck clients cannot hold connections forever: every timeout of
// the HTTP server is set, and the header limit too.
func TestLimits_serverTimeouts(t *testing.T) {
	m := runForLimits(t, app.Config{})
	srv := m.HTTPServer()
	for name, v := range map[string]int64{
		"ReadHeaderTimeout": int64(srv.ReadHeaderTimeout),
		"ReadTimeout":       int64(srv.ReadTimeout),
		"WriteTimeout":      int64(srv.WriteTimeout),
		"IdleTimeout":       int64(srv.IdleTimeout),
		"MaxHeaderBytes":    int64(srv.MaxHeaderBytes),
	} {
		if v <= 0 {
			t.Errorf("%s is not set", name)
		}
	}
	if srv.ReadHeaderTimeout > srv.ReadTimeout {
		t.Errorf("ReadHeaderTimeout %v is longer than ReadTimeout %v", srv.ReadHeaderTimeout, srv.ReadTimeout)
	}
}

// Config.RateLimit reaches the handler; without it there is no limit.
func TestLimits_rateLimitConfig(t *testing.T) {
	h := http.Header{"Authorization": {"Bearer " + limitsToken}}
	m := runForLimits(t, app.Config{RateLimit: server.RateLimit{Rate: 0.001, Burst: 2}})
	for i, want := range []int{200, 200, 429} {
		if got := get(t, m.URL()+"/v1/tenants", h); got != want {
			t.Errorf("request %d: %d, want %d", i, got, want)
		}
	}
	m = runForLimits(t, app.Config{})
	for i := range 50 {
		if got := get(t, m.URL()+"/v1/tenants", h); got != http.StatusOK {
			t.Fatalf("request %d without a limit: %d", i, got)
		}
	}
}
