package gormstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/rosterhq/roster/internal/rbac"
)

// baselineHistory starts the history of every tenant that has none (those
// created before history existed): the state of each entity at the
// tenant's current revision, in that tenant's write transaction.
func (s *Store) baselineHistory(ctx context.Context) error {
	var ids []string
	if err := s.db.WithContext(ctx).Model(&tenantRow{}).
		Where("id NOT IN (SELECT tenant_id FROM history_start)").Order("id").Pluck("id", &ids).Error; err != nil {
		return err
	}
	for _, id := range ids {
		err := s.writer.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := s.lockTenant(tx, id); err != nil {
				return err
			}
			rev, err := tenantRevision(tx, id)
			if err != nil {
				return err
			}
			return recordBaseline(tx, id, rev, micros(s.now()))
		})
		if err != nil {
			return fmt.Errorf("gormstore: starting the history of tenant %s: %w", id, err)
		}
	}
	return nil
}

// RevisionAt leaves "in the future" to its caller, whose clock decides.
func (s *Store) RevisionAt(ctx context.Context, tenantID string, at time.Time) (int64, error) {
	db := s.db.WithContext(ctx)
	if _, err := tenantRevision(db, tenantID); err != nil {
		return 0, err
	}
	var start historyStartRow
	if err := db.Where("tenant_id = ?", tenantID).Take(&start).Error; err != nil {
		return 0, translate(err, "history")
	}
	var revs []int64
	if err := db.Model(&auditRow{}).Where("tenant_id = ? AND at <= ?", tenantID, micros(at)).
		Order("at DESC, revision DESC").Limit(1).Pluck("revision", &revs).Error; err != nil {
		return 0, translate(err, "")
	}
	if micros(at) < start.At || len(revs) == 0 || revs[0] < start.Revision {
		return 0, rbac.Invalid("at", fmt.Sprintf("is before the oldest history kept: the earliest instant available is %s",
			fromMicros(start.At).Format(time.RFC3339Nano)))
	}
	return revs[0], nil
}

// pastState is what a tenant's history holds at one revision, read as
// evaluation needs it.
type pastState struct {
	rev     int64
	roles   map[string]pastRow[histRole]
	deleted map[string][]int64 // role id → revisions it was deleted at (<= rev)
	orgs    map[string]bool
}

type pastRow[T any] struct {
	rev   int64
	state T
}

// latest reads, for each entity of kind (all of them when ids is nil), its
// row with the greatest revision <= rev; deleted entities are left out.
func latest[T any](db *gorm.DB, tenantID string, kind historyKind, ids []string, rev int64) (map[string]pastRow[T], error) {
	return latestWhere[T](db, tenantID, kind, rev, func(q *gorm.DB) *gorm.DB {
		if ids == nil {
			return q
		}
		return q.Where("h.entity_id IN ?", ids)
	})
}

// latestWhere is latest for the entities filter selects. Each candidate
// row is kept when it is its entity's newest at or before rev, which the
// primary key (tenant, kind, entity, revision) answers in one seek: the
// cost is the selected entities' rows up to rev, whatever rev's age.
func latestWhere[T any](db *gorm.DB, tenantID string, kind historyKind, rev int64, filter func(*gorm.DB) *gorm.DB) (map[string]pastRow[T], error) {
	var rows []historyRow
	q := filter(db.Table("entity_history h").Select("h.entity_id, h.revision, h.state").
		Where("h.tenant_id = ? AND h.kind = ? AND h.revision <= ?", tenantID, kind, rev))
	if err := q.Where(`h.revision = (SELECT MAX(x.revision) FROM entity_history x WHERE x.tenant_id = h.tenant_id
		AND x.kind = h.kind AND x.entity_id = h.entity_id AND x.revision <= ?)`, rev).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[string]pastRow[T], len(rows))
	for _, r := range rows {
		if r.State == nil {
			continue
		}
		var st T
		if err := json.Unmarshal([]byte(*r.State), &st); err != nil {
			return nil, rbac.Errorf(rbac.EInternal, "history of %s %s at revision %d: %v", kind, r.EntityID, r.Revision, err)
		}
		out[r.EntityID] = pastRow[T]{rev: r.Revision, state: st}
	}
	return out, nil
}

// readPast reads the roles and organizations at rev, and when each role
// was deleted, in db (one read transaction).
func readPast(db *gorm.DB, tenantID string, rev int64) (*pastState, error) {
	p := &pastState{rev: rev, deleted: map[string][]int64{}, orgs: map[string]bool{}}
	var err error
	if p.roles, err = latest[histRole](db, tenantID, kindRole, nil, rev); err != nil {
		return nil, err
	}
	orgs, err := latest[struct{}](db, tenantID, kindOrg, nil, rev)
	if err != nil {
		return nil, err
	}
	for id := range orgs {
		p.orgs[id] = true
	}
	var dels []historyRow
	if err := db.Select("entity_id, revision").Where("tenant_id = ? AND kind = ? AND state IS NULL AND revision <= ?",
		tenantID, kindRole, rev).Find(&dels).Error; err != nil {
		return nil, err
	}
	for _, d := range dels {
		p.deleted[d.EntityID] = append(p.deleted[d.EntityID], d.Revision)
	}
	return p, nil
}

// grants turns grants stored at revision captured into what evaluation at
// p.rev counts: a grant whose role was deleted after it was stored, or
// whose organization no longer exists, was removed by the database's
// cascade (the engine's Apply drops them the same way).
func (p *pastState) grants(stored []histGrant, captured int64) []rbac.Grant {
	var out []rbac.Grant
	for _, g := range stored {
		if _, ok := p.roles[g.RoleID]; !ok || (g.OrgID != "" && !p.orgs[g.OrgID]) {
			continue
		}
		if slices.ContainsFunc(p.deleted[g.RoleID], func(d int64) bool { return d > captured }) {
			continue
		}
		out = append(out, rbac.Grant{RoleID: g.RoleID, OrgID: g.OrgID, NotBefore: timePtr(g.NotBefore), ExpiresAt: timePtr(g.ExpiresAt)})
	}
	return out
}

func (p *pastState) snapshotRoles() []rbac.SnapshotRole {
	out := make([]rbac.SnapshotRole, 0, len(p.roles))
	for id, r := range p.roles {
		out = append(out, rbac.SnapshotRole{ID: id, Permissions: r.state.Permissions, Parents: r.state.Parents, Default: r.state.Default})
	}
	slices.SortFunc(out, func(a, b rbac.SnapshotRole) int { return compareStrings(a.ID, b.ID) })
	return out
}

func snapshotUser(p *pastState, id string, u pastRow[histUser]) rbac.SnapshotUser {
	return rbac.SnapshotUser{ID: id, Active: u.state.Active, Email: u.state.Email, ExternalID: u.state.ExternalID,
		Grants: p.grants(u.state.Grants, u.rev)}
}

func (s *Store) SnapshotAt(ctx context.Context, tenantID string, rev int64) (rbac.Snapshot, error) {
	out := rbac.Snapshot{Revision: rev}
	err := s.read(ctx, func(db *gorm.DB) error {
		p, err := readPast(db, tenantID, rev)
		if err != nil {
			return err
		}
		users, err := latest[histUser](db, tenantID, kindUser, nil, rev)
		if err != nil {
			return err
		}
		groups, err := latest[histGroup](db, tenantID, kindGroup, nil, rev)
		if err != nil {
			return err
		}
		memberships, err := latest[struct{}](db, tenantID, kindMember, nil, rev)
		if err != nil {
			return err
		}
		members := map[string][]string{}
		for _, key := range sortedKeys(memberships) {
			user, group, _ := strings.Cut(key, "|")
			if _, ok := users[user]; ok {
				members[group] = append(members[group], user)
			}
		}
		out.Roles = p.snapshotRoles()
		for _, id := range sortedKeys(users) {
			out.Users = append(out.Users, snapshotUser(p, id, users[id]))
		}
		for _, id := range sortedKeys(groups) {
			g := groups[id]
			out.Groups = append(out.Groups, rbac.SnapshotGroup{ID: id, Members: members[id], Grants: p.grants(g.state.Grants, g.rev)})
		}
		return nil
	})
	return out, err
}

func (s *Store) UserSnapshotAt(ctx context.Context, tenantID, userID string, rev int64) (rbac.Snapshot, error) {
	out := rbac.Snapshot{Revision: rev}
	err := s.read(ctx, func(db *gorm.DB) error {
		users, err := latest[histUser](db, tenantID, kindUser, []string{userID}, rev)
		if err != nil {
			return err
		}
		u, ok := users[userID]
		if !ok {
			return rbac.NotFound("user")
		}
		p, err := s.pastRoles.get(db, tenantID, rev)
		if err != nil {
			return err
		}
		out.Roles = p.snapshotRoles()
		out.Users = []rbac.SnapshotUser{snapshotUser(p, userID, u)}
		groups, err := groupsOfAt(db, tenantID, userID, rev)
		if err != nil {
			return err
		}
		for _, id := range sortedKeys(groups) {
			g := groups[id]
			out.Groups = append(out.Groups, rbac.SnapshotGroup{ID: id, Members: []string{userID}, Grants: p.grants(g.state.Grants, g.rev)})
		}
		return nil
	})
	return out, err
}

// groupsOfAt reads the groups userID was a member of at rev: its
// memberships are one range of keys, then those groups at rev.
func groupsOfAt(db *gorm.DB, tenantID, userID string, rev int64) (map[string]pastRow[histGroup], error) {
	from, to := memberRange(userID)
	memberships, err := latestWhere[struct{}](db, tenantID, kindMember, rev, func(q *gorm.DB) *gorm.DB {
		return q.Where("h.entity_id >= ? AND h.entity_id < ?", from, to)
	})
	if err != nil || len(memberships) == 0 {
		return nil, err
	}
	ids := make([]string, 0, len(memberships))
	for key := range memberships {
		_, group, _ := strings.Cut(key, "|")
		ids = append(ids, group)
	}
	return latest[histGroup](db, tenantID, kindGroup, ids, rev)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// pastRolesCache is how many (tenant, revision) role states a store keeps.
const pastRolesCache = 16

// pastCache keeps the last few pastStates read (see the package comment).
type pastCache struct {
	mu      sync.Mutex
	entries []*pastState // most recently used last
	tenants []string     // entries[i]'s tenant
}

// get returns the tenant's roles at rev, read in db when not kept.
func (c *pastCache) get(db *gorm.DB, tenantID string, rev int64) (*pastState, error) {
	c.mu.Lock()
	for i, p := range c.entries {
		if p.rev == rev && c.tenants[i] == tenantID {
			c.mu.Unlock()
			return p, nil
		}
	}
	c.mu.Unlock()
	p, err := readPast(db, tenantID, rev)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries, c.tenants = append(c.entries, p), append(c.tenants, tenantID)
	if n := len(c.entries); n > pastRolesCache {
		c.entries, c.tenants = c.entries[n-pastRolesCache:], c.tenants[n-pastRolesCache:]
	}
	return p, nil
}
