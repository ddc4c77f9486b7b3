package rbac

import "time"

// Grant is a role held in a scope (OrgID "" = global) within a time window,
// as evaluation sees it.
type Grant struct {
	RoleID    string
	OrgID     string
	NotBefore *time.Time
	ExpiresAt *time.Time
}

// SnapshotRole is a role as evaluation sees it.
type SnapshotRole struct {
	ID          string
	Permissions []string
	Parents     []string
	Default     bool
}

// SnapshotUser is a user as evaluation sees it: status, direct grants, and
// the names it may be referred to by besides its id (a check's owner, an
// AuthZEN subject): its email (matched ignoring case) and its
// external_user_id ("" when it has none).
type SnapshotUser struct {
	ID         string
	Active     bool
	Grants     []Grant
	Email      string
	ExternalID string
}

// SnapshotGroup is a group as evaluation sees it: members and grants.
type SnapshotGroup struct {
	ID      string
	Members []string
	Grants  []Grant
}

// Snapshot is everything evaluation needs of one tenant, as of Revision.
type Snapshot struct {
	Revision int64
	Roles    []SnapshotRole
	Users    []SnapshotUser
	Groups   []SnapshotGroup
}

// IndexBy maps items by the id key gives each (the last wins on a repeat).
func IndexBy[T any](items []T, key func(T) string) map[string]T {
	m := make(map[string]T, len(items))
	for _, it := range items {
		m[key(it)] = it
	}
	return m
}
