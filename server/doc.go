// Package server is Roster's HTTP layer: the echo application that New builds
// (body limit, recovery, request ids, request logging, authentication and
// authorization, the OpenAPI request validator) and the strict handlers that
// turn generated request types into rbac calls and back. errors.go is the one
// place where errors become application/problem+json.
//
// It talks to storage only through rbac.Store and must not import a database
// driver, GORM, or internal/app.
package server
