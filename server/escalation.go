package server

// The grant policy (docs/security.md, "The grant policy": no escalation, stronger
// users, the last administrator, roles guarded whole, time limits) is
// decided by the store inside each write's transaction (gormstore's
// policy.go), where nothing it reads can change before the write commits.
// The server's part is to say who is asking: write() captures the caller
// (principal.policyCaller) before the transaction, and the token rules that
// depend on the caller's own token live in tokens.go.
