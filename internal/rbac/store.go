package rbac

import (
	"context"
	"time"
)

// Store is Roster's persistence, one implementation per database. Every method
// that writes runs in one transaction: the change, the tenant revision bump and
// the audit event commit together or not at all. A write that changes nothing
// moves neither the revision nor the audit log and still returns the current
// revision. Errors are *Error values; a missing row is ENotFound, never nil, nil.
//
// Write methods check, in this order: body fields that need no lookup (EInvalid),
// ids referenced from the body (EInvalid naming the field), ids in the path
// (ENotFound), w.IfMatch against the row's ETag (EPrecondition), conflicts (EConflict).
type Store interface {
	TenantStore
	RoleStore
	UserStore
	AssignmentStore
	OrganizationStore
	GroupStore
	RoleAssigneeStore
	TokenStore
	AuditStore
	EvalSource
	HistoryStore
	IdempotencyStore

	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	Close() error
}

type TenantStore interface {
	// CreateTenant creates the tenant with role_admin and role_member, and the
	// admin user (holding role_admin, assigned by the operator) and its token
	// when in.Admin is set. EConflict if the id is taken.
	CreateTenant(ctx context.Context, actor Actor, in TenantInput) (TenantCreated, error)
	GetTenant(ctx context.Context, id string) (Tenant, error)
	// AddTenantAdmin makes the user with in.Email (created if missing,
	// enabled if disabled) hold role_admin directly and gives it a token
	// with hash tokenHash: the only write that grants role_admin.
	// ENotFound for no tenant.
	AddTenantAdmin(ctx context.Context, w Write, in UserInput, tokenHash string) (User, int64, error)
	ListTenants(ctx context.Context, p Page) (items []Tenant, next string, err error)
	// UpdateTenant returns the tenant as it is after the patch.
	UpdateTenant(ctx context.Context, actor Actor, id string, p TenantPatch) (Tenant, error)
	// DeleteTenant removes the tenant and everything in it.
	DeleteTenant(ctx context.Context, id string) error
}

type RoleStore interface {
	ListRoles(ctx context.Context, tenantID string, f RoleFilter) (items []Role, next string, err error)
	GetRole(ctx context.Context, tenantID, roleID string) (Role, error)
	// CreateRole: EConflict when the name is taken ignoring case; EInvalid for
	// unknown or non-assignable inherits_from ids.
	CreateRole(ctx context.Context, w Write, in RoleInput) (Role, int64, error)
	// UpdateRole: EInvalid for a changed name, a cycle, unknown or
	// non-assignable parents, or changes to system roles other than
	// role_member's permissions.
	UpdateRole(ctx context.Context, w Write, roleID string, p RolePatch) (Role, int64, error)
	// DeleteRole removes the role and its assignments. EInvalid for system
	// roles; EConflict while another role inherits from it.
	DeleteRole(ctx context.Context, w Write, roleID string) (int64, error)
}

type UserStore interface {
	ListUsers(ctx context.Context, tenantID string, f UserFilter) (items []User, next string, err error)
	GetUser(ctx context.Context, tenantID, userID string) (User, error)
	// GetUsers returns the users with these ids in the order given, skipping
	// ids that do not exist (a page of reverse evaluation, say).
	GetUsers(ctx context.Context, tenantID string, ids []string) ([]User, error)
	// CreateUser: EConflict for a taken email (ignoring case) or external id;
	// EInvalid naming `roles[i]` for unknown or non-assignable roles.
	CreateUser(ctx context.Context, w Write, in UserInput) (User, int64, error)
	UpdateUser(ctx context.Context, w Write, userID string, p UserPatch) (User, int64, error)
	// DeleteUser removes the user with its assignments and tokens.
	DeleteUser(ctx context.Context, w Write, userID string) (int64, error)
}

type AssignmentStore interface {
	// ListAssignments lists the user's direct assignments that have not expired,
	// ordered by (role_id, organization_id).
	ListAssignments(ctx context.Context, tenantID, userID string, p Page) (items []Assignment, next string, err error)
	// Assign creates the assignment (created=true) or, for the same role and
	// scope, updates its window and reason. EInvalid naming `role_id`,
	// `scope.organization_id`, `expires_at` for bad references or windows.
	Assign(ctx context.Context, w Write, userID string, in AssignmentInput) (a Assignment, created bool, rev int64, err error)
	// ReplaceAssignments makes the user's direct assignments exactly `in`
	// (fields named `assignments[i].…`), all or nothing.
	ReplaceAssignments(ctx context.Context, w Write, userID string, in []AssignmentInput) ([]Assignment, int64, error)
	// Unassign removes one assignment; ENotFound when the user does not hold it.
	Unassign(ctx context.Context, w Write, userID, roleID, organizationID string) (int64, error)
}

type OrganizationStore interface {
	ListOrganizations(ctx context.Context, tenantID string, p Page) (items []Organization, next string, err error)
	GetOrganization(ctx context.Context, tenantID, orgID string) (Organization, error)
	CreateOrganization(ctx context.Context, w Write, in OrganizationInput) (Organization, int64, error)
	UpdateOrganization(ctx context.Context, w Write, orgID string, p OrganizationPatch) (Organization, int64, error)
	// DeleteOrganization removes it with every assignment scoped to it.
	DeleteOrganization(ctx context.Context, w Write, orgID string) (int64, error)
}

type TokenStore interface {
	// EnsureOperatorToken makes the operator token's hash `hash`. With
	// replace=false it only creates one when none exists, and reports whether it did.
	EnsureOperatorToken(ctx context.Context, hash string, replace bool) (created bool, err error)
	// Authenticate finds the token with this hash, with MintedBy set when
	// someone else than its user minted it. EUnauthorized when there is
	// none, it expired, or its user is disabled.
	Authenticate(ctx context.Context, hash string, now time.Time) (Token, error)
	// TouchToken records last use, to the minute; it is not audited.
	TouchToken(ctx context.Context, tokenID string, at time.Time) error
	ListTokens(ctx context.Context, tenantID, userID string, p Page) (items []Token, next string, err error)
	// CreateToken records w.Actor as the minter when it is not the token's
	// user (tenant creation and AddTenantAdmin: the operator). Every write
	// made with such a token names the minter in its audit event's details
	// (token_minted_by).
	CreateToken(ctx context.Context, w Write, in TokenInput) (Token, int64, error)
	RevokeToken(ctx context.Context, w Write, userID, tokenID string) (int64, error)
}

type AuditStore interface {
	ListAuditEvents(ctx context.Context, tenantID string, f AuditFilter) (items []AuditEvent, next string, err error)
}
