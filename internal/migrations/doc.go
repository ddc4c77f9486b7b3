// Package migrations holds Roster's versioned schema, one directory of goose
// SQL files per dialect with the same history, embedded in the binary. It
// imports only goose and database/sql.
//
// Timestamps are BIGINT microseconds since the Unix epoch (UTC) in every
// dialect: they sort and compare exactly in SQL, which SQLite's text times do not.
package migrations
