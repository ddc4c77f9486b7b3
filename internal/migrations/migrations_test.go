package migrations_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/migrations"
	"github.com/rosterhq/roster/internal/store/pgtest"
)

// TestHistory_sameForEveryDialect: a migration shipped for one dialect only
// would leave the other's schema behind, so the file names must match.
func TestHistory_sameForEveryDialect(t *testing.T) {
	names := map[migrations.Dialect][]string{}
	for _, d := range migrations.Dialects {
		files, err := filepath.Glob(filepath.Join(string(d), "*.sql"))
		require.NoError(t, err)
		for _, f := range files {
			names[d] = append(names[d], filepath.Base(f))
		}
		require.NotEmpty(t, names[d], d)
	}
	require.Equal(t, names[migrations.SQLite], names[migrations.Postgres])
}

// TestNewerSchema_refused: a binary must neither serve nor migrate a schema
// newer than it knows (a newer replica already upgraded the database).
func TestNewerSchema_refused(t *testing.T) {
	open := map[migrations.Dialect]func(t *testing.T) *sql.DB{
		migrations.SQLite: func(t *testing.T) *sql.DB {
			db, err := sql.Open("sqlite3", "file:"+filepath.Join(t.TempDir(), "r.db"))
			require.NoError(t, err)
			return db
		},
		migrations.Postgres: func(t *testing.T) *sql.DB {
			db, err := sql.Open("pgx", pgtest.NewDatabase(t))
			require.NoError(t, err)
			return db
		},
	}
	for _, d := range migrations.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db := open[d](t)
			defer db.Close()
			require.Error(t, migrations.Check(ctx, db, d), "an empty database is behind")
			require.NoError(t, migrations.Up(ctx, db, d))
			require.NoError(t, migrations.Up(ctx, db, d), "a second Up has nothing to do")
			require.NoError(t, migrations.Check(ctx, db, d))
			latest, err := migrations.Latest(d)
			require.NoError(t, err)
			_, err = db.Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, TRUE)`, latest+1)
			require.NoError(t, err)
			require.ErrorContains(t, migrations.Check(ctx, db, d), "newer than this binary knows")
			require.ErrorContains(t, migrations.Up(ctx, db, d), "newer than this binary knows")
		})
	}
}

// TestUp_replicasStartingTogether: replicas migrate at start; the session
// lock makes one apply the migrations while the others wait and find none.
func TestUp_replicasStartingTogether(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	errs := make(chan error, 4)
	for i := 0; i < cap(errs); i++ {
		go func() {
			db, err := sql.Open("pgx", dsn)
			if err == nil {
				err = migrations.Up(context.Background(), db, migrations.Postgres)
				_ = db.Close()
			}
			errs <- err
		}()
	}
	for i := 0; i < cap(errs); i++ {
		require.NoError(t, <-errs)
	}
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, migrations.Check(context.Background(), db, migrations.Postgres))
}
