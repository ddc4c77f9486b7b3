package eval

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/google/btree"

	"github.com/rosterhq/roster/internal/rbac"
)

// Tenant is one tenant's evaluation state, built from a snapshot and moved
// forward only by Apply, one whole delta at a time; safe for concurrent use
// (queries run concurrently with each other and with Apply).
//
// Invariants:
//   - The state is always exactly the tenant's state at rev: Apply changes
//     the state and rev together under the write lock, and rev has no other
//     writer (there is no way to set a revision without the work it stands for).
//   - Queries hold the read lock, so a query never sees half a delta; a View
//     holds it across the queries of one response, which therefore all read
//     one state, the one its Revision names.
//   - Per-user answers are cached on the user (see entry); caches are
//     written under the read lock with atomics and cleared under the write
//     lock, so a cache can never be filled from state older than a clear.
//   - The name indexes (byExternal, byEmail) change only under the write
//     lock, together with the user they name (putUser, deleteUser): each
//     known user with an external id or email is indexed under it, and an
//     entry is removed only by the user it names. The store keeps both
//     unique per tenant, so at every revision each entry names exactly one
//     user; Export reads users' names back from the indexes, so that
//     verification against the database sees an index out of step.
type Tenant struct {
	rev atomic.Int64 // written only under mu's write lock

	mu sync.RWMutex
	// epoch invalidates every cached answer at once; bumped by the rare
	// changes that can affect any user (roles, organization deletion).
	epoch  uint64
	roles  map[string]*role
	users  map[string]*user
	groups map[string]*group
	// memberOf is kept apart from users because a group may list a user
	// before the user itself arrives (updates come in any order).
	memberOf map[string]map[string]struct{} // user id → groups listing it
	closure                                 // derived from roles

	// Name indexes for ResolveUser: users by external_user_id and by
	// lowercased email, active or not.
	byExternal map[string]string
	byEmail    map[string]string

	// Reverse indexes for holders queries. Grants naming unknown roles are
	// indexed too: the role may arrive later.
	active      *btree.BTreeG[string]                       // ids of active users
	direct      map[string]map[string]*btree.BTreeG[string] // role → org → active users with a grant there, in any window
	groupGrants map[string]map[string]map[string]struct{}   // role → org → groups with a grant there, in any window
}

type role struct {
	perms   []string
	parents []string
	def     bool
}

type user struct {
	id       string
	active   bool
	grants   []rbac.Grant
	email    string // lowercased: the byEmail key
	external string // the byExternal key; "" for none
	cache    atomic.Pointer[[]*entry]
}

type group struct {
	members []string // sorted, distinct
	grants  []rbac.Grant
}

const btreeDegree = 32

// New builds a tenant's state from a snapshot, at the snapshot's revision.
func New(s rbac.Snapshot) *Tenant {
	t := &Tenant{
		roles:       make(map[string]*role, len(s.Roles)),
		users:       make(map[string]*user, len(s.Users)),
		groups:      make(map[string]*group, len(s.Groups)),
		memberOf:    make(map[string]map[string]struct{}),
		byExternal:  make(map[string]string),
		byEmail:     make(map[string]string, len(s.Users)),
		active:      btree.NewOrderedG[string](btreeDegree),
		direct:      make(map[string]map[string]*btree.BTreeG[string]),
		groupGrants: make(map[string]map[string]map[string]struct{}),
	}
	t.rev.Store(s.Revision)
	for _, r := range s.Roles {
		t.roles[r.ID] = newRole(r)
	}
	for _, u := range s.Users {
		t.putUser(u)
	}
	for _, g := range s.Groups {
		t.putGroup(g)
	}
	t.closure = buildClosure(t.roles)
	return t
}

// Revision is the tenant revision the state reflects.
func (t *Tenant) Revision() int64 { return t.rev.Load() }

// deleteUser removes a user and drops it from every group.
func (t *Tenant) deleteUser(id string) {
	if u := t.users[id]; u != nil {
		t.unindexUser(u)
		t.unindexNames(u)
		delete(t.users, id)
	}
	for gid := range t.memberOf[id] {
		g := t.groups[gid]
		if i, ok := slices.BinarySearch(g.members, id); ok {
			g.members = slices.Delete(g.members, i, i+1)
		}
	}
	delete(t.memberOf, id)
}

// deleteRole removes a role, every grant of it (users' and groups') and
// every parent edge to it. The caller rebuilds the closure.
func (t *Tenant) deleteRole(id string) {
	delete(t.roles, id)
	ofRole := func(g rbac.Grant) bool { return g.RoleID == id }
	// Only active users are indexed; a disabled user's grants count nowhere
	// and are replaced wholesale by the putUser that could re-enable it.
	for _, tree := range t.direct[id] {
		tree.Ascend(func(uid string) bool {
			u := t.users[uid]
			u.grants = slices.DeleteFunc(u.grants, ofRole)
			return true
		})
	}
	delete(t.direct, id)
	for _, gids := range t.groupGrants[id] {
		for gid := range gids {
			g := t.groups[gid]
			g.grants = slices.DeleteFunc(g.grants, ofRole)
		}
	}
	delete(t.groupGrants, id)
	for _, r := range t.roles {
		if slices.Contains(r.parents, id) {
			r.parents = slices.DeleteFunc(r.parents, func(p string) bool { return p == id })
		}
	}
}

// deleteOrganization drops every grant scoped to the organization (users'
// and groups').
func (t *Tenant) deleteOrganization(orgID string) {
	if orgID == "" {
		return
	}
	inOrg := func(g rbac.Grant) bool { return g.OrgID == orgID }
	for roleID, byOrg := range t.direct {
		if tree := byOrg[orgID]; tree != nil {
			tree.Ascend(func(uid string) bool {
				u := t.users[uid]
				u.grants = slices.DeleteFunc(u.grants, inOrg)
				return true
			})
			delete(byOrg, orgID)
			if len(byOrg) == 0 {
				delete(t.direct, roleID)
			}
		}
	}
	for roleID, byOrg := range t.groupGrants {
		for gid := range byOrg[orgID] {
			g := t.groups[gid]
			g.grants = slices.DeleteFunc(g.grants, inOrg)
		}
		delete(byOrg, orgID)
		if len(byOrg) == 0 {
			delete(t.groupGrants, roleID)
		}
	}
	// Rare, and may touch many users: drop every cached answer at once.
	t.epoch++
}

func newRole(r rbac.SnapshotRole) *role {
	return &role{perms: slices.Clone(r.Permissions), parents: slices.Clone(r.Parents), def: r.Default}
}

func (t *Tenant) rolesChanged() {
	t.closure = buildClosure(t.roles)
	t.epoch++
}

func (t *Tenant) putUser(su rbac.SnapshotUser) {
	if old := t.users[su.ID]; old != nil {
		t.unindexUser(old)
		t.unindexNames(old)
	}
	// A fresh struct also starts with an empty cache.
	u := &user{id: su.ID, active: su.Active, grants: slices.Clone(su.Grants),
		email: strings.ToLower(su.Email), external: su.ExternalID}
	t.users[u.id] = u
	t.indexNames(u)
	if !u.active {
		return
	}
	t.active.ReplaceOrInsert(u.id)
	for _, g := range u.grants {
		byOrg := t.direct[g.RoleID]
		if byOrg == nil {
			byOrg = make(map[string]*btree.BTreeG[string])
			t.direct[g.RoleID] = byOrg
		}
		tree := byOrg[g.OrgID]
		if tree == nil {
			tree = btree.NewOrderedG[string](btreeDegree)
			byOrg[g.OrgID] = tree
		}
		tree.ReplaceOrInsert(u.id)
	}
}

func (t *Tenant) unindexUser(u *user) {
	if !u.active {
		return
	}
	t.active.Delete(u.id)
	for _, g := range u.grants {
		byOrg := t.direct[g.RoleID]
		tree := byOrg[g.OrgID]
		if tree == nil {
			continue // a repeated grant already emptied it
		}
		tree.Delete(u.id)
		if tree.Len() == 0 {
			delete(byOrg, g.OrgID)
			if len(byOrg) == 0 {
				delete(t.direct, g.RoleID)
			}
		}
	}
}

// indexNames indexes a user under its external id and email. Within one
// delta a user may take a name another named user gives up later in it:
// the entry goes to the newcomer, and the other's unindexNames leaves it.
func (t *Tenant) indexNames(u *user) {
	if u.external != "" {
		t.byExternal[u.external] = u.id
	}
	if u.email != "" {
		t.byEmail[u.email] = u.id
	}
}

// unindexNames removes the user's entries, only where they still name it.
func (t *Tenant) unindexNames(u *user) {
	if u.external != "" && t.byExternal[u.external] == u.id {
		delete(t.byExternal, u.external)
	}
	if u.email != "" && t.byEmail[u.email] == u.id {
		delete(t.byEmail, u.email)
	}
}

// resolveUser is ResolveUser under the read lock.
func (t *Tenant) resolveUser(ref string) (string, bool) {
	if ref == "" {
		return "", false
	}
	if id, ok := t.byExternal[ref]; ok && t.users[id] != nil {
		return id, true
	}
	if t.users[ref] != nil {
		return ref, true
	}
	if id, ok := t.byEmail[strings.ToLower(ref)]; ok && t.users[id] != nil {
		return id, true
	}
	return "", false
}

// ResolveUser finds the user ref names, active or not: the user whose
// external_user_id is ref, else the user whose id is ref, else the user
// whose email is ref ignoring case. A few map lookups, no I/O: how
// an AuthZEN subject, and a check's owner, name a user.
func (t *Tenant) ResolveUser(ref string) (id string, ok bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.resolveUser(ref)
}

func (t *Tenant) putGroup(sg rbac.SnapshotGroup) {
	t.dropGroup(sg.ID)
	members := slices.Clone(sg.Members)
	slices.Sort(members)
	g := &group{members: slices.Compact(members), grants: slices.Clone(sg.Grants)}
	t.groups[sg.ID] = g
	for _, m := range g.members {
		set := t.memberOf[m]
		if set == nil {
			set = make(map[string]struct{}, 1)
			t.memberOf[m] = set
		}
		set[sg.ID] = struct{}{}
		t.forget(m)
	}
	for _, gr := range g.grants {
		byOrg := t.groupGrants[gr.RoleID]
		if byOrg == nil {
			byOrg = make(map[string]map[string]struct{})
			t.groupGrants[gr.RoleID] = byOrg
		}
		if byOrg[gr.OrgID] == nil {
			byOrg[gr.OrgID] = make(map[string]struct{})
		}
		byOrg[gr.OrgID][sg.ID] = struct{}{}
	}
}

func (t *Tenant) dropGroup(id string) {
	g := t.groups[id]
	if g == nil {
		return
	}
	delete(t.groups, id)
	for _, m := range g.members {
		delete(t.memberOf[m], id)
		if len(t.memberOf[m]) == 0 {
			delete(t.memberOf, m)
		}
		t.forget(m)
	}
	for _, gr := range g.grants {
		byOrg := t.groupGrants[gr.RoleID]
		delete(byOrg[gr.OrgID], id)
		if len(byOrg[gr.OrgID]) == 0 {
			delete(byOrg, gr.OrgID)
			if len(byOrg) == 0 {
				delete(t.groupGrants, gr.RoleID)
			}
		}
	}
}

// forget drops a user's cached answers after a change that only it sees.
func (t *Tenant) forget(userID string) {
	if u := t.users[userID]; u != nil {
		u.cache.Store(nil)
	}
}
