// Package live keeps one evaluation engine (internal/eval) per tenant in step
// with the database. The audit log is the change feed: every write leaves
// one event carrying the revision it produced, its target and the users it
// changed, in the same transaction, so revisions are dense (one change per
// revision). Catching up from revision N reads, in one consistent read, the
// changes after N up to the head and the state at the head of everything
// they name (rbac.EvalSource.LoadDelta), and applies it to the engine in one
// step (eval.Tenant.Apply) — a write costs a few small queries, never a
// rebuild of the tenant.
//
// Invariants (each guarded where it is stated; internal/live's tests hold
// them under concurrent writers and readers):
//   - An engine's revision moves only by applying the next delta, which
//     starts exactly at it; nothing sets a revision without its changes. A
//     gap in the feed is an error, never skipped; a full snapshot is the only
//     other way forward.
//   - entry.known, the newest revision this process knows committed (its
//     own writes through Notify, other replicas' through Poll), only rises
//     (raise, a CAS max); Get never answers from an engine older than it.
//   - One goroutine per tenant syncs at a time (entry.syncMu); readers of an
//     engine that is new enough never wait for it.
//   - A forgotten entry is dead: a sync in flight may finish on it (and
//     answer its own caller), but no later Get reads it, and nothing it does
//     reaches the entry that replaces it.
//   - Verify compares every engine with the database in the background and
//     repairs (and counts, and logs at ERROR) what differs, users' emails
//     and external ids included as the engine's name indexes hold them
//     (eval.View.Export): with the invariants above the count stays 0.
//
// It imports internal/rbac and internal/eval, and reaches the database only
// through rbac.EvalSource.
package live
