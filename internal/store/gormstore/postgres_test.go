package gormstore_test

import (
	"context"
	"os"
	"testing"

	"github.com/rosterhq/roster/internal/rbac"
	"github.com/rosterhq/roster/internal/store/gormstore"
	"github.com/rosterhq/roster/internal/store/pgtest"
	"github.com/rosterhq/roster/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// migrated is the template every PostgreSQL test database is copied from.
func migrated(dsn string) error {
	s, err := gormstore.Open(context.Background(), dsn)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Migrate(context.Background())
}

// openPostgres returns a store on a fresh, migrated database of its own.
func openPostgres(t *testing.T) *gormstore.Store {
	t.Helper()
	dsn := pgtest.FromTemplate(t, "roster", migrated)
	s, err := gormstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CheckSchema(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPostgres(t *testing.T) {
	storetest.Run(t, func(t *testing.T) rbac.Store { return openPostgres(t) })
}
