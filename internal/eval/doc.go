// Package eval is Roster's evaluation engine: one Tenant per tenant holds the
// roles, users and groups of an rbac.Snapshot, is patched incrementally as
// writes land, and answers checks (on a resource the user owns or not:
// owner-only patterns such as `todo:update:own` grant only on the user's
// own), effective permissions, evaluated roles with their sources, the
// paginated holders of a role or permission, and which user a name refers
// to (external_user_id, id or email: ResolveUser). Impact answers what-if:
// how a delta that was never applied (a dry run's) would change users'
// permissions, from a private copy of the users it reaches; the tenant
// itself is only read.
//
// Invariants (stated in full on Tenant): the state is always exactly the
// tenant's state at its revision, moved only by Apply under the write lock;
// queries read under the read lock; per-user caches are cleared under the
// write lock; the name indexes ResolveUser reads change only under the
// write lock, together with the users they name.
//
// It is pure: no I/O, no database, no HTTP, no clock of its own (every query
// takes `now`). It imports only the standard library, internal/rbac and
// github.com/google/btree.
package eval
