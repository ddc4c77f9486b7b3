package eval

import (
	"fmt"

	"github.com/rosterhq/roster/internal/rbac"
)

// The methods below apply one change each, as the feed delivers it: one
// revision, naming its target, carrying the target's new state.

func (t *Tenant) apply1(action rbac.Action, target rbac.Target, id string, d rbac.Delta) {
	d.From, d.To = t.Revision(), t.Revision()+1
	d.Changes = []rbac.Change{{Revision: d.To, Action: action, Target: target, TargetID: id}}
	if err := t.Apply(d); err != nil {
		panic(fmt.Sprintf("apply %s %s: %v", action, id, err))
	}
}

func (t *Tenant) PutUser(u rbac.SnapshotUser) {
	t.apply1(rbac.ActionUserUpdate, rbac.TargetUser, u.ID, rbac.Delta{Users: []rbac.SnapshotUser{u}})
}

func (t *Tenant) DeleteUser(id string) {
	t.apply1(rbac.ActionUserDelete, rbac.TargetUser, id, rbac.Delta{})
}

func (t *Tenant) PutRole(r rbac.SnapshotRole) {
	t.apply1(rbac.ActionRoleUpdate, rbac.TargetRole, r.ID, rbac.Delta{Roles: []rbac.SnapshotRole{r}})
}

func (t *Tenant) DeleteRole(id string) {
	t.apply1(rbac.ActionRoleDelete, rbac.TargetRole, id, rbac.Delta{})
}

func (t *Tenant) PutGroup(g rbac.SnapshotGroup) {
	t.apply1(rbac.ActionGroupUpdate, rbac.TargetGroup, g.ID, rbac.Delta{Groups: []rbac.SnapshotGroup{g}})
}

func (t *Tenant) DeleteGroup(id string) {
	t.apply1(rbac.ActionGroupDelete, rbac.TargetGroup, id, rbac.Delta{})
}

func (t *Tenant) DeleteOrganization(id string) {
	t.apply1(rbac.ActionOrganizationDelete, rbac.TargetOrganization, id, rbac.Delta{})
}
