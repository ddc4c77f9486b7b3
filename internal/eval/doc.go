// Package eval is Roster's evaluation engine: one Tenant per tenant holds the
// roles, users and groups of an rbac.Snapshot, is patched incrementally as
// writes land, and answers checks, effective permissions, evaluated roles
// with their sources, and the paginated holders of a role or permission.
//
// It is pure: no I/O, no database, no HTTP, no clock of its own (every query
// takes `now`). It imports only the standard library, internal/rbac and
// github.com/google/btree.
package eval
