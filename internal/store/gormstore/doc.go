// Package gormstore implements rbac.Store with GORM on SQLite (and, with the
// same code, PostgreSQL). Each write method runs in one transaction that also
// bumps the tenant revision and appends the audit event, so a failed request
// leaves nothing behind. The schema comes from internal/migrations, never from
// AutoMigrate. On SQLite a process's write transactions queue on one mutex
// (Store.writers) rather than poll for SQLite's write lock; it is taken only
// around a top-level write transaction, never inside one.
package gormstore
