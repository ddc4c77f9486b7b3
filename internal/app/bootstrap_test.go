package app_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/internal/app"
)

// TestMain_shortBootstrapToken: an operator secret under 32 characters stops
// the server before it opens the database, with a message that says why
// and does not repeat the secret.
func TestMain_shortBootstrapToken(t *testing.T) {
	for _, token := range []string{"x", "op-replica-test-secret", strings.Repeat("s", 31), strings.Repeat("é", 31)} {
		path := filepath.Join(t.TempDir(), "roster.db")
		m := app.New(app.Config{Addr: "127.0.0.1:0", DB: "sqlite:" + path, BootstrapToken: token})
		err := m.Run(context.Background())
		_ = m.Close()
		if err == nil {
			t.Fatalf("a %d-character ROSTER_BOOTSTRAP_TOKEN started the server", len([]rune(token)))
		}
		if !strings.Contains(err.Error(), "ROSTER_BOOTSTRAP_TOKEN must be at least 32 characters") {
			t.Errorf("error %q does not say what is wrong", err)
		}
		if len(token) > 1 && strings.Contains(err.Error(), token) {
			t.Errorf("error %q shows the secret", err)
		}
		if _, statErr := os.Stat(path); !errors.Is(statErr, os.ErrNotExist) {
			t.Errorf("the database was opened before the token was checked: %v", statErr)
		}
	}
	MustRun(t, app.Config{DB: "sqlite:" + filepath.Join(t.TempDir(), "roster.db"), BootstrapToken: strings.Repeat("s", 32)})
}

// TestMain_cursorsAcrossReplicas: two replicas of one installation (one
// database, one ROSTER_BOOTSTRAP_TOKEN) accept each other's cursors, since
// a load balancer may send the next page to either, and so does a replica
// restarted in between; a key of each process's own would fail both.
func TestMain_cursorsAcrossReplicas(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "roster.db")
	a := MustRun(t, app.Config{DB: db, BootstrapToken: testOperatorToken})
	b := MustRun(t, app.Config{DB: db, BootstrapToken: testOperatorToken})
	ctx := context.Background()
	ca, err := client.New(a.URL(), testOperatorToken)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"t1", "t2"} {
		res, err := ca.CreateTenantWithResponse(ctx, client.TenantCreate{Id: id, Name: id})
		if err := client.CheckResponse(res, err); err != nil {
			t.Fatal(err)
		}
	}
	one := 1
	first, err := ca.ListTenantsWithResponse(ctx, &client.ListTenantsParams{Limit: &one})
	if err := client.CheckResponse(first, err); err != nil {
		t.Fatal(err)
	}
	next := first.JSON200.NextCursor
	if next == nil {
		t.Fatal("three tenants, one a page, and no next page")
	}

	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	restarted := MustRun(t, app.Config{DB: db, BootstrapToken: testOperatorToken})
	for name, m := range map[string]*app.Main{"the other replica": b, "the restarted replica": restarted} {
		c, err := client.New(m.URL(), testOperatorToken)
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.ListTenantsWithResponse(ctx, &client.ListTenantsParams{Limit: &one, Cursor: next})
		if err := client.CheckResponse(res, err); err != nil {
			t.Errorf("%s refused the cursor: %v", name, err)
		}
	}
}
