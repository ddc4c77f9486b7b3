package gormstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/rosterhq/roster/internal/auth"
	"github.com/rosterhq/roster/internal/migrations"
	"github.com/rosterhq/roster/internal/rbac"
)

// txn is one write request in progress: its transaction, the locked tenant
// row, and the single audit event the request will leave if it changes anything.
type txn struct {
	tx     *gorm.DB
	w      rbac.Write
	now    time.Time
	tenant tenantRow
	event  *pendingEvent
	// adminsBefore counts the tenant's administrators before a change that
	// could remove the last one (see keepAdmin).
	adminsBefore *int64
}

type pendingEvent struct {
	action   rbac.Action
	target   rbac.Target
	targetID string
	details  map[string]any
}

// change is the event as the change feed will read it back (see changes).
func (e *pendingEvent) change(rev int64) rbac.Change {
	c := rbac.Change{Revision: rev, Action: e.action, Target: e.target, TargetID: e.targetID}
	if listsAffectedUsers(e.action) {
		c.AffectedUsers = stringList(e.details[affectedUsers])
	}
	return c
}

// audit records what the request changed. A request leaves exactly one event:
// the first call names it, later calls (cascaded effects) are appended to its
// details under "effects".
func (t *txn) audit(action rbac.Action, target rbac.Target, targetID string, details map[string]any) {
	if details == nil {
		details = map[string]any{}
	}
	if t.event == nil {
		t.event = &pendingEvent{action: action, target: target, targetID: targetID, details: details}
		return
	}
	effect := map[string]any{"action": action, "target_type": target, "target_id": targetID}
	for k, v := range details {
		effect[k] = v
	}
	effects, _ := t.event.details["effects"].([]any)
	t.event.details["effects"] = append(effects, effect)
}

// write runs fn in one transaction holding the tenant's write lock. If fn
// recorded an audit event, the tenant revision moves by one and the event is
// stored, both in the same transaction; otherwise nothing is written and the
// current revision is returned.
func (s *Store) write(ctx context.Context, w rbac.Write, fn func(t *txn) error) (int64, error) {
	var rev int64
	if tx := ambient(ctx); tx != nil {
		// Inside a keyed request's transaction (RunIdempotent): no retry of
		// our own, the request's transaction is the unit.
		if err := s.writeIn(tx, w, fn, &rev); err != nil {
			return 0, translate(err, "")
		}
		return rev, nil
	}
	err := s.retry(ctx, func() error { return s.writeOnce(ctx, w, fn, &rev) })
	if err != nil {
		return 0, translate(err, "")
	}
	return rev, nil
}

// writeOnce is one attempt of write; retry runs it again (fn included) after
// a serialization failure or deadlock, which only PostgreSQL reports.
func (s *Store) writeOnce(ctx context.Context, w rbac.Write, fn func(t *txn) error, revOut *int64) error {
	return s.writer.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return s.writeIn(tx, w, fn, revOut) })
}

// writeIn is write's work in transaction tx.
func (s *Store) writeIn(tx *gorm.DB, w rbac.Write, fn func(t *txn) error, revOut *int64) error {
	var rev int64
	defer func() { *revOut = rev }()
	{
		t := &txn{tx: tx, w: w, now: s.now()}
		q := tx
		if s.dialect != migrations.SQLite {
			// SQLite's BEGIN IMMEDIATE already serialises writers; elsewhere the
			// tenant row lock does, so read-check-write logic below is race-free.
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if err := q.Where("id = ?", w.TenantID).Take(&t.tenant).Error; err != nil {
			return translate(err, "tenant")
		}
		if err := fn(t); err != nil {
			return err
		}
		if err := t.checkAdminKept(); err != nil {
			return err
		}
		rev = t.tenant.Revision
		if t.event == nil {
			return nil
		}
		rev++
		if err := tx.Model(&tenantRow{}).Where("id = ?", w.TenantID).
			Update("revision", rev).Error; err != nil {
			return err
		}
		if err := tx.Create(&auditRow{TenantID: w.TenantID, ID: auth.NewID("evt_"), At: micros(t.now),
			ActorID: w.Actor.ID(), Action: string(t.event.action), TargetType: string(t.event.target),
			TargetID: t.event.targetID, Details: eventDetails(w.Actor, t.event.details), Revision: rev}).Error; err != nil {
			return err
		}
		return recordHistory(tx, w.TenantID, rev, t.event.change(rev), t.event.details)
	}
}

// eventDetails is an audit event's details as stored. A write made with a
// token that someone other than its user minted names that minter: the
// event's actor is the token's user, but whoever minted the token may be
// the one acting (docs/security.md, "The grant policy").
func eventDetails(a rbac.Actor, details map[string]any) string {
	if a.MintedBy != "" {
		details["token_minted_by"] = a.MintedBy
	}
	return mustJSON(details)
}

// mintedBy is what a token minted for userID by a records as its minter:
// NULL when its own user mints it (whichever of its tokens it uses: every
// user's first token is minted by someone else, and a token of its own is
// how it leaves that minter behind), else a (a user id, or "operator").
func mintedBy(a rbac.Actor, userID string) *string {
	m := a.ID()
	if m == userID {
		return nil
	}
	return &m
}

// translate turns database errors into rbac errors; kind names what was not found.
func translate(err error, kind string) error {
	var re *rbac.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &re):
		return err
	case errors.Is(err, gorm.ErrRecordNotFound):
		if kind == "" {
			kind = "resource"
		}
		return rbac.NotFound(kind)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return rbac.Errorf(rbac.EConflict, "already exists")
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return rbac.Errorf(rbac.EConflict, "conflicts with related data")
	}
	return fmt.Errorf("gormstore: %w", err)
}

// checkIfMatch answers 412 when the caller's If-Match names another version.
func checkIfMatch(ifMatch string, version int64) error {
	if ifMatch == "" || ifMatch == "*" || ifMatch == rbac.ETag(version) {
		return nil
	}
	return rbac.Errorf(rbac.EPrecondition, "If-Match %s does not match the current ETag %s", ifMatch, rbac.ETag(version))
}

const maxPage = 1000

func pageLimit(p rbac.Page) int {
	switch {
	case p.Limit <= 0:
		return 20
	case p.Limit > maxPage:
		return maxPage
	}
	return p.Limit
}

// keyset applies "col > after ORDER BY col LIMIT limit+1": the extra row
// tells whether another page exists, and no OFFSET is ever scanned.
func keyset(q *gorm.DB, p rbac.Page, col string) *gorm.DB {
	if p.After != "" {
		q = q.Where(col+" > ?", p.After)
	}
	return q.Order(col).Limit(pageLimit(p) + 1)
}

// trim cuts the extra row off and returns the cursor key of the last item kept.
func trim[T any](rows []T, p rbac.Page, key func(T) string) ([]T, string) {
	limit := pageLimit(p)
	if len(rows) <= limit {
		return rows, ""
	}
	rows = rows[:limit]
	return rows, key(rows[limit-1])
}
