package servertest

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/internal/auth"
	"github.com/rosterhq/roster/internal/live"
	"github.com/rosterhq/roster/internal/rbac"
	"github.com/rosterhq/roster/internal/store/gormstore"
	"github.com/rosterhq/roster/server"
)

// OperatorToken is the platform operator's secret in every Env.
const OperatorToken = "rst_test-operator-token"

// Env is a Roster served over loopback HTTP on a fresh SQLite file.
type Env struct {
	T       testing.TB
	URL     string
	Store   *gormstore.Store
	Engines *live.Engines
	// RepairsExpected is set by the one kind of test that corrupts the
	// database behind the engine's back on purpose; every other test fails
	// when its engines needed a repair.
	RepairsExpected bool
}

// New starts a server for the duration of the test. Options adjust the
// server's Config (a test that reads the logs passes its own Logger).
func New(t testing.TB, opts ...func(*server.Config)) *Env {
	t.Helper()
	ctx := context.Background()
	st, err := gormstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "roster.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.EnsureOperatorToken(ctx, auth.Hash(OperatorToken), true); err != nil {
		t.Fatal(err)
	}
	cfg := server.Config{Store: st, Logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.Engines == nil {
		cfg.Engines = live.New(st, cfg.Logger)
	}
	srv := httptest.NewServer(server.New(cfg))
	env := &Env{T: t, URL: srv.URL, Store: st, Engines: cfg.Engines}
	t.Cleanup(func() {
		srv.Close()
		if !env.RepairsExpected {
			MustVerify(t, cfg.Engines)
		}
		_ = st.Close()
	})
	return env
}

// Client returns a generated client that sends token and validates every
// response against the spec.
func (e *Env) Client(token string) *client.ClientWithResponses {
	e.T.Helper()
	hc := &http.Client{Transport: ValidatingTransport{T: e.T}}
	c, err := client.NewClientWithResponses(e.URL, client.WithHTTPClient(hc),
		client.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			return nil
		}))
	if err != nil {
		e.T.Fatal(err)
	}
	return c
}

// Operator is a client holding the operator token.
func (e *Env) Operator() *client.ClientWithResponses { return e.Client(OperatorToken) }

// Revision reads a tenant's revision straight from the store.
func (e *Env) Revision(tenantID string) int64 {
	e.T.Helper()
	tn, err := e.Store.GetTenant(context.Background(), tenantID)
	if err != nil {
		e.T.Fatal(err)
	}
	return tn.Revision
}

// AuditCount counts a tenant's audit events straight from the store.
func (e *Env) AuditCount(tenantID string) int {
	e.T.Helper()
	n, after := 0, ""
	for {
		evs, next, err := e.Store.ListAuditEvents(context.Background(), tenantID, rbac.AuditFilter{Page: rbac.Page{Limit: 1000, After: after}})
		if err != nil {
			e.T.Fatal(err)
		}
		n += len(evs)
		if next == "" {
			return n
		}
		after = next
	}
}

// MustVerify compares every engine with the database (live.Engines.Verify)
// and fails the test if any had to be repaired: a repair means the engine
// answered from a state the database never had, which no test may hide.
func MustVerify(t testing.TB, engines *live.Engines) {
	t.Helper()
	if err := engines.Verify(context.Background()); err != nil {
		t.Errorf("verifying the engines: %v", err)
	}
	if r := engines.Repairs(); len(r) > 0 {
		t.Errorf("engines differed from the database and were repaired (a bug): %v", r)
	}
}
