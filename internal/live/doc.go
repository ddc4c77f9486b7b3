// Package live keeps one evaluation engine (internal/eval) per tenant in step
// with the database. The audit log is the change feed: every write request
// leaves one event carrying the revision it produced and its target, so
// catching up from revision N means reloading only the users, roles and
// groups that the events after N name — a write costs a few small queries of
// re-evaluation, never a rebuild of the tenant.
//
// It imports internal/rbac and internal/eval, and reaches the database only
// through rbac.EvalSource.
package live
