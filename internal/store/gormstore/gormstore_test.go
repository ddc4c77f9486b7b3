package gormstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/rosterhq/roster/internal/rbac"
	"github.com/rosterhq/roster/internal/store/gormstore"
	"github.com/rosterhq/roster/internal/store/storetest"
)

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) rbac.Store {
		s, err := gormstore.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "roster.db"))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := s.CheckSchema(context.Background()); err != nil {
			t.Fatal(err)
		}
		return s
	})
}
