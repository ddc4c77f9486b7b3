package gormstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/driver/postgres"

	"github.com/rosterhq/roster/internal/migrations"
)

// Pool defaults for PostgreSQL, per replica. Writes to one tenant queue on
// its tenant row lock, so connections beyond the writers of distinct tenants
// plus the readers (snapshot loads, lists, token lookups; checks never touch
// the database) only wait inside PostgreSQL. 16 keeps a few replicas well
// under PostgreSQL's default max_connections of 100; size
// replicas × pool_max_conns below the server's max_connections minus what
// admin tools and backups need (docs/deploy.md).
const (
	defaultPoolMaxConns = 16
	// poolMaxLifetime recycles connections so that a replica rebalances onto
	// a new primary or load-balanced PostgreSQL endpoint after a failover.
	poolMaxLifetime = 30 * time.Minute
	// poolMaxIdleTime closes connections a quiet replica no longer needs.
	poolMaxIdleTime = 5 * time.Minute
)

// Pool settings read from the DSN's query and removed before it reaches pgx
// (which would send unknown parameters to the server as settings).
const (
	paramMaxConns = "pool_max_conns"
	paramMaxIdle  = "pool_max_idle_conns"
)

// openPostgres connects through pgx (gorm.io/driver/postgres). The DSN is a
// libpq URL; besides pgx's own parameters (sslmode, connect_timeout,
// default_query_exec_mode=simple_protocol behind PgBouncer in transaction
// mode…) it takes pool_max_conns and pool_max_idle_conns.
func openPostgres(ctx context.Context, dsn string) (*Store, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, fmt.Errorf("gormstore: bad PostgreSQL URL %s", redact(dsn))
	}
	q := u.Query()
	maxConns, err := intParam(q, paramMaxConns, defaultPoolMaxConns)
	if err != nil {
		return nil, err
	}
	maxIdle, err := intParam(q, paramMaxIdle, maxConns)
	if err != nil {
		return nil, err
	}
	q.Del(paramMaxConns)
	q.Del(paramMaxIdle)
	u.RawQuery = q.Encode()

	// Errors translated: 23505 → gorm.ErrDuplicatedKey, 23503 → gorm.ErrForeignKeyViolated.
	db, sqlDB, err := openGorm(postgres.New(postgres.Config{DSN: u.String()}))
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(maxConns)
	sqlDB.SetMaxIdleConns(maxIdle)
	sqlDB.SetConnMaxLifetime(poolMaxLifetime)
	sqlDB.SetConnMaxIdleTime(poolMaxIdleTime)
	if err := sqlDB.PingContext(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("gormstore: ping: %w", err)
	}
	return &Store{db: db, writer: db, dialect: migrations.Postgres, now: func() time.Time { return time.Now().UTC() }}, nil
}

func intParam(q url.Values, name string, def int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("gormstore: %s must be a positive integer, not %q", name, v)
	}
	return n, nil
}

// maxAttempts bounds retries of a write that PostgreSQL aborted as a
// serialization failure or deadlock victim.
const maxAttempts = 5

// retry runs attempt until it succeeds, fails for another reason, or
// maxAttempts are spent. Writes take the tenant row lock first and run at
// READ COMMITTED, so these failures are rare (a deadlock between a tenant
// write and a tenant delete, say); the retry makes them invisible to callers.
func (s *Store) retry(ctx context.Context, attempt func() error) error {
	var err error
	for i := 0; i < maxAttempts; i++ {
		if err = attempt(); err == nil || !retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(1<<i) * 5 * time.Millisecond):
		}
	}
	return err
}

// retryable reports a PostgreSQL error that a fresh attempt may not meet:
// serialization_failure (40001) or deadlock_detected (40P01).
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}
