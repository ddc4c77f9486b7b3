package rbac

import (
	"strconv"
	"time"
)

// OperatorID is what `assigned_by` and `actor_id` read for the platform operator,
// who has no user.
const OperatorID = "operator"

// The two system roles every tenant starts with.
const (
	AdminRoleID  = "role_admin"  // `*:*`, never assignable through the API
	MemberRoleID = "role_member" // the tenant's default role; only its permissions are editable
)

// Assignment modes of a tenant.
const (
	ModeMultiple = "multiple"
	ModeSingle   = "single"
)

// User statuses.
const (
	StatusActive   = "active"
	StatusDisabled = "disabled"
)

// Actor is who makes a request: a tenant user, or the platform operator.
type Actor struct {
	UserID   string // empty for the operator
	Operator bool
	// MintedBy is the minter of the request's token when someone other than
	// its user minted it (Token.MintedBy): a write's audit event names it in
	// details.token_minted_by, since whoever minted a token may act with it.
	MintedBy string
}

// ID is the actor as audit events and `assigned_by` show it.
func (a Actor) ID() string {
	if a.Operator {
		return OperatorID
	}
	return a.UserID
}

// Write carries what every write in a tenant needs: where, who, and the
// caller's If-Match precondition (empty for none).
type Write struct {
	TenantID string
	Actor    Actor
	IfMatch  string
	// Caller is whom the grant policy judges; nil for Roster itself.
	Caller *Caller
}

// ETag is the strong entity tag of a row version.
func ETag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// Page asks for up to Limit items with ids after After (keyset pagination).
type Page struct {
	Limit int
	After string
}

type Tenant struct {
	ID             string
	Name           string
	AssignmentMode string
	Revision       int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

type TenantInput struct {
	ID             string
	Name           string
	AssignmentMode string // empty means multiple
	// Admin, when set, is created holding role_admin, with a token whose
	// hash is AdminTokenHash (the secret never reaches the store).
	Admin          *UserInput
	AdminTokenHash string
}

type TenantPatch struct {
	Name           *string
	AssignmentMode *string
}

type TenantCreated struct {
	Tenant       Tenant
	AdminUser    *User
	AdminTokenID string
}

type Role struct {
	TenantID     string
	ID           string
	Name         string
	DisplayName  string
	Description  string
	System       bool
	Permissions  []string
	InheritsFrom []string
	Assignable   bool
	Default      bool
	Metadata     map[string]any
	UserCount    int
	Version      int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

type RoleInput struct {
	Name         string
	DisplayName  string
	Description  string
	Permissions  []string
	InheritsFrom []string
	Assignable   bool
	Metadata     map[string]any
}

// RolePatch updates the fields that are non-nil.
type RolePatch struct {
	Name         *string // immutable: a different value is 400
	DisplayName  *string
	Description  *string
	Permissions  *[]string
	InheritsFrom *[]string
	Assignable   *bool
	Metadata     *map[string]any
}

type RoleFilter struct {
	Search string
	Type   string // "", "system" or "custom"
	Page
}

type User struct {
	TenantID       string
	ID             string
	Email          string
	FirstName      string
	LastName       string
	ExternalUserID string
	// Username is the identity provider's login name (SCIM userName):
	// unique per tenant ignoring case when set, "" when not.
	Username  string
	Status    string
	Roles     []string // direct global roles, not expired, sorted
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

type UserInput struct {
	Email          string
	FirstName      string
	LastName       string
	ExternalUserID string
	Username       string
	Status         string // "" is active (SCIM may create a user deactivated)
	Roles          []string
}

// UserPatch updates the fields that are non-nil; Roles replaces the global direct roles.
type UserPatch struct {
	Email          *string
	FirstName      *string
	LastName       *string
	ExternalUserID *string
	Username       *string // "" clears it
	Status         *string
	Roles          *[]string
}

type UserFilter struct {
	Search  string
	RoleID  string
	GroupID string
	// Exact matches, each applied when not empty: Username and Email
	// ignoring case, ExternalUserID exactly (SCIM filters).
	Username       string
	Email          string
	ExternalUserID string
	// Login matches the user whose username is Login, or who has no
	// username and whose email is Login, ignoring case: a SCIM userName.
	Login string
	Page
}

// Assignment is a direct grant of a role to a user, global when
// OrganizationID is empty.
type Assignment struct {
	UserID           string
	RoleID           string
	RoleName         string
	RoleDisplayName  string
	OrganizationID   string
	OrganizationName string
	NotBefore        *time.Time
	ExpiresAt        *time.Time
	Reason           string
	AssignedBy       string
	AssignedAt       time.Time
}

// Status is "pending" before NotBefore, else "active" (expired ones are never returned).
func (a Assignment) Status(now time.Time) string {
	if a.NotBefore != nil && now.Before(*a.NotBefore) {
		return "pending"
	}
	return "active"
}

type AssignmentInput struct {
	RoleID         string
	OrganizationID string // empty: global
	NotBefore      *time.Time
	ExpiresAt      *time.Time
	Reason         string
	// KeepExisting leaves an assignment of the same role and scope as it is
	// (PUT /users/{id}/roles/{role_id} adds, it never rewrites a window).
	KeepExisting bool
}

type Organization struct {
	TenantID   string
	ID         string
	Name       string
	ExternalID string
	Version    int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

type OrganizationInput struct {
	Name       string
	ExternalID string
}

type OrganizationPatch struct {
	Name       *string
	ExternalID *string
}

// Token is a bearer credential. The operator's token has no tenant and no user.
type Token struct {
	ID         string
	TenantID   string
	UserID     string
	Name       string
	Scopes     []string // nil: not narrowed
	ExpiresAt  *time.Time
	LastUsedAt *time.Time
	CreatedAt  time.Time
	// MintedBy is who minted the token when that was not its own user: a
	// user id, or OperatorID; "" when its user did (or before schema 3).
	MintedBy string
}

// Operator reports whether the token is the platform operator's.
func (t Token) Operator() bool { return t.TenantID == "" }

type TokenInput struct {
	UserID    string
	Name      string
	Scopes    []string
	ExpiresAt *time.Time
	Hash      string // of the secret; the secret itself never reaches the store
}

type AuditEvent struct {
	ID         string
	TenantID   string
	At         time.Time
	ActorID    string
	Action     string
	TargetType string
	TargetID   string
	Details    map[string]any
}

type AuditFilter struct {
	ActorID  string
	TargetID string
	Action   string
	Since    *time.Time
	Page     // After is an event id; events come newest first
}
