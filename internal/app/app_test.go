package app_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/internal/app"
)

// testOperatorToken is an operator secret as long as Run requires.
const testOperatorToken = "rst_app-test-operator-0123456789abcdef"

// MustRun starts a Main on a free loopback port and closes it at the end of the test.
func MustRun(tb testing.TB, cfg app.Config) *app.Main {
	tb.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Stderr == nil {
		cfg.Stderr = io.Discard
	}
	m := app.New(cfg)
	if err := m.Run(context.Background()); err != nil {
		tb.Fatalf("Run: %v", err)
	}
	tb.Cleanup(func() { _ = m.Close() })
	return m
}

// status is the HTTP status of GET /v1/tenants with token.
func status(tb testing.TB, m *app.Main, token string) int {
	tb.Helper()
	c, err := client.New(m.URL(), token)
	if err != nil {
		tb.Fatal(err)
	}
	res, err := c.ListTenantsWithResponse(context.Background(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	return res.StatusCode()
}

var tokenLine = regexp.MustCompile(`(?m)^Roster operator token \(shown once, keep it\): (rst_\S+)$`)

func TestMain_generatedOperatorToken(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "roster.db")

	var first bytes.Buffer
	m := MustRun(t, app.Config{DB: db, Stderr: &first})
	match := tokenLine.FindStringSubmatch(first.String())
	if match == nil {
		t.Fatalf("first start printed %q, want the operator token line", first.String())
	}
	token := match[1]
	if got := status(t, m, token); got != http.StatusOK {
		t.Errorf("GET /v1/tenants with the printed token: %d, want 200", got)
	}
	if got := status(t, m, "rst_wrong"); got != http.StatusUnauthorized {
		t.Errorf("GET /v1/tenants with a wrong token: %d, want 401", got)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	var second bytes.Buffer
	m = MustRun(t, app.Config{DB: db, Stderr: &second})
	if second.Len() != 0 {
		t.Errorf("second start printed %q, want nothing: the token is shown once", second.String())
	}
	if got := status(t, m, token); got != http.StatusOK {
		t.Errorf("the first start's token after a restart: %d, want 200", got)
	}
}

func TestMain_bootstrapToken(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "roster.db")
	var out bytes.Buffer
	m := MustRun(t, app.Config{DB: db, BootstrapToken: "first-secret-for-the-bootstrap-test", Stderr: &out})
	if got := status(t, m, "first-secret-for-the-bootstrap-test"); got != http.StatusOK {
		t.Errorf("bootstrap token: %d, want 200", got)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	// A new ROSTER_BOOTSTRAP_TOKEN replaces the old one at the next start.
	m = MustRun(t, app.Config{DB: db, BootstrapToken: "second-secret-for-the-bootstrap-test", Stderr: &out})
	if got := status(t, m, "second-secret-for-the-bootstrap-test"); got != http.StatusOK {
		t.Errorf("new bootstrap token: %d, want 200", got)
	}
	if got := status(t, m, "first-secret-for-the-bootstrap-test"); got != http.StatusUnauthorized {
		t.Errorf("replaced bootstrap token: %d, want 401", got)
	}
	if strings.Contains(out.String(), "secret") {
		t.Errorf("stderr shows a secret: %q", out.String())
	}
}

func TestMain_defaultTenant(t *testing.T) {
	m := MustRun(t, app.Config{DB: "sqlite:" + filepath.Join(t.TempDir(), "roster.db"), BootstrapToken: testOperatorToken})
	c, err := client.New(m.URL(), testOperatorToken)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.GetTenantWithResponse(context.Background(), app.DefaultTenantID)
	if err := client.CheckResponse(res, err); err != nil {
		t.Fatalf("GET /v1/tenants/default: %v", err)
	}
}

// TestMain_closeFinishesRequestsInFlight sends a request whose body arrives
// slowly, closes the server while it is being read, and expects the request
// to be answered all the same.
func TestMain_closeFinishesRequestsInFlight(t *testing.T) {
	m := MustRun(t, app.Config{DB: "sqlite:" + filepath.Join(t.TempDir(), "roster.db"), BootstrapToken: testOperatorToken})

	body, w := io.Pipe()
	req, err := http.NewRequest(http.MethodPost, m.URL()+"/v1/tenants", body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testOperatorToken)
	req.Header.Set("Content-Type", "application/json")
	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		_ = res.Body.Close()
		done <- result{status: res.StatusCode}
	}()
	if _, err := io.WriteString(w, `{"id": "in-flight", `); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // let the server start reading the body

	closed := make(chan error, 1)
	go func() { closed <- m.Close() }()
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while a request was in flight", err)
	case <-time.After(200 * time.Millisecond):
	}
	if _, err := io.WriteString(w, `"name": "In flight"}`); err != nil {
		t.Fatal(err)
	}
	_ = w.Close()

	r := <-done
	if r.err != nil || r.status != http.StatusCreated {
		t.Errorf("in-flight request: status %d, err %v; want 201", r.status, r.err)
	}
	if err := <-closed; err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, err := http.Get(m.URL() + "/healthz"); err == nil {
		t.Error("the server still answers after Close")
	}
}

func TestMain_closeWithoutRun(t *testing.T) {
	m := app.New(app.Config{})
	for i := range 2 {
		if err := m.Close(); err != nil {
			t.Errorf("Close #%d: %v", i+1, err)
		}
	}
	if m.URL() != "" {
		t.Errorf("URL before Run = %q, want empty", m.URL())
	}
}

func TestMain_badDatabase(t *testing.T) {
	m := app.New(app.Config{Addr: "127.0.0.1:0", DB: "mysql://nope"})
	if err := m.Run(context.Background()); err == nil {
		_ = m.Close()
		t.Fatal("Run with an unsupported database: nil error")
	}
}

func TestMigrate(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "roster.db")
	for i := range 2 { // migrating an up-to-date database changes nothing
		if err := app.Migrate(context.Background(), dsn); err != nil {
			t.Fatalf("Migrate #%d: %v", i+1, err)
		}
	}
}

func TestRedactDSN(t *testing.T) {
	tests := []struct{ in, want string }{
		{"sqlite:roster.db", "sqlite:roster.db"},
		{"postgres://roster:s3cret@db:5432/roster?sslmode=disable", "postgres://roster:xxxxx@db:5432/roster?sslmode=disable"},
		{"postgres://db/roster?password=s3cret", "postgres://db/roster?password=xxxxx"},
		{"host=db user=roster password=s3cret dbname=roster", "host=db user=roster password=xxxxx …"},
	}
	for _, tt := range tests {
		got := app.RedactDSN(tt.in)
		if got != tt.want {
			t.Errorf("RedactDSN(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if strings.Contains(got, "s3cret") {
			t.Errorf("RedactDSN(%q) leaks the password", tt.in)
		}
	}
}
