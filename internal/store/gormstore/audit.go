package gormstore

import (
	"context"
	"strconv"

	"github.com/rosterhq/roster/internal/rbac"
)

// ListAuditEvents pages newest first; the cursor key is the event's sequence
// number, which (unlike its random id) follows commit order.
func (s *Store) ListAuditEvents(ctx context.Context, tenantID string, f rbac.AuditFilter) ([]rbac.AuditEvent, string, error) {
	if _, err := s.GetTenant(ctx, tenantID); err != nil {
		return nil, "", err
	}
	q := s.db.WithContext(ctx).Where("tenant_id = ?", tenantID)
	if f.ActorID != "" {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if f.TargetID != "" {
		q = q.Where("target_id = ?", f.TargetID)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.Since != nil {
		q = q.Where("at >= ?", micros(*f.Since))
	}
	if f.After != "" {
		seq, err := strconv.ParseInt(f.After, 10, 64)
		if err != nil {
			return nil, "", rbac.Invalid("cursor", "not a cursor issued by this server")
		}
		q = q.Where("seq < ?", seq)
	}
	var rows []auditRow
	if err := q.Order("seq DESC").Limit(pageLimit(f.Page) + 1).Find(&rows).Error; err != nil {
		return nil, "", translate(err, "")
	}
	rows, next := trim(rows, f.Page, func(r auditRow) string { return strconv.FormatInt(r.Seq, 10) })
	out := make([]rbac.AuditEvent, len(rows))
	for i, r := range rows {
		var err error
		if out[i], err = r.toDomain(); err != nil {
			return nil, "", err
		}
	}
	return out, next, nil
}
