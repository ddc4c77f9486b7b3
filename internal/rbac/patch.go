package rbac

import (
	"encoding/json"
	"slices"
)

// Patches: each update type applies itself to the entity as it is, and
// says whether anything changed — the one way every update decides that a
// write is a no-op (no revision, no audit event, no new version).

// Apply returns the tenant with the patch applied, and whether it differs.
func (p TenantPatch) Apply(before Tenant) (Tenant, bool) {
	return applyStrings(before, func(t *Tenant) { setIf(&t.Name, p.Name); setIf(&t.AssignmentMode, p.AssignmentMode) })
}

// applyStrings applies set to a copy of an entity whose patchable fields
// are plain values, and reports whether the copy differs.
func applyStrings[T comparable](before T, set func(*T)) (T, bool) {
	after := before
	set(&after)
	return after, after != before
}

// Apply returns the role with the patch applied, and whether it differs.
// Permissions and parents are normalised as stored (UniquePermissions,
// SortedUnique); the name is not applied (CheckRoleChange refuses a new
// one).
func (p RolePatch) Apply(before Role) (Role, bool) {
	after := before
	setIf(&after.DisplayName, p.DisplayName)
	setIf(&after.Description, p.Description)
	if p.Permissions != nil {
		after.Permissions = UniquePermissions(*p.Permissions)
	}
	if p.InheritsFrom != nil {
		after.InheritsFrom = SortedUnique(*p.InheritsFrom)
	}
	if p.Assignable != nil {
		after.Assignable = *p.Assignable
	}
	if p.Metadata != nil {
		after.Metadata = *p.Metadata
	}
	return after, !sameRole(before, after)
}

// sameRole compares what a role update can change, metadata as stored
// (JSON), so that 1 and 1.0 are the same value.
func sameRole(a, b Role) bool {
	return a.DisplayName == b.DisplayName && a.Description == b.Description &&
		slices.Equal(a.Permissions, b.Permissions) && slices.Equal(a.InheritsFrom, b.InheritsFrom) &&
		a.Assignable == b.Assignable && sameJSON(a.Metadata, b.Metadata)
}

func sameJSON(a, b map[string]any) bool {
	if (a == nil) != (b == nil) {
		return false
	}
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

// CheckRoleChange refuses what no update may do to a role: a new name, and
// any change to a system role but role_member's permissions.
func CheckRoleChange(p RolePatch, before, after Role) error {
	if p.Name != nil && *p.Name != before.Name {
		return Invalid("name", "is immutable")
	}
	if !before.System {
		return nil
	}
	if before.ID == MemberRoleID {
		before.Permissions = after.Permissions
	}
	if !sameRole(before, after) {
		if before.ID == MemberRoleID {
			return Invalid("body", "only the permissions of role_member can change")
		}
		return Invalid("body", "system role "+before.ID+" cannot be changed")
	}
	return nil
}

// Apply returns the user with the patch applied, and whether it differs.
// Roles replace the direct global roles, sorted and de-duplicated.
func (p UserPatch) Apply(before User) (User, bool) {
	after := before
	setIf(&after.Email, p.Email)
	setIf(&after.FirstName, p.FirstName)
	setIf(&after.LastName, p.LastName)
	setIf(&after.ExternalUserID, p.ExternalUserID)
	setIf(&after.Username, p.Username)
	setIf(&after.Status, p.Status)
	if p.Roles != nil {
		after.Roles = SortedUnique(*p.Roles)
	}
	return after, !sameUser(before, after) || !slices.Equal(before.Roles, after.Roles)
}

// sameUser compares a user's own fields, not its roles.
func sameUser(a, b User) bool {
	return a.Email == b.Email && a.FirstName == b.FirstName && a.LastName == b.LastName &&
		a.ExternalUserID == b.ExternalUserID && a.Username == b.Username && a.Status == b.Status
}

// IdentityChanged reports whether an update changes the user itself
// (status, email, names, external id, username) rather than only its roles.
func IdentityChanged(before, after User) bool { return !sameUser(before, after) }

// Apply returns the group with the patch applied, and whether it differs.
func (p GroupPatch) Apply(before Group) (Group, bool) {
	return applyStrings(before, func(g *Group) {
		setIf(&g.Name, p.Name)
		setIf(&g.Description, p.Description)
		setIf(&g.ExternalID, p.ExternalID)
	})
}

// Apply returns the organization with the patch applied, and whether it
// differs.
func (p OrganizationPatch) Apply(before Organization) (Organization, bool) {
	return applyStrings(before, func(o *Organization) { setIf(&o.Name, p.Name); setIf(&o.ExternalID, p.ExternalID) })
}

// UniquePermissions drops repeated permissions, keeping the first of each
// in order.
func UniquePermissions(in []string) []string {
	out := make([]string, 0, len(in))
	for _, p := range in {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// SortedUnique returns ids sorted and de-duplicated, never nil.
func SortedUnique(in []string) []string {
	out := slices.Clone(in)
	slices.Sort(out)
	out = slices.Compact(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func setIf(dst *string, v *string) {
	if v != nil {
		*dst = *v
	}
}
