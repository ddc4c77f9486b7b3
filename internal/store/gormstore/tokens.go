package gormstore

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/rosterhq/roster/internal/auth"
	"github.com/rosterhq/roster/internal/rbac"
)

const operatorTokenID = "tok_operator"

func (s *Store) EnsureOperatorToken(ctx context.Context, hash string, replace bool) (bool, error) {
	created := false
	err := s.writer.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []tokenRow
		if err := tx.Where("id = ?", operatorTokenID).Limit(1).Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 1 {
			if !replace || rows[0].Hash == hash {
				return nil
			}
			return tx.Model(&tokenRow{}).Where("id = ?", operatorTokenID).Update("hash", hash).Error
		}
		created = true
		return tx.Create(&tokenRow{ID: operatorTokenID, Name: "operator", Hash: hash, CreatedAt: micros(s.now())}).Error
	})
	return created, translate(err, "")
}

// OperatorTokenHash is the operator token's stored hash: the one secret
// every replica shares without configuration, from which the app derives
// keys (list cursors) that all replicas must agree on. Never sent to clients.
func (s *Store) OperatorTokenHash(ctx context.Context) (string, error) {
	var row tokenRow
	err := s.db.WithContext(ctx).Select("hash").Where("id = ?", operatorTokenID).Take(&row).Error
	return row.Hash, translate(err, "operator token")
}

func (s *Store) Authenticate(ctx context.Context, hash string, now time.Time) (rbac.Token, error) {
	denied := rbac.Errorf(rbac.EUnauthorized, "missing, unknown, expired or revoked token")
	var row tokenRow
	if err := s.db.WithContext(ctx).Where("hash = ?", hash).Take(&row).Error; err != nil {
		if rbac.IsCode(translate(err, ""), rbac.ENotFound) {
			return rbac.Token{}, denied
		}
		return rbac.Token{}, translate(err, "")
	}
	if row.ExpiresAt != nil && *row.ExpiresAt <= micros(now) {
		return rbac.Token{}, denied
	}
	tok, err := row.toDomain()
	if err != nil {
		return rbac.Token{}, err
	}
	if tok.Operator() {
		return tok, nil
	}
	var status string
	if err := s.db.WithContext(ctx).Model(&userRow{}).Where("tenant_id = ? AND id = ?", tok.TenantID, tok.UserID).
		Pluck("status", &status).Error; err != nil {
		return rbac.Token{}, translate(err, "")
	}
	if status != rbac.StatusActive {
		return rbac.Token{}, denied
	}
	return tok, nil
}

func (s *Store) TouchToken(ctx context.Context, tokenID string, at time.Time) error {
	minute := micros(at.Truncate(time.Minute))
	// Only write when the minute moved: at most one write per token per minute.
	return translate(s.writer.WithContext(ctx).Model(&tokenRow{}).
		Where("id = ? AND (last_used_at IS NULL OR last_used_at < ?)", tokenID, minute).
		Update("last_used_at", minute).Error, "")
}

func (s *Store) ListTokens(ctx context.Context, tenantID, userID string, p rbac.Page) ([]rbac.Token, string, error) {
	db := s.db.WithContext(ctx)
	if _, err := s.getUser(db, tenantID, userID); err != nil {
		return nil, "", err
	}
	return listPage(db.Where("tenant_id = ? AND user_id = ?", tenantID, userID), p, tokenRow.key, each(tokenRow.toDomain))
}

func (s *Store) CreateToken(ctx context.Context, w rbac.Write, in rbac.TokenInput) (rbac.Token, int64, error) {
	if in.Hash == "" {
		return rbac.Token{}, 0, rbac.Errorf(rbac.EInternal, "token hash missing")
	}
	var out rbac.Token
	rev, err := s.write(ctx, w, func(t *txn) error {
		if err := in.Validate(t.now); err != nil {
			return err
		}
		if _, err := s.getUser(t.tx, w.TenantID, in.UserID); err != nil {
			return err
		}
		end, err := t.w.Caller.CanMint(in)
		if err != nil {
			return err
		}
		in.ExpiresAt = end
		if err := t.mayMint(in); err != nil {
			return err
		}
		tenantID, userID := w.TenantID, in.UserID
		row := tokenRow{ID: auth.NewID("tok_"), TenantID: &tenantID, UserID: &userID, Name: in.Name, Hash: in.Hash,
			ExpiresAt: microsPtr(in.ExpiresAt), CreatedAt: micros(t.now), MintedBy: mintedBy(w.Actor, in.UserID)}
		if in.Scopes != nil {
			sc := mustJSON(rbac.SortedUnique(in.Scopes))
			row.Scopes = &sc
		}
		if err := t.tx.Create(&row).Error; err != nil {
			return err
		}
		if out, err = row.toDomain(); err != nil {
			return err
		}
		d := map[string]any{"user_id": in.UserID, "name": in.Name}
		if in.Scopes != nil {
			d["scopes"] = out.Scopes
		}
		t.audit(rbac.ActionTokenCreate, rbac.TargetToken, row.ID, d)
		return nil
	})
	return out, rev, err
}

func (s *Store) RevokeToken(ctx context.Context, w rbac.Write, userID, tokenID string) (int64, error) {
	return s.write(ctx, w, func(t *txn) error {
		if err := t.w.Caller.ManagesToken(userID, tokenID); err != nil {
			return err
		}
		if _, err := s.getUser(t.tx, w.TenantID, userID); err != nil {
			return err
		}
		if userID != w.Actor.UserID {
			if err := t.mayChangeUsers([]string{userID}, "revoking a token of user"); err != nil {
				return err
			}
		}
		res := t.tx.Where("tenant_id = ? AND user_id = ? AND id = ?", w.TenantID, userID, tokenID).Delete(&tokenRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return rbac.NotFound("token")
		}
		t.audit(rbac.ActionTokenRevoke, rbac.TargetToken, tokenID, map[string]any{"user_id": userID})
		return nil
	})
}
