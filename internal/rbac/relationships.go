package rbac

import "context"

// RoleAssigneeStore keeps the JSON:API relationship of a role to the users
// holding it directly and globally (openapi.yaml, tag "Relationships"). Lists are all
// or nothing, checked like group member lists: a repeated user id is
// EInvalid naming `data[i]`, an unknown one EInvalid naming `data[i].id`;
// then an unknown role is ENotFound; then Add and Replace answer EInvalid
// naming `role_id` ("role is not assignable") for a role the API may never
// grant, whatever the list holds. A request that changes nothing moves
// neither the revision nor the audit log.
//
// Each write leaves one audit event (action `role.assignees.add|replace|
// remove`, target the role) whose details list `added` and `removed` user
// ids, `replaced` (single-role tenants: user id → the global roles it lost)
// and `affected_users`, every user whose assignments changed.
type RoleAssigneeStore interface {
	// ListRoleAssignees lists, ordered by id, the users with a direct global
	// assignment of the role that has not expired (pending ones included).
	ListRoleAssignees(ctx context.Context, tenantID, roleID string, p Page) (items []User, next string, err error)
	// AddRoleAssignees assigns the role globally to users who do not hold it;
	// those who do keep their assignment as it is. In a single-role tenant it
	// moves each listed user to this role: their other global direct roles go.
	AddRoleAssignees(ctx context.Context, w Write, roleID string, userIDs []string) (int64, error)
	// ReplaceRoleAssignees makes the users holding the role globally exactly
	// userIDs (moving them to it in a single-role tenant, as Add does).
	ReplaceRoleAssignees(ctx context.Context, w Write, roleID string, userIDs []string) (int64, error)
	// RemoveRoleAssignees removes the users' global assignment of the role;
	// known users who do not hold it are ignored.
	RemoveRoleAssignees(ctx context.Context, w Write, roleID string, userIDs []string) (int64, error)
}
