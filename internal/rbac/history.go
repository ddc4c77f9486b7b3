package rbac

import (
	"context"
	"time"
)

// Grant sources in a role history (as in evaluated roles' sources).
const (
	SourceDirect = "direct"
	SourceGroup  = "group"
)

// GrantInterval is one span in which a user held a role, directly or
// through a group: from when it took effect until it was taken away
// (RevokedBy names who) or ran out (Until is its expiry, RevokedBy empty);
// Until nil while it lasts.
type GrantInterval struct {
	RoleID         string
	OrganizationID string
	Source         string // SourceDirect or SourceGroup
	GroupID        string
	From           time.Time
	Until          *time.Time
	GrantedBy      string
	RevokedBy      string
	Reason         string
}

// HistoryStore answers from the past: every write stores the state it
// leaves in the same transaction (nothing changes the present without
// leaving its past), so any revision since the history's start can be read
// back exactly.
type HistoryStore interface {
	// RevisionAt is the tenant's revision in force at the instant at.
	// EInvalid naming "at" when at is before the oldest
	// history kept (the message names the earliest instant available); an
	// instant in the future answers the current revision (callers refuse it).
	RevisionAt(ctx context.Context, tenantID string, at time.Time) (int64, error)
	// SnapshotAt is the tenant's whole evaluation state at rev, grants that
	// had expired by then included (evaluation at an instant decides).
	SnapshotAt(ctx context.Context, tenantID string, rev int64) (Snapshot, error)
	// UserSnapshotAt is the part of the state at rev that evaluating userID
	// needs: the user, every role, the groups it was in. ENotFound "user"
	// when the user did not exist then.
	UserSnapshotAt(ctx context.Context, tenantID, userID string, rev int64) (Snapshot, error)
	// RoleHistory lists every interval in which the user held a role,
	// newest first; roleID "" for every role.
	RoleHistory(ctx context.Context, tenantID, userID, roleID string, p Page) (items []GrantInterval, next string, err error)
	// PruneHistory forgets the history of the tenant before the instant
	// before (the state at it is kept), deleting at most limit rows.
	PruneHistory(ctx context.Context, tenantID string, before time.Time, limit int) (int, error)
}
