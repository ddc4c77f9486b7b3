// Package gormstore implements rbac.Store with GORM on SQLite (and, with the
// same code, PostgreSQL). Each write method runs in one transaction that also
// bumps the tenant revision, appends the audit event and stores the history
// of what it changed, so a failed request leaves nothing behind. The schema
// comes from internal/migrations, never from AutoMigrate.
//
// Shared state and its invariants:
//   - writer: on a SQLite file, one connection that every write transaction
//     takes in turn (SQLite has one writer); reads use the other pool.
//   - pastRoles: the roles, organizations and role deletions of a tenant at
//     a past revision, as history gives them. An entry is immutable once
//     stored: rows at or below a revision never change (a prune deletes only
//     rows a newer one at or below its cut-off supersedes, which no read at
//     or after the cut-off uses), so an entry is never stale; its mutex
//     guards the map, not the entries.
package gormstore
