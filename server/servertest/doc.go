// Package servertest runs a real Roster handler on a temporary SQLite database
// for tests, and checks every response against openapi.yaml: a status code or
// field the spec does not document fails the test that caused it.
package servertest
