// Package rbac holds Roster's domain: tenants, roles, users, organizations,
// assignments, tokens and audit events, the error codes every layer speaks,
// and the Store interface whose contract the storage backends implement.
//
// It imports nothing from the HTTP layer or from any database driver.
package rbac
