// Package gormstore implements rbac.Store with GORM on SQLite (and, with the
// same code, PostgreSQL). Each write method runs in one transaction that also
// bumps the tenant revision and appends the audit event, so a failed request
// leaves nothing behind. The schema comes from internal/migrations, never from
// AutoMigrate.
package gormstore
