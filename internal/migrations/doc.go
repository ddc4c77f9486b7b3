// Package migrations holds Roster's versioned schema, one directory of goose
// SQL files per dialect (sqlite/, postgres/) with the same history, embedded
// in the binary. It imports only goose and database/sql.
//
// Timestamps are BIGINT microseconds since the Unix epoch (UTC) in every
// dialect: they sort and compare exactly in SQL, which SQLite's text times do
// not. On PostgreSQL every text column is COLLATE "C", so ids order and
// compare bytewise as in SQLite whatever the database's default collation.
//
// Shipping a migration: add NNNNN_name.sql to both directories (a test fails
// when their histories differ), and add a new fixture whenever a migration
// ships: a database made with the previous head and realistic data, committed
// under testdata/ for both dialects (a SQLite file and a plain pg_dump
// --inserts), with a test that today's migrations bring it to head with every
// row intact. In upgrade_test.go, which does this for versions 1 to 3: write
// testdata/vN_data.sql, add a fixture for version N with a TestUpgrade_vN,
// and write its files once with ROSTER_WRITE_FIXTURES=vN go test -run
// TestUpgrade_vN. Committed fixtures are never regenerated: they are what
// older Roster versions left.
package migrations
