// Package server is Roster's HTTP layer: the echo application that New builds
// (body limit, recovery, request ids, request logging, authentication and
// authorization, the OpenAPI request validator) and the strict handlers that
// turn generated request types into rbac calls and back. errors.go is the one
// place where errors become application/problem+json.
//
// It talks to storage only through rbac.Store and must not import a database
// driver, GORM, or internal/app.
//
// Shared state across requests, and what holds of it (each file says more):
//
//   - the token cache (tokencache.go): a secret's token is trusted from the
//     cache for at most a second, and the change feed evicts a revoked token
//     or a changed user's tokens on this replica before the write answers;
//
//   - the middleware chains (chains.go): built once per method and route,
//     only ever added to; a request runs the chain Use would have built;
//
//   - the metrics series (metrics.go): looked up once per label set, only
//     ever added to; a cached series is the one WithLabelValues returns;
//
//   - request ids (ops.go): a counter behind a per-process random prefix,
//     so no two requests of one process get the same id;
//
//   - the evaluation engines (internal/live) and the rate limiter, which
//     hold their own locks and say so.
//
//   - the fast answers' body and answer buffers (fastcheck.go,
//     fastanswer.go): each is held by one request from Get to Put, and put
//     back only once nothing refers to it (the scan copies the values it
//     keeps; Blob has copied the answer out).
//
// Otherwise the read path's fast answers and the validator's route table
// (validator.go) hold no state of their own: they read the request and
// the engines as the handlers do.
package server
