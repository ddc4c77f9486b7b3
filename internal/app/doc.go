// Package app wires Roster together: it opens and migrates the store,
// bootstraps the operator token and the `default` tenant, and serves the HTTP
// app of package server with production timeouts until Close. The roster
// binary (server/cmd/roster) and end-to-end tests both use Main, so what the
// tests start is what runs in production.
//
// It is the one package that may import both server and the store
// implementations; nothing imports it but main and tests.
package app
