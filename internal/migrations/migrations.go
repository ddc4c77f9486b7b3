package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// Dialect names a SQL dialect with its own migration directory.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Dialects lists every dialect; each must hold the same versions.
var Dialects = []Dialect{SQLite, Postgres}

func provider(db *sql.DB, d Dialect) (*goose.Provider, error) {
	var gd goose.Dialect
	var opts []goose.ProviderOption
	switch d {
	case SQLite:
		gd = goose.DialectSQLite3
	case Postgres:
		gd = goose.DialectPostgres
		// Replicas that start together all migrate: a session-level advisory
		// lock makes one apply the pending migrations while the others wait,
		// then find nothing left to do.
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300)) // up to 5 min
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	default:
		return nil, fmt.Errorf("migrations: unknown dialect %q", d)
	}
	sub, err := fs.Sub(files, string(d))
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(gd, db, sub, opts...)
}

// Up applies every pending migration. It refuses a database whose schema is
// newer than this binary knows: an old binary must not touch it.
func Up(ctx context.Context, db *sql.DB, d Dialect) error {
	p, err := provider(db, d)
	if err != nil {
		return err
	}
	if err := checkNotNewer(ctx, p); err != nil {
		return err
	}
	_, err = p.Up(ctx)
	return err
}

// UpTo applies the pending migrations up to version v; the fixture tests
// use it to build databases as an older Roster left them.
func UpTo(ctx context.Context, db *sql.DB, d Dialect, v int64) error {
	p, err := provider(db, d)
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, v)
	return err
}

// Latest is the newest schema version this binary knows for d.
func Latest(d Dialect) (int64, error) {
	sub, err := fs.Sub(files, string(d))
	if err != nil {
		return 0, err
	}
	ms, err := fs.Glob(sub, "*.sql")
	if err != nil || len(ms) == 0 {
		return 0, fmt.Errorf("migrations: no migrations for %q", d)
	}
	var v int64
	_, err = fmt.Sscanf(ms[len(ms)-1], "%d_", &v)
	return v, err
}

// Version reads the database's current schema version (0 when unmigrated).
func Version(ctx context.Context, db *sql.DB, d Dialect) (int64, error) {
	p, err := provider(db, d)
	if err != nil {
		return 0, err
	}
	return p.GetDBVersion(ctx)
}

func checkNotNewer(ctx context.Context, p *goose.Provider) error {
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		// A fresh database has no version table yet: nothing to be newer.
		return nil
	}
	sources := p.ListSources()
	if latest := sources[len(sources)-1].Version; current > latest {
		return fmt.Errorf("migrations: database schema version %d is newer than this binary knows (%d); upgrade roster", current, latest)
	}
	return nil
}

// Check fails when the database's schema is behind this binary or newer than
// it knows: a server must not run against a schema it was not written for.
func Check(ctx context.Context, db *sql.DB, d Dialect) error {
	p, err := provider(db, d)
	if err != nil {
		return err
	}
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("migrations: reading schema version: %w", err)
	}
	sources := p.ListSources()
	latest := sources[len(sources)-1].Version
	switch {
	case current > latest:
		return fmt.Errorf("migrations: database schema version %d is newer than this binary knows (%d); upgrade roster", current, latest)
	case current < latest:
		return fmt.Errorf("migrations: database schema version %d is behind %d; run `roster migrate`", current, latest)
	}
	return nil
}
