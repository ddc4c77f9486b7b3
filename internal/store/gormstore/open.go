package gormstore

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/rosterhq/roster/internal/migrations"
	"github.com/rosterhq/roster/internal/rbac"
)

// Store implements rbac.Store.
type Store struct {
	db *gorm.DB
	// writer opens every write transaction. On a SQLite file it is a pool of
	// one connection of its own: writers queue in Go and the next one starts
	// the moment the last commits, where 16 connections racing for SQLite's
	// write lock slept in its busy handler (1 to 100 ms a try) and a write's
	// p99 reached a second. Elsewhere it is db.
	writer    *gorm.DB
	pastRoles pastCache // see the package comment
	dialect   migrations.Dialect
	now       func() time.Time
}

var _ rbac.Store = (*Store)(nil)

// Open connects to dsn: "sqlite:PATH" (PATH may be ":memory:") or
// "postgres://…" / "postgresql://…" (see openPostgres). It does not migrate;
// call Migrate (or CheckSchema before serving).
func Open(ctx context.Context, dsn string) (*Store, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return openPostgres(ctx, dsn)
	}
	path, ok := strings.CutPrefix(dsn, "sqlite:")
	if !ok {
		return nil, fmt.Errorf("gormstore: unsupported database %q (want sqlite:PATH or postgres://…)", redact(dsn))
	}
	memory := path == ":memory:" || path == ""
	db, sqlDB, err := openGorm(sqlite.Open(sqliteDSN(path, memory)))
	if err != nil {
		return nil, err
	}
	if memory {
		// Every connection to ":memory:" is a separate database: keep one.
		sqlDB.SetMaxOpenConns(1)
	} else {
		// WAL lets readers run beside the one writer; more connections than
		// cores only add contention on the write lock.
		sqlDB.SetMaxOpenConns(16)
		sqlDB.SetMaxIdleConns(16)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("gormstore: ping: %w", err)
	}
	writer := db
	if !memory {
		w, wDB, err := openGorm(sqlite.Open(sqliteDSN(path, memory)))
		if err != nil {
			sqlDB.Close()
			return nil, err
		}
		wDB.SetMaxOpenConns(1)
		wDB.SetMaxIdleConns(1)
		wDB.SetConnMaxIdleTime(0)
		writer = w
	}
	return &Store{db: db, writer: writer, dialect: migrations.SQLite, now: func() time.Time { return time.Now().UTC() }}, nil
}

// openGorm opens a database the way both backends want it: driver errors
// translated (a unique violation is gorm.ErrDuplicatedKey), no
// transaction of GORM's own around each statement (every write already
// runs in one of ours), no logging, UTC.
func openGorm(d gorm.Dialector) (*gorm.DB, *sql.DB, error) {
	db, err := gorm.Open(d, &gorm.Config{
		TranslateError:         true,
		SkipDefaultTransaction: true,
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		return nil, nil, fmt.Errorf("gormstore: open: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, nil, err
	}
	return db, sqlDB, nil
}

// sqliteDSN turns on what Roster relies on: foreign keys (cascading deletes),
// WAL (readers never wait for the writer), a busy timeout instead of instant
// SQLITE_BUSY, and BEGIN IMMEDIATE so a write transaction takes the write lock
// up front rather than failing halfway when it upgrades from a read.
func sqliteDSN(path string, memory bool) string {
	q := url.Values{}
	q.Set("_foreign_keys", "on")
	q.Set("_busy_timeout", "10000")
	q.Set("_txlock", "immediate")
	if memory {
		return "file::memory:?" + q.Encode()
	}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "NORMAL")
	return "file:" + path + "?" + q.Encode()
}

func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		u.User = url.User(u.User.Username())
		return u.String()
	}
	return dsn
}

// Migrate brings the schema to the newest version.
func (s *Store) Migrate(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	if err := migrations.Up(ctx, sqlDB, s.dialect); err != nil {
		return err
	}
	return s.baselineHistory(ctx)
}

// CheckSchema fails unless the schema is exactly the version this binary knows.
func (s *Store) CheckSchema(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return migrations.Check(ctx, sqlDB, s.dialect)
}

// SetClock replaces the store's clock; tests use it to move time.
func (s *Store) SetClock(now func() time.Time) { s.now = now }

func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

func (s *Store) Close() error {
	if s.writer != s.db {
		if wDB, err := s.writer.DB(); err == nil {
			wDB.Close()
		}
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}
