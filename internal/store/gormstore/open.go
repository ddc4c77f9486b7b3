// Package gormstore implements rbac.Store with GORM (TEMPORARY STUB while the real one is written).
package gormstore

import (
	"context"

	"github.com/rosterhq/roster/internal/rbac"
)

// Store implements rbac.Store.
type Store struct{ rbac.Store }

// Open connects to dsn: "sqlite:PATH" (PATH may be ":memory:") or "postgres://…".
// It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string) (*Store, error) { panic("stub") }

// Migrate brings the schema to the newest version.
func (s *Store) Migrate(ctx context.Context) error { panic("stub") }
