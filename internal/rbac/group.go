package rbac

import (
	"context"
	"time"
)

type Group struct {
	TenantID    string
	ID          string
	Name        string
	Description string
	ExternalID  string // the identity provider's id for it (SCIM externalId); "" when unset
	MemberCount int
	Version     int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

type GroupInput struct {
	Name        string
	Description string
	ExternalID  string
}

type GroupPatch struct {
	Name        *string
	Description *string
	ExternalID  *string // "" clears it
}

type GroupFilter struct {
	Search string
	// Exact matches, each applied when not empty: Name ignoring case,
	// ExternalID exactly, Member: the groups this user is a member of.
	Name       string
	ExternalID string
	Member     string
	Page
}

// GroupStore keeps groups, their members and the roles assigned to them.
// Member lists are all or nothing: an unknown user id is EInvalid naming
// `data[i].id`, a repeated one EInvalid naming `data[i]`, and nothing changes.
type GroupStore interface {
	ListGroups(ctx context.Context, tenantID string, f GroupFilter) (items []Group, next string, err error)
	GetGroup(ctx context.Context, tenantID, groupID string) (Group, error)
	// CreateGroup: EConflict when the name is taken ignoring case.
	CreateGroup(ctx context.Context, w Write, in GroupInput) (Group, int64, error)
	UpdateGroup(ctx context.Context, w Write, groupID string, p GroupPatch) (Group, int64, error)
	// DeleteGroup removes the group with its memberships and assignments.
	DeleteGroup(ctx context.Context, w Write, groupID string) (int64, error)

	ListGroupMembers(ctx context.Context, tenantID, groupID string, p Page) (items []User, next string, err error)
	// AddGroupMembers adds users; members already in stay (no-op when all are).
	AddGroupMembers(ctx context.Context, w Write, groupID string, userIDs []string) (int64, error)
	// RemoveGroupMembers removes users; known users who are not members are ignored.
	RemoveGroupMembers(ctx context.Context, w Write, groupID string, userIDs []string) (int64, error)
	// ReplaceGroupMembers makes the members exactly userIDs.
	ReplaceGroupMembers(ctx context.Context, w Write, groupID string, userIDs []string) (int64, error)

	// ListGroupAssignments lists the group's assignments that have not expired,
	// ordered by (role_id, organization_id); Assignment.UserID is empty.
	ListGroupAssignments(ctx context.Context, tenantID, groupID string, p Page) (items []Assignment, next string, err error)
	// AssignGroup follows Assign's rules (windows, scope, assignable roles;
	// the same role and scope again updates it). Single-role tenants do not
	// limit groups.
	AssignGroup(ctx context.Context, w Write, groupID string, in AssignmentInput) (a Assignment, created bool, rev int64, err error)
	UnassignGroup(ctx context.Context, w Write, groupID, roleID, organizationID string) (int64, error)
}
