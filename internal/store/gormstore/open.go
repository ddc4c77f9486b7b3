package gormstore

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/rosterhq/roster/internal/migrations"
	"github.com/rosterhq/roster/internal/rbac"
)

// Store implements rbac.Store.
type Store struct {
	db      *gorm.DB
	dialect migrations.Dialect
	now     func() time.Time
	// writers queues this process's write transactions on SQLite, whose
	// one writer at a time is otherwise found by polling: a writer that
	// finds the lock taken sleeps in SQLite's busy handler (up to 100 ms a
	// try) and leaves the lock idle when it frees sooner. Queued here, the
	// next writer starts the moment the last one commits (the SCIM sync of
	// the bench, 8 clients, spent most of its p99 asleep). Invariant: held
	// only around a top-level write transaction (write, InTransaction,
	// RunIdempotent), never inside one, so it cannot deadlock.
	writers sync.Mutex
}

// queueWrite takes the writers' queue on SQLite; PostgreSQL's writers wait
// on the tenant row lock, without polling.
func (s *Store) queueWrite() (unlock func()) {
	if s.dialect != migrations.SQLite {
		return func() {}
	}
	s.writers.Lock()
	return s.writers.Unlock
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
	return &Store{db: db, dialect: migrations.SQLite, now: func() time.Time { return time.Now().UTC() }}, nil
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
	return migrations.Up(ctx, sqlDB, s.dialect)
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
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}
