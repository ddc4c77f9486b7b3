package eval

import (
	"fmt"

	"github.com/rosterhq/roster/internal/rbac"
)

// Apply moves the tenant from revision d.From to d.To: every change in
// order, under one write lock, with the revision set in the same critical
// section. It refuses (and changes nothing) a delta that does not start at
// the tenant's revision or whose changes are not exactly one per revision:
// revisions are applied strictly in order, never skipped.
//
// The delta's entities are the state at d.To, so applying it is the same as
// reading the named entities again: deletions first (their effects reach
// entities no change names: a deleted role's grants on groups, a deleted
// organization's scoped grants), then each named user, role and group is
// replaced by its state at To or removed when it is gone.
func (t *Tenant) Apply(d rbac.Delta) error {
	if err := checkDense(d); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if rev := t.rev.Load(); d.From != rev {
		return fmt.Errorf("eval: a delta from revision %d cannot apply at revision %d", d.From, rev)
	}
	if d.To == d.From {
		return nil
	}
	named := rbac.Name(d.Changes)
	rolesMoved := len(named.Roles) > 0
	for _, c := range named.Deleted {
		switch c.Action {
		case rbac.ActionRoleDelete:
			t.deleteRole(c.TargetID)
			rolesMoved = true
		case rbac.ActionGroupDelete:
			t.dropGroup(c.TargetID)
		case rbac.ActionUserDelete:
			t.deleteUser(c.TargetID)
		case rbac.ActionOrganizationDelete:
			t.deleteOrganization(c.TargetID)
		}
	}
	putOrDelete(named.Users, d.Users, func(u rbac.SnapshotUser) string { return u.ID }, t.putUser, t.deleteUser)
	putOrDelete(named.Roles, d.Roles, func(r rbac.SnapshotRole) string { return r.ID },
		func(r rbac.SnapshotRole) { t.roles[r.ID] = newRole(r) }, t.deleteRole)
	putOrDelete(named.Groups, d.Groups, func(g rbac.SnapshotGroup) string { return g.ID }, t.putGroup, t.dropGroup)
	if rolesMoved {
		t.rolesChanged()
	}
	t.rev.Store(d.To)
	return nil
}

// checkDense holds a delta to one change per revision, From+1 … To.
func checkDense(d rbac.Delta) error {
	if d.To-d.From != int64(len(d.Changes)) {
		return fmt.Errorf("eval: a delta from %d to %d carries %d changes", d.From, d.To, len(d.Changes))
	}
	for i, c := range d.Changes {
		if want := d.From + int64(i) + 1; c.Revision != want {
			return fmt.Errorf("eval: change %d of a delta from %d is revision %d, not %d", i, d.From, c.Revision, want)
		}
	}
	return nil
}

// putOrDelete puts every named entity the delta carries and deletes every
// named one it does not (the delta read found it gone).
func putOrDelete[T any](named []string, items []T, id func(T) string, put func(T), del func(string)) {
	byID := rbac.IndexBy(items, id)
	for _, k := range named {
		if it, ok := byID[k]; ok {
			put(it)
		} else {
			del(k)
		}
	}
}
