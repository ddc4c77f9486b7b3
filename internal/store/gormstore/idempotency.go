package gormstore

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/rosterhq/roster/internal/migrations"
	"github.com/rosterhq/roster/internal/rbac"
)

// Keyed writes (rbac.IdempotencyStore). RunIdempotent opens the request's
// one transaction and puts it in the context it hands fn: every write of
// the store made with that context joins it (transaction), and the answer
// is inserted in it before the commit. So a crash can never leave a stored
// answer without its write, nor a write without its answer; and because
// the key is looked up under the tenant's write lock, a repeat that raced
// the first request finds its answer instead of writing again.
//
// Invariant: a context carries at most one ambient transaction, made here;
// write and transaction use it instead of opening their own, and never
// commit it.

type idempotencyRow struct {
	Scope       string `gorm:"primaryKey"`
	Caller      string `gorm:"primaryKey"`
	Key         string `gorm:"primaryKey"`
	RequestHash string
	Status      int
	Headers     string
	Body        string
	CreatedAt   int64 `gorm:"autoCreateTime:false"`
}

func (idempotencyRow) TableName() string { return "idempotency_keys" }

type ambientKey struct{}

// ambient is the transaction RunIdempotent opened for ctx, or nil.
func ambient(ctx context.Context) *gorm.DB {
	tx, _ := ctx.Value(ambientKey{}).(*gorm.DB)
	return tx
}

// transaction runs fn in ctx's ambient transaction, or in one of its own.
func (s *Store) transaction(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if tx := ambient(ctx); tx != nil {
		return fn(tx)
	}
	return s.writer.WithContext(ctx).Transaction(fn)
}

func (s *Store) RunIdempotent(ctx context.Context, req rbac.IdempotentRequest, now time.Time,
	fn func(ctx context.Context) (rbac.IdempotentResponse, error)) (rbac.IdempotentResponse, bool, error) {
	var out rbac.IdempotentResponse
	replayed := false
	err := s.writer.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The tenant's write lock before the lookup: a concurrent first
		// request holds it until its answer is stored.
		if err := s.lockTenant(tx, req.Scope); err != nil {
			return err
		}
		var rows []idempotencyRow
		if err := tx.Where("scope = ? AND caller = ? AND key = ?", req.Scope, req.Caller, req.Key).Limit(1).Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 1 {
			row := rows[0]
			if row.CreatedAt > micros(now.Add(-rbac.IdempotencyTTL)) {
				if row.RequestHash != req.Hash {
					return rbac.Errorf(rbac.EIdempotencyMismatch,
						"this Idempotency-Key was used for another request (method, path or body differ)")
				}
				out, replayed = rbac.IdempotentResponse{Status: row.Status, Body: []byte(row.Body)}, true
				return json.Unmarshal([]byte(row.Headers), &out.Header)
			}
			if err := tx.Delete(&row).Error; err != nil { // expired: the key is free again
				return err
			}
		}
		resp, err := fn(context.WithValue(ctx, ambientKey{}, tx))
		if err != nil {
			return err
		}
		out = resp
		if resp.Status < http.StatusOK || resp.Status >= http.StatusMultipleChoices {
			return nil // only answers that did something are replayed
		}
		return tx.Create(&idempotencyRow{Scope: req.Scope, Caller: req.Caller, Key: req.Key, RequestHash: req.Hash,
			Status: resp.Status, Headers: mustJSON(resp.Header), Body: string(resp.Body), CreatedAt: micros(now)}).Error
	})
	if err != nil {
		return rbac.IdempotentResponse{}, false, translate(err, "")
	}
	return out, replayed, nil
}

func (s *Store) InTransaction(ctx context.Context, tenantID string, fn func(ctx context.Context) error) error {
	if ambient(ctx) != nil {
		return fn(ctx) // already inside one (a keyed request): join it
	}
	return translate(s.writer.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.lockTenant(tx, tenantID); err != nil {
			return err
		}
		return fn(context.WithValue(ctx, ambientKey{}, tx))
	}), "")
}

// lockTenant takes the tenant's write lock in tx, as write does, where the
// dialect needs a row lock for it (SQLite's BEGIN IMMEDIATE already
// serialises writers). A tenant that does not exist locks nothing.
func (s *Store) lockTenant(tx *gorm.DB, tenantID string) error {
	if tenantID == "" || s.dialect == migrations.SQLite {
		return nil
	}
	var t tenantRow
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Select("id").Where("id = ?", tenantID).Take(&t).Error
	if err != nil && !isNotFound(err) {
		return err
	}
	return nil
}

func (s *Store) SweepIdempotencyKeys(ctx context.Context, before time.Time, limit int) (int, error) {
	db := s.writer.WithContext(ctx)
	res := db.Where("(scope, caller, key) IN (?)", db.Model(&idempotencyRow{}).Select("scope, caller, key").
		Where("created_at < ?", micros(before)).Order("created_at").Limit(limit)).Delete(&idempotencyRow{})
	return int(res.RowsAffected), translate(res.Error, "")
}

func isNotFound(err error) bool { return errors.Is(err, gorm.ErrRecordNotFound) }
