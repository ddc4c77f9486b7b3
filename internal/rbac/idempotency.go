package rbac

import (
	"context"
	"time"
)

// Idempotency keys (openapi.yaml, Conventions): a write sent with an
// Idempotency-Key runs once; its answer is stored in the write's own
// transaction and a repeat of the same request gets that answer again.

// IdempotencyTTL is how long an answer is kept for replay.
const IdempotencyTTL = 24 * time.Hour

// EIdempotencyMismatch: the key was used for another request (422).
const EIdempotencyMismatch Code = "idempotency_key_mismatch"

// IdempotentRequest names one keyed request: Scope is the tenant ("" for
// operator-level writes), Caller the token's user id or "operator", Hash
// the request's method, path and body.
type IdempotentRequest struct {
	Scope, Caller, Key, Hash string
}

// IdempotentResponse is an answer as replayed: status, the headers worth
// replaying, and the body.
type IdempotentResponse struct {
	Status int
	Header map[string]string
	Body   []byte
}

// IdempotencyStore runs keyed writes.
type IdempotencyStore interface {
	// RunIdempotent answers the stored response when the key was used for
	// the same request within IdempotencyTTL (replayed), EInvalid-coded
	// EIdempotencyMismatch when it was used for another, and otherwise runs
	// fn with a context whose writes join one transaction that also stores
	// fn's answer when it is a 2xx: both commit or neither does. An error
	// from fn rolls everything back and stores nothing.
	RunIdempotent(ctx context.Context, req IdempotentRequest, now time.Time,
		fn func(ctx context.Context) (IdempotentResponse, error)) (resp IdempotentResponse, replayed bool, err error)
	// SweepIdempotencyKeys deletes up to limit answers stored before before.
	SweepIdempotencyKeys(ctx context.Context, before time.Time, limit int) (int, error)
	// InTransaction runs fn with a context whose writes all join one
	// transaction holding the tenant's write lock: they commit together when
	// fn returns nil, and none does when it returns an error (an atomic bulk).
	InTransaction(ctx context.Context, tenantID string, fn func(ctx context.Context) error) error
	// DryRun runs fn as InTransaction does; when fn returns nil it calls
	// inspect, still inside the transaction (the tenant's write lock held,
	// so no other write lands meanwhile), with the delta of fn's writes:
	// From the revision before fn, To after it, the changes between and the
	// state at To of what they name, as LoadDelta reads them but seeing the
	// transaction's own writes. Then it rolls everything back, always:
	// nothing fn wrote is ever committed. It returns fn's error, else
	// inspect's. A tenant that does not exist is ENotFound.
	DryRun(ctx context.Context, tenantID string, fn func(ctx context.Context) error, inspect func(d Delta) error) error
}
