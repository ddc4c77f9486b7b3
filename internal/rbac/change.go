package rbac

import (
	"context"
	"slices"
)

// Target is the kind of entity a write names as its subject.
type Target string

const (
	TargetTenant       Target = "tenant"
	TargetUser         Target = "user"
	TargetRole         Target = "role"
	TargetGroup        Target = "group"
	TargetOrganization Target = "organization"
	TargetToken        Target = "token"
)

// Action is what a write did, as its audit event and change feed name it.
type Action string

const (
	ActionTenantCreate Action = "tenant.create"
	ActionTenantUpdate Action = "tenant.update"
	// ActionTenantAdminAdd names its user as target: it grants role_admin.
	ActionTenantAdminAdd Action = "tenant.admin.add"

	ActionRoleCreate          Action = "role.create"
	ActionRoleUpdate          Action = "role.update"
	ActionRoleDelete          Action = "role.delete"
	ActionRoleAssigneesAdd    Action = "role.assignees.add"
	ActionRoleAssigneesRemove Action = "role.assignees.remove"
	ActionRoleAssigneesSet    Action = "role.assignees.replace"

	ActionUserCreate Action = "user.create"
	ActionUserUpdate Action = "user.update"
	ActionUserDelete Action = "user.delete"

	ActionAssignmentCreate  Action = "assignment.create"
	ActionAssignmentUpdate  Action = "assignment.update"
	ActionAssignmentReplace Action = "assignment.replace"
	ActionAssignmentDelete  Action = "assignment.delete"

	ActionGroupCreate           Action = "group.create"
	ActionGroupUpdate           Action = "group.update"
	ActionGroupDelete           Action = "group.delete"
	ActionGroupMembersAdd       Action = "group.members.add"
	ActionGroupMembersRemove    Action = "group.members.remove"
	ActionGroupMembersReplace   Action = "group.members.replace"
	ActionGroupAssignmentCreate Action = "group.assignment.create"
	ActionGroupAssignmentUpdate Action = "group.assignment.update"
	ActionGroupAssignmentDelete Action = "group.assignment.delete"

	ActionOrganizationCreate Action = "organization.create"
	ActionOrganizationUpdate Action = "organization.update"
	ActionOrganizationDelete Action = "organization.delete"

	ActionTokenCreate Action = "token.create"
	ActionTokenRevoke Action = "token.revoke"
)

// Change is one write that moved a tenant's revision by one: the audit
// event's action and target, and AffectedUsers, the users whose direct grants
// it changed besides its target (a role's assignee list, the holders of a
// deleted role or organization). Changes are the feed evaluation follows.
type Change struct {
	Revision      int64
	Action        Action
	Target        Target
	TargetID      string
	AffectedUsers []string
}

// Named is the evaluation state a set of changes touched: the users, roles
// and groups whose state must be read again, and the deletions whose effects
// reach entities the changes do not name (a deleted role's grants on groups,
// a deleted organization's scoped grants, a deleted user's memberships).
type Named struct {
	Users, Roles, Groups []string // sorted, distinct
	// Deleted lists, in feed order, the changes that deleted a role, group,
	// user or organization.
	Deleted []Change
}

// Name lists what changes touched. It is the one place that reads a change
// for evaluation: the store loads what it names, the engine applies it.
func Name(changes []Change) Named {
	var n Named
	for _, c := range changes {
		n.Users = append(n.Users, c.AffectedUsers...)
		switch c.Target {
		case TargetUser:
			n.Users = append(n.Users, c.TargetID)
		case TargetRole:
			n.Roles = append(n.Roles, c.TargetID)
		case TargetGroup:
			n.Groups = append(n.Groups, c.TargetID)
		}
		switch c.Action {
		case ActionRoleDelete, ActionGroupDelete, ActionUserDelete, ActionOrganizationDelete:
			n.Deleted = append(n.Deleted, c)
		}
	}
	for _, ids := range []*[]string{&n.Users, &n.Roles, &n.Groups} {
		slices.Sort(*ids)
		*ids = slices.Compact(*ids)
	}
	return n
}

// Weight is how many entities the changes make evaluation read again, plus
// one per change: a change listing many users weighs as much as that many
// changes.
func Weight(changes []Change) int {
	n := 0
	for _, c := range changes {
		n += 1 + len(c.AffectedUsers)
	}
	return n
}

// Delta is what moved a tenant from revision From to To, read in one
// consistent read: the changes From+1 … To in order (dense: one per
// revision), and the state at To of every user, role and group they name.
// A named entity missing from Users, Roles or Groups no longer exists at To.
type Delta struct {
	From, To int64
	Changes  []Change
	Users    []SnapshotUser
	Roles    []SnapshotRole
	Groups   []SnapshotGroup
}

// EvalSource feeds the evaluation engine. Expired grants may be left out.
type EvalSource interface {
	// LoadSnapshot reads a tenant's whole evaluation state in one read
	// transaction, with the revision it reflects. ENotFound for no tenant.
	LoadSnapshot(ctx context.Context, tenantID string) (Snapshot, error)
	// TenantRevision is the tenant's current revision. ENotFound for no tenant.
	TenantRevision(ctx context.Context, tenantID string) (int64, error)
	// Changes lists the writes after revision since, oldest first, at most
	// limit, ending at or before the tenant's revision at the time of the read.
	Changes(ctx context.Context, tenantID string, since int64, limit int) ([]Change, error)
	// LoadDelta reads, in one read transaction, the tenant's revision (To)
	// and every change after since up to it, with the state of what they
	// name (see Delta). When those changes weigh more than maxWeight it
	// reads no state and returns ok false: a snapshot is cheaper. ENotFound
	// for no tenant; EInternal when the feed has a gap (a revision without
	// its change), which the store's writes never leave.
	LoadDelta(ctx context.Context, tenantID string, since int64, maxWeight int) (d Delta, ok bool, err error)
}
