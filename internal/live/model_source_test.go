package live_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rosterhq/roster/internal/rbac"
)

// modelSource is an in-memory database of tenants behind rbac.EvalSource,
// recording writes the way the real store does: every write is one change
// and one revision (dense), with the store's actions, targets and
// AffectedUsers, and the store's cascades. Every revision's state is kept
// (states are never changed once published: a write copies the maps and
// builds new slices), so a test can ask what the database held at any
// revision an engine reports. Reads hand out the stored slices themselves:
// the race detector then also holds eval to never writing into what it is
// given.
type modelSource struct {
	mu      sync.Mutex
	tenants map[string]*modelTenant
	// noise yields after each read, outside the lock, so that writers land
	// between one call of the engine's and its next more often than the
	// scheduler alone would let them.
	noise bool

	snapshots, deltas atomic.Int64 // reads served, for the test's log
}

type modelTenant struct {
	states  []*modelState // states[r] is the state at revision r
	changes []rbac.Change // changes[r-1] is revision r's
}

func (mt *modelTenant) head() int64 { return int64(len(mt.changes)) }

// modelState is one revision of a tenant. Entities are values whose slices
// are never written after they are stored.
type modelState struct {
	roles  map[string]rbac.SnapshotRole
	users  map[string]rbac.SnapshotUser
	groups map[string]rbac.SnapshotGroup
	orgs   map[string]bool
}

func newModelSource(noise bool, tenantIDs ...string) *modelSource {
	s := &modelSource{tenants: map[string]*modelTenant{}, noise: noise}
	for _, id := range tenantIDs {
		empty := &modelState{roles: map[string]rbac.SnapshotRole{}, users: map[string]rbac.SnapshotUser{},
			groups: map[string]rbac.SnapshotGroup{}, orgs: map[string]bool{}}
		s.tenants[id] = &modelTenant{states: []*modelState{empty}}
		s.write(id, func(*modelState) rbac.Change {
			return rbac.Change{Action: rbac.ActionTenantCreate, Target: rbac.TargetTenant, TargetID: id}
		})
	}
	return s
}

// write runs fn on a copy of the tenant's head state under the lock, as one
// transaction, and records the change fn returns as the next revision.
func (s *modelSource) write(tenantID string, fn func(st *modelState) rbac.Change) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	mt := s.tenants[tenantID]
	cur := mt.states[mt.head()]
	st := &modelState{roles: maps.Clone(cur.roles), users: maps.Clone(cur.users),
		groups: maps.Clone(cur.groups), orgs: maps.Clone(cur.orgs)}
	c := fn(st)
	c.Revision = mt.head() + 1
	mt.changes = append(mt.changes, c)
	mt.states = append(mt.states, st)
	return c.Revision
}

// head, snapshotAt and changeAt are the test's own view of the database;
// they are not part of rbac.EvalSource and never yield.
func (s *modelSource) head(tenantID string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tenants[tenantID].head()
}

func (s *modelSource) snapshotAt(tenantID string, rev int64) rbac.Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tenants[tenantID].states[rev].snapshot(rev)
}

func (s *modelSource) changeAt(tenantID string, rev int64) rbac.Change {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tenants[tenantID].changes[rev-1]
}

func (s *modelSource) yield() {
	if !s.noise {
		return
	}
	switch rand.IntN(4) { // the global source: safe for concurrent use
	case 0:
		runtime.Gosched()
	case 1:
		time.Sleep(time.Duration(rand.IntN(50)) * time.Microsecond)
	}
}

func (s *modelSource) tenant(id string) (*modelTenant, error) {
	if mt := s.tenants[id]; mt != nil {
		return mt, nil
	}
	return nil, rbac.NotFound("tenant")
}

func (s *modelSource) LoadSnapshot(_ context.Context, tenantID string) (rbac.Snapshot, error) {
	defer s.yield() // after the unlock below: defers run last-in first-out
	s.mu.Lock()
	defer s.mu.Unlock()
	s.snapshots.Add(1)
	mt, err := s.tenant(tenantID)
	if err != nil {
		return rbac.Snapshot{}, err
	}
	return mt.states[mt.head()].snapshot(mt.head()), nil
}

func (s *modelSource) TenantRevision(_ context.Context, tenantID string) (int64, error) {
	defer s.yield()
	s.mu.Lock()
	defer s.mu.Unlock()
	mt, err := s.tenant(tenantID)
	if err != nil {
		return 0, err
	}
	return mt.head(), nil
}

func (s *modelSource) Changes(_ context.Context, tenantID string, since int64, limit int) ([]rbac.Change, error) {
	defer s.yield()
	s.mu.Lock()
	defer s.mu.Unlock()
	mt, err := s.tenant(tenantID)
	if err != nil {
		return nil, err
	}
	end := mt.head()
	if limit > 0 {
		end = min(end, since+int64(limit))
	}
	if since >= end {
		return nil, nil
	}
	return slices.Clone(mt.changes[since:end]), nil
}

func (s *modelSource) LoadDelta(_ context.Context, tenantID string, since int64, maxWeight int) (rbac.Delta, bool, error) {
	defer s.yield()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deltas.Add(1)
	mt, err := s.tenant(tenantID)
	if err != nil {
		return rbac.Delta{}, false, err
	}
	head := mt.head()
	d := rbac.Delta{From: since, To: max(head, since)}
	if head <= since {
		return d, true, nil
	}
	d.Changes = slices.Clone(mt.changes[since:head])
	if rbac.Weight(d.Changes) > maxWeight {
		return rbac.Delta{}, false, nil
	}
	named, st := rbac.Name(d.Changes), mt.states[head]
	for _, id := range named.Users {
		if u, ok := st.users[id]; ok {
			d.Users = append(d.Users, u)
		}
	}
	for _, id := range named.Roles {
		if r, ok := st.roles[id]; ok {
			d.Roles = append(d.Roles, r)
		}
	}
	for _, id := range named.Groups {
		if g, ok := st.groups[id]; ok {
			d.Groups = append(d.Groups, g)
		}
	}
	return d, true, nil
}

func (st *modelState) snapshot(rev int64) rbac.Snapshot {
	s := rbac.Snapshot{Revision: rev}
	for _, id := range slices.Sorted(maps.Keys(st.roles)) {
		s.Roles = append(s.Roles, st.roles[id])
	}
	for _, id := range slices.Sorted(maps.Keys(st.users)) {
		s.Users = append(s.Users, st.users[id])
	}
	for _, id := range slices.Sorted(maps.Keys(st.groups)) {
		s.Groups = append(s.Groups, st.groups[id])
	}
	return s
}

// without returns a new slice of the xs drop rejects (nil when none):
// stored slices are shared by older revisions and never edited in place.
func without[T any](xs []T, drop func(T) bool) []T {
	var out []T
	for _, x := range xs {
		if !drop(x) {
			out = append(out, x)
		}
	}
	return out
}

// The cascades below are the store's. deleteRole removes the role's direct
// grants (returning the users that held it, disabled ones included, as the
// store's role.delete lists them), its group grants and the parent edges
// to it (the store refuses to delete a parent instead; eval removes the
// edges, so the model exercises that path too).
func (st *modelState) deleteRole(id string) (holders []string) {
	delete(st.roles, id)
	for rid, r := range st.roles {
		r.Parents = without(r.Parents, func(p string) bool { return p == id })
		st.roles[rid] = r
	}
	return st.dropGrants(func(g rbac.Grant) bool { return g.RoleID == id })
}

// deleteOrg removes every grant scoped to the organization, returning the
// users that had one (organization.delete's AffectedUsers).
func (st *modelState) deleteOrg(id string) (holders []string) {
	delete(st.orgs, id)
	return st.dropGrants(func(g rbac.Grant) bool { return g.OrgID == id })
}

// dropGrants removes the users' and groups' grants drop matches and
// returns the users that had one, sorted.
func (st *modelState) dropGrants(drop func(rbac.Grant) bool) (users []string) {
	for uid, u := range st.users {
		if kept := without(u.Grants, drop); len(kept) != len(u.Grants) {
			u.Grants = kept
			st.users[uid] = u
			users = append(users, uid)
		}
	}
	for gid, g := range st.groups {
		g.Grants = without(g.Grants, drop)
		st.groups[gid] = g
	}
	slices.Sort(users)
	return users
}

// deleteUser removes the user and its memberships (user.delete names only
// the user).
func (st *modelState) deleteUser(id string) {
	delete(st.users, id)
	for gid, g := range st.groups {
		g.Members = without(g.Members, func(m string) bool { return m == id })
		st.groups[gid] = g
	}
}

// modelGen draws random writes from small vocabularies, so that writes
// collide on the same users, roles, groups and organizations often.
type modelGen struct{ rnd *rand.Rand }

const (
	modelUsers  = 16
	modelRoles  = 10
	modelGroups = 5
)

var (
	modelT0     = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) // grant windows lie around it
	modelOrgs   = []string{"o1", "o2", "o3"}
	modelPerms  = []string{"docs:read", "docs:write", "docs:*", "billing:read", "*:read", "*:*"}
	userIDs     = ids("u%02d", modelUsers+1) // one more than writers use: never created
	roleIDs     = ids("r%02d", modelRoles+1)
	queryOrgs   = []string{"", "o1", "o2", "o3", "o4"}
	queryPerms  = []string{"docs:read", "docs:write", "billing:read", "billing:write", "reports:read"}
	writeAction = map[bool][]rbac.Action{ // by whether the user exists
		false: {rbac.ActionUserCreate},
		true: {rbac.ActionUserUpdate, rbac.ActionAssignmentCreate, rbac.ActionAssignmentUpdate,
			rbac.ActionAssignmentReplace, rbac.ActionAssignmentDelete},
	}
	groupAction = map[bool][]rbac.Action{
		false: {rbac.ActionGroupCreate},
		true: {rbac.ActionGroupUpdate, rbac.ActionGroupMembersAdd, rbac.ActionGroupMembersRemove,
			rbac.ActionGroupMembersReplace, rbac.ActionGroupAssignmentCreate, rbac.ActionGroupAssignmentUpdate,
			rbac.ActionGroupAssignmentDelete},
	}
)

func ids(format string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(format, i)
	}
	return out
}

func pick[T any](g modelGen, xs []T) T   { return xs[g.rnd.IntN(len(xs))] }
func (g modelGen) chance(p float64) bool { return g.rnd.Float64() < p }

// some picks an existing key of m, or "" when m is empty.
func some[T any](g modelGen, m map[string]T) string {
	if len(m) == 0 {
		return ""
	}
	return pick(g, slices.Sorted(maps.Keys(m)))
}

// hour is a whole hour around modelT0, where windows start and end.
func (g modelGen) hour() *time.Time {
	h := modelT0.Add(time.Duration(g.rnd.IntN(13)-6) * time.Hour)
	return &h
}

// grants draws up to n grants of existing roles, global or scoped to an
// existing organization, some windowed; one per role and organization, as
// the store's unique key keeps them.
func (g modelGen) grants(st *modelState, n int) []rbac.Grant {
	var out []rbac.Grant
	for range g.rnd.IntN(n + 1) {
		gr := rbac.Grant{RoleID: some(g, st.roles)}
		if gr.RoleID == "" {
			return out
		}
		if g.chance(0.4) {
			gr.OrgID = some(g, st.orgs)
		}
		if g.chance(0.3) {
			gr.NotBefore = g.hour()
		}
		if g.chance(0.3) {
			gr.ExpiresAt = g.hour()
		}
		same := func(x rbac.Grant) bool { return x.RoleID == gr.RoleID && x.OrgID == gr.OrgID }
		out = append(without(out, same), gr)
	}
	return out
}

// mutate makes one random write to st and returns its change (without the
// revision, which write assigns).
func (g modelGen) mutate(st *modelState) rbac.Change {
	user := func(a rbac.Action, id string) rbac.Change {
		return rbac.Change{Action: a, Target: rbac.TargetUser, TargetID: id}
	}
	switch n := g.rnd.IntN(100); {
	case n < 20: // create a user or replace its status and direct grants
		id := pick(g, userIDs[:modelUsers])
		_, exists := st.users[id]
		st.users[id] = rbac.SnapshotUser{ID: id, Active: !g.chance(0.15), Grants: g.grants(st, 3)}
		return user(pick(g, writeAction[exists]), id)
	case n < 28: // disable or enable: a disabled user's grants stay in the database
		if id := some(g, st.users); id != "" {
			u := st.users[id]
			u.Active = !u.Active
			st.users[id] = u
			return user(rbac.ActionUserUpdate, id)
		}
	case n < 33:
		if id := some(g, st.users); id != "" {
			st.deleteUser(id)
			return user(rbac.ActionUserDelete, id)
		}
	case n < 43: // put a role; parents only have larger numbers, so no cycles
		i := g.rnd.IntN(modelRoles)
		r := rbac.SnapshotRole{ID: roleIDs[i], Default: g.chance(0.1)}
		for range g.rnd.IntN(3) {
			r.Permissions = append(r.Permissions, pick(g, modelPerms))
		}
		for range g.rnd.IntN(3) {
			if j := i + 1 + g.rnd.IntN(3); j < modelRoles && st.roles[roleIDs[j]].ID != "" && !slices.Contains(r.Parents, roleIDs[j]) {
				r.Parents = append(r.Parents, roleIDs[j])
			}
		}
		action := rbac.ActionRoleUpdate
		if st.roles[r.ID].ID == "" {
			action = rbac.ActionRoleCreate
		}
		st.roles[r.ID] = r
		return rbac.Change{Action: action, Target: rbac.TargetRole, TargetID: r.ID}
	case n < 49:
		if id := some(g, st.roles); id != "" {
			return rbac.Change{Action: rbac.ActionRoleDelete, Target: rbac.TargetRole, TargetID: id, AffectedUsers: st.deleteRole(id)}
		}
	case n < 61: // put a group: members, grants, or both
		id := fmt.Sprintf("g%d", g.rnd.IntN(modelGroups))
		_, exists := st.groups[id]
		grp := rbac.SnapshotGroup{ID: id, Grants: g.grants(st, 2)}
		for range g.rnd.IntN(6) {
			if m := some(g, st.users); m != "" && !slices.Contains(grp.Members, m) {
				grp.Members = append(grp.Members, m)
			}
		}
		st.groups[id] = grp
		return rbac.Change{Action: pick(g, groupAction[exists]), Target: rbac.TargetGroup, TargetID: id}
	case n < 66:
		if id := some(g, st.groups); id != "" {
			delete(st.groups, id)
			return rbac.Change{Action: rbac.ActionGroupDelete, Target: rbac.TargetGroup, TargetID: id}
		}
	case n < 72: // organization.create/update change no evaluation state
		id := pick(g, modelOrgs)
		action := rbac.ActionOrganizationUpdate
		if !st.orgs[id] {
			action = rbac.ActionOrganizationCreate
			st.orgs[id] = true
		}
		return rbac.Change{Action: action, Target: rbac.TargetOrganization, TargetID: id}
	case n < 77:
		if id := some(g, st.orgs); id != "" {
			return rbac.Change{Action: rbac.ActionOrganizationDelete, Target: rbac.TargetOrganization, TargetID: id, AffectedUsers: st.deleteOrg(id)}
		}
	case n < 92:
		if id := some(g, st.roles); id != "" {
			return g.assignees(st, id)
		}
	}
	// Writes that change no evaluation state still take a revision.
	if g.chance(0.5) {
		return rbac.Change{Action: rbac.ActionTenantUpdate, Target: rbac.TargetTenant}
	}
	return rbac.Change{Action: pick(g, []rbac.Action{rbac.ActionTokenCreate, rbac.ActionTokenRevoke}),
		Target: rbac.TargetToken, TargetID: fmt.Sprintf("tok%d", g.rnd.IntN(9))}
}

// assignees is role.assignees.add/remove/replace of a list of existing
// users: the role's global direct grants (its holders) change, and every
// user whose grants changed is listed in AffectedUsers.
func (g modelGen) assignees(st *modelState, roleID string) rbac.Change {
	action := pick(g, []rbac.Action{rbac.ActionRoleAssigneesAdd, rbac.ActionRoleAssigneesRemove, rbac.ActionRoleAssigneesSet})
	listed := map[string]bool{}
	for range 1 + g.rnd.IntN(5) {
		if id := some(g, st.users); id != "" {
			listed[id] = true
		}
	}
	global := func(gr rbac.Grant) bool { return gr.RoleID == roleID && gr.OrgID == "" }
	var affected []string
	for _, id := range slices.Sorted(maps.Keys(st.users)) {
		u := st.users[id]
		held := slices.ContainsFunc(u.Grants, global)
		switch {
		case listed[id] && !held && action != rbac.ActionRoleAssigneesRemove:
			u.Grants = append(slices.Clone(u.Grants), rbac.Grant{RoleID: roleID})
		case held && (action == rbac.ActionRoleAssigneesRemove && listed[id] || action == rbac.ActionRoleAssigneesSet && !listed[id]):
			u.Grants = without(u.Grants, global)
		default:
			continue
		}
		st.users[id] = u
		affected = append(affected, id)
	}
	return rbac.Change{Action: action, Target: rbac.TargetRole, TargetID: roleID, AffectedUsers: affected}
}
