// Package pgtest gives tests a real PostgreSQL: one throwaway server per test
// binary, started from the installed server binaries (initdb + pg_ctl, as the
// postgres user when run as root, unix socket in a temp dir, fsync off), or
// the server ROSTER_TEST_POSTGRES names. Each test gets its own database, so
// tests never see each other's rows. It imports only the standard library
// and pgx; it knows nothing of Roster's schema.
//
// Without a server it skips loudly, except under CI=true, where a skipped
// PostgreSQL test is a failure: CI installs PostgreSQL (.ci/run).
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// EnvDSN names an existing server to use instead of starting one: a URL of a
// role that may CREATE DATABASE, such as postgres://postgres@127.0.0.1:5432/postgres.
const EnvDSN = "ROSTER_TEST_POSTGRES"

var (
	mu        sync.Mutex
	admin     string  // DSN of the maintenance database; "" when none
	why       string  // why there is no server
	local     *Server // the server Main started, if any
	templates = map[string]string{}
)

// Main starts (or finds) the shared server, runs the tests and stops the
// server again. Call it from TestMain: os.Exit(pgtest.Main(m)).
func Main(m *testing.M) int {
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		admin = dsn
	} else if srv, err := Start(); err != nil {
		why = err.Error()
	} else {
		local, admin = srv, srv.DSN("postgres")
	}
	code := m.Run()
	if local != nil {
		local.Stop() // the templates and databases go with it
	} else {
		for _, tmpl := range templates {
			_ = execSQL(admin, "DROP DATABASE IF EXISTS "+tmpl+" WITH (FORCE)")
		}
	}
	return code
}

// Available reports whether a server is there; tests that only report on
// PostgreSQL (benchmarks, say) may use it to stay quiet.
func Available() bool { return admin != "" }

// require skips t (fails it under CI=true) when there is no server.
func require(t testing.TB) {
	t.Helper()
	if admin != "" {
		return
	}
	msg := "PostgreSQL tests SKIPPED: " + why +
		" — install PostgreSQL's server binaries (Debian: apt-get install postgresql) or set " + EnvDSN
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// NewDatabase creates an empty database for t and returns its DSN; it is
// dropped when t ends if the server is not a throwaway one.
func NewDatabase(t testing.TB) string {
	t.Helper()
	return newDatabase(t, "")
}

// FromTemplate returns the DSN of a new database for t copied from the
// database named name, which prepare fills the first time any test of the
// binary asks (a migrated schema, say): copying is much faster than
// migrating each time.
func FromTemplate(t testing.TB, name string, prepare func(dsn string) error) string {
	t.Helper()
	require(t)
	mu.Lock()
	tmpl, ok := templates[name]
	if !ok {
		tmpl = name + "_" + randomSuffix()
		if err := execSQL(admin, "CREATE DATABASE "+tmpl); err != nil {
			mu.Unlock()
			t.Fatal(err)
		}
		if err := prepare(withDatabase(admin, tmpl)); err != nil {
			mu.Unlock()
			t.Fatalf("pgtest: preparing template %s: %v", name, err)
		}
		templates[name] = tmpl
	}
	mu.Unlock()
	return newDatabase(t, tmpl)
}

func newDatabase(t testing.TB, template string) string {
	t.Helper()
	require(t)
	name := "t_" + randomSuffix()
	stmt := "CREATE DATABASE " + name
	if template != "" {
		stmt += " TEMPLATE " + template
	}
	// CREATE DATABASE … TEMPLATE fails while another session is connected
	// to the template; the lock serialises the copies of this binary.
	mu.Lock()
	err := execSQL(admin, stmt)
	mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if local == nil {
		t.Cleanup(func() { _ = execSQL(admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	}
	return withDatabase(admin, name)
}

// Admin returns the DSN of the server's maintenance database (skipping t
// when there is none): for pg_terminate_backend and the like.
func Admin(t testing.TB) string {
	t.Helper()
	require(t)
	return admin
}

// Local returns the server this binary started, or nil (skipping t when
// there is no server at all): tests that restart it need it.
func Local(t testing.TB) *Server {
	t.Helper()
	require(t)
	return local
}

func execSQL(dsn, stmt string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("pgtest: %s: %w", stmt, err)
	}
	return nil
}

// withDatabase returns dsn naming database name instead.
func withDatabase(dsn, name string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		panic(fmt.Sprintf("pgtest: bad DSN: %v", err))
	}
	u.Path = "/" + name
	return u.String()
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
