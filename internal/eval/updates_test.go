package eval

import (
	"fmt"
	"sync"

	"github.com/rosterhq/roster/internal/rbac"
)

// The methods below apply one change each, as the feed delivers it: one
// revision, naming its target, carrying the target's new state.

// recorded keeps the changes applied to the tenants a test registers
// (*Tenant → *[]rbac.Change), so that it can replay them as one delta.
var recorded sync.Map

func record(t *Tenant, d rbac.Delta) {
	if v, ok := recorded.Load(t); ok {
		p := v.(*[]rbac.Change)
		*p = append(*p, d.Changes...)
	}
}

func (t *Tenant) apply1(action rbac.Action, target rbac.Target, id string, d rbac.Delta) {
	d.From, d.To = t.Revision(), t.Revision()+1
	d.Changes = []rbac.Change{{Revision: d.To, Action: action, Target: target, TargetID: id}}
	record(t, d)
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

// PutDeleteUsers applies one delta of several user changes at once: each
// user put carries its new state, each id deleted is gone. Names can move
// from user to user within it.
func (t *Tenant) PutDeleteUsers(put []rbac.SnapshotUser, del []string) {
	d := rbac.Delta{From: t.Revision(), Users: put}
	add := func(action rbac.Action, id string) {
		d.Changes = append(d.Changes, rbac.Change{Revision: d.From + int64(len(d.Changes)) + 1,
			Action: action, Target: rbac.TargetUser, TargetID: id})
	}
	for _, u := range put {
		add(rbac.ActionUserUpdate, u.ID)
	}
	for _, id := range del {
		add(rbac.ActionUserDelete, id)
	}
	d.To = d.From + int64(len(d.Changes))
	record(t, d)
	if err := t.Apply(d); err != nil {
		panic(fmt.Sprintf("apply users: %v", err))
	}
}
