package gormstore

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/rosterhq/roster/internal/rbac"
)

// RoleHistory lists the intervals in which userID held a role directly or
// through a group, newest first, from the user's and its groups' history.
func (s *Store) RoleHistory(ctx context.Context, tenantID, userID, roleID string, p rbac.Page) ([]rbac.GrantInterval, string, error) {
	var all []rbac.GrantInterval
	err := s.read(ctx, func(db *gorm.DB) error {
		if _, err := tenantRevision(db, tenantID); err != nil {
			return err
		}
		userRows, err := entityRows(db, tenantID, kindUser, []string{userID})
		if err != nil {
			return err
		}
		if len(userRows) == 0 {
			return rbac.NotFound("user")
		}
		from, to := memberRange(userID)
		var memberRows []historyRow
		if err := db.Where("tenant_id = ? AND kind = ? AND entity_id >= ? AND entity_id < ?", tenantID, kindMember, from, to).
			Order("entity_id, revision").Find(&memberRows).Error; err != nil {
			return err
		}
		membership := map[string][]historyRow{} // group → the user's membership rows in it
		var groupIDs []string
		for _, r := range memberRows {
			_, group, _ := strings.Cut(r.EntityID, "|")
			if membership[group] == nil {
				groupIDs = append(groupIDs, group)
			}
			membership[group] = append(membership[group], r)
		}
		groupRows, err := entityRows(db, tenantID, kindGroup, groupIDs)
		if err != nil {
			return err
		}
		var dels []historyRow
		if err := db.Select("entity_id, revision").Where("tenant_id = ? AND kind = ? AND state IS NULL", tenantID, kindRole).
			Find(&dels).Error; err != nil {
			return err
		}
		events, err := eventsAt(db, tenantID, userRows, groupRows, dels, memberRows)
		if err != nil {
			return err
		}
		b := intervalBuilder{events: events, roleDeleted: map[string][]int64{}}
		for _, d := range dels {
			b.roleDeleted[d.EntityID] = append(b.roleDeleted[d.EntityID], d.Revision)
		}
		if all, err = b.direct(userRows); err != nil {
			return err
		}
		for _, id := range groupIDs {
			iv, err := b.viaGroup(id, groupRows[id], membership[id], deletedAt(userRows[userID]))
			if err != nil {
				return err
			}
			all = append(all, iv...)
		}
		return nil
	})
	if err != nil {
		return nil, "", translate(err, "")
	}
	if roleID != "" {
		all = slices.DeleteFunc(all, func(iv rbac.GrantInterval) bool { return iv.RoleID != roleID })
	}
	slices.SortStableFunc(all, func(a, b rbac.GrantInterval) int {
		if c := b.From.Compare(a.From); c != 0 {
			return c
		}
		return compareStrings(a.RoleID+"\n"+a.GroupID, b.RoleID+"\n"+b.GroupID)
	})
	// The list is computed whole, so the cursor is an offset into it.
	start, _ := strconv.Atoi(p.After)
	start = min(max(start, 0), len(all))
	limit := pageLimit(p)
	end := min(start+limit, len(all))
	next := ""
	if end < len(all) {
		next = strconv.Itoa(end)
	}
	return all[start:end], next, nil
}

// entityRows reads every history row of the given entities, oldest first.
func entityRows(db *gorm.DB, tenantID string, kind historyKind, ids []string) (map[string][]historyRow, error) {
	out := map[string][]historyRow{}
	for chunk := range slices.Chunk(ids, idChunk) {
		var rows []historyRow
		if err := db.Where("tenant_id = ? AND kind = ? AND entity_id IN ?", tenantID, kind, chunk).
			Order("entity_id, revision").Find(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.EntityID] = append(out[r.EntityID], r)
		}
	}
	return out, nil
}

type eventInfo struct {
	at    time.Time
	actor string
}

// eventsAt reads when, and by whom, each revision the rows name was made.
func eventsAt(db *gorm.DB, tenantID string, sets ...any) (map[int64]eventInfo, error) {
	var revs []int64
	for _, set := range sets {
		switch rows := set.(type) {
		case map[string][]historyRow:
			for _, rs := range rows {
				for _, r := range rs {
					revs = append(revs, r.Revision)
				}
			}
		case []historyRow:
			for _, r := range rows {
				revs = append(revs, r.Revision)
			}
		}
	}
	slices.Sort(revs)
	revs = slices.Compact(revs)
	out := map[int64]eventInfo{}
	for chunk := range slices.Chunk(revs, idChunk) {
		var rows []auditRow
		if err := db.Select("revision, at, actor_id").Where("tenant_id = ? AND revision IN ?", tenantID, chunk).
			Find(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.Revision] = eventInfo{at: fromMicros(r.At), actor: r.ActorID}
		}
	}
	return out, nil
}

type intervalBuilder struct {
	events      map[int64]eventInfo
	roleDeleted map[string][]int64
}

// span is one grant held over [from, until) in revisions: until 0 = still.
type span struct {
	grant      histGrant
	from, till int64
}

// spans turns a holder's states over time into the spans of each grant.
// A grant counts as the same while its role and scope stay; one that
// disappears (or whose role is deleted under it) ends at that revision.
func (b intervalBuilder) spans(rows []historyRow, grantsOf func(string) ([]histGrant, error)) ([]span, error) {
	var out []span
	open := map[string]int{} // role\norg → index in out
	for _, r := range rows {
		var now []histGrant
		if r.State != nil {
			var err error
			if now, err = grantsOf(*r.State); err != nil {
				return nil, err
			}
		}
		present := map[string]bool{}
		for _, g := range now {
			key := g.RoleID + "\n" + g.OrgID
			present[key] = true
			if i, ok := open[key]; ok {
				out[i].grant.ExpiresAt, out[i].grant.NotBefore = g.ExpiresAt, g.NotBefore
				continue
			}
			open[key] = len(out)
			out = append(out, span{grant: g, from: r.Revision})
		}
		for key, i := range open {
			if !present[key] {
				out[i].till = r.Revision
				delete(open, key)
			}
		}
	}
	for i := range out { // a role deleted under a grant its holder kept no row of
		for _, d := range b.roleDeleted[out[i].grant.RoleID] {
			if d > out[i].from && (out[i].till == 0 || d < out[i].till) {
				out[i].till = d
			}
		}
	}
	return out, nil
}

func (b intervalBuilder) interval(s span, from, till int64) rbac.GrantInterval {
	iv := rbac.GrantInterval{RoleID: s.grant.RoleID, OrganizationID: s.grant.OrgID, Reason: s.grant.Reason,
		GrantedBy: s.grant.AssignedBy, From: b.events[from].at}
	if s.grant.NotBefore != nil && fromMicros(*s.grant.NotBefore).After(iv.From) {
		iv.From = fromMicros(*s.grant.NotBefore)
	}
	if till != 0 {
		end := b.events[till]
		iv.Until, iv.RevokedBy = &end.at, end.actor
	}
	if s.grant.ExpiresAt != nil {
		exp := fromMicros(*s.grant.ExpiresAt)
		if iv.Until == nil || exp.Before(*iv.Until) {
			iv.Until, iv.RevokedBy = &exp, "" // it ran out rather than being taken away
		}
	}
	return iv
}

func (b intervalBuilder) direct(rows map[string][]historyRow) ([]rbac.GrantInterval, error) {
	var out []rbac.GrantInterval
	for _, rs := range rows {
		spans, err := b.spans(rs, func(state string) ([]histGrant, error) {
			var u histUser
			err := json.Unmarshal([]byte(state), &u)
			return u.Grants, err
		})
		if err != nil {
			return nil, err
		}
		for _, s := range spans {
			iv := b.interval(s, s.from, s.till)
			iv.Source = rbac.SourceDirect
			out = append(out, iv)
		}
	}
	return out, nil
}

// viaGroup is the group's grant spans intersected with the user's
// membership spans (a membership is a grant-like span of the group itself).
func (b intervalBuilder) viaGroup(groupID string, rows, memberRows []historyRow, userGone int64) ([]rbac.GrantInterval, error) {
	grantSpans, err := b.spans(rows, func(state string) ([]histGrant, error) {
		var g histGroup
		err := json.Unmarshal([]byte(state), &g)
		return g.Grants, err
	})
	if err != nil {
		return nil, err
	}
	memberSpans, err := b.spans(memberRows, func(string) ([]histGrant, error) { return []histGrant{{RoleID: groupID}}, nil })
	if err != nil {
		return nil, err
	}
	for i := range memberSpans { // deleting a user ends its memberships with it
		if userGone != 0 && memberSpans[i].till == 0 {
			memberSpans[i].till = userGone
		}
	}
	var out []rbac.GrantInterval
	for _, m := range memberSpans {
		for _, g := range grantSpans {
			from, till := max(m.from, g.from), minOpen(m.till, g.till)
			if till != 0 && till <= from {
				continue
			}
			iv := b.interval(g, from, till)
			iv.Source, iv.GroupID = rbac.SourceGroup, groupID
			if m.from > g.from { // the membership, not the group's grant, began it
				iv.GrantedBy = b.events[m.from].actor
			}
			out = append(out, iv)
		}
	}
	return out, nil
}

// deletedAt is the revision the entity was deleted at, 0 if it exists.
func deletedAt(rows []historyRow) int64 {
	if n := len(rows); n > 0 && rows[n-1].State == nil {
		return rows[n-1].Revision
	}
	return 0
}

// minOpen is the earlier of two span ends, 0 meaning open.
func minOpen(a, b int64) int64 {
	switch {
	case a == 0:
		return b
	case b == 0:
		return a
	}
	return min(a, b)
}

func (s *Store) PruneHistory(ctx context.Context, tenantID string, before time.Time, limit int) (int, error) {
	rev, err := s.RevisionAt(ctx, tenantID, before)
	if err != nil {
		return 0, nil // nothing older than the history kept, or no such tenant
	}
	deleted := 0
	err = s.writer.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The start moves first: no reader is ever answered from a range
		// whose rows are going.
		if err := tx.Model(&historyStartRow{}).Where("tenant_id = ? AND revision < ?", tenantID, rev).
			Updates(map[string]any{"revision": rev, "at": micros(before)}).Error; err != nil {
			return err
		}
		// A row is needed while it is the newest at or before the start.
		res := tx.Exec(`DELETE FROM entity_history WHERE tenant_id = ? AND revision < ? AND (kind, entity_id, revision) IN (
			SELECT h.kind, h.entity_id, h.revision FROM entity_history h WHERE h.tenant_id = ? AND h.revision < ?
			AND (h.state IS NOT NULL OR h.kind <> 'role') -- when a role was deleted decides which older grants count
			AND EXISTS (SELECT 1 FROM entity_history n WHERE n.tenant_id = h.tenant_id AND n.kind = h.kind
				AND n.entity_id = h.entity_id AND n.revision > h.revision AND n.revision <= ?)
			LIMIT ?)`, tenantID, rev, tenantID, rev, rev, limit)
		deleted = int(res.RowsAffected)
		return res.Error
	})
	return deleted, translate(err, "")
}
