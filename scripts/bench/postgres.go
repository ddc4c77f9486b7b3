package main

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/rosterhq/roster/internal/store/pgtest"
)

// envPostgres names a PostgreSQL server for -db postgres (a URL of a role
// that may CREATE DATABASE); unset, the benchmark starts a throwaway one
// from the installed binaries, with fsync off like the tests' (so the write
// figures are an upper bound for a durable server on the same disk).
const envPostgres = "ROSTER_BENCH_POSTGRES"

// stopPostgres stops the throwaway server, if one was started.
var stopPostgres = func() {}

// postgresDSN returns the URL of a new empty database for the benchmark.
func postgresDSN() (string, error) {
	admin := os.Getenv(envPostgres)
	if admin == "" {
		srv, err := pgtest.Start()
		if err != nil {
			return "", fmt.Errorf("-db postgres: %w (or set %s)", err, envPostgres)
		}
		stopPostgres = srv.Stop
		admin = srv.DSN("postgres")
	}
	name := fmt.Sprintf("roster_bench_%d", time.Now().UnixNano())
	db, err := sql.Open("pgx", admin)
	if err != nil {
		return "", err
	}
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		return "", err
	}
	u, err := url.Parse(admin)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}
