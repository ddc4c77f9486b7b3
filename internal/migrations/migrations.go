package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

//go:embed sqlite/*.sql
var files embed.FS

// Dialect names a SQL dialect with its own migration directory.
type Dialect string

const SQLite Dialect = "sqlite"

func provider(db *sql.DB, d Dialect) (*goose.Provider, error) {
	var gd goose.Dialect
	switch d {
	case SQLite:
		gd = goose.DialectSQLite3
	default:
		return nil, fmt.Errorf("migrations: unknown dialect %q", d)
	}
	sub, err := fs.Sub(files, string(d))
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(gd, db, sub)
}

// Up applies every pending migration.
func Up(ctx context.Context, db *sql.DB, d Dialect) error {
	p, err := provider(db, d)
	if err != nil {
		return err
	}
	_, err = p.Up(ctx)
	return err
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
