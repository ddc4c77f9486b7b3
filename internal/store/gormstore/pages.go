package gormstore

import (
	"gorm.io/gorm"

	"github.com/rosterhq/roster/internal/rbac"
)

// listPage reads one keyset page, ordered by id, of the rows q selects and
// turns them into domain values; next is the cursor of the following page
// ("" on the last). Every list of the store reads its pages through it.
func listPage[R, T any](q *gorm.DB, p rbac.Page, id func(R) string, hydrate func([]R) ([]T, error)) ([]T, string, error) {
	var rows []R
	if err := keyset(q, p, "id").Find(&rows).Error; err != nil {
		return nil, "", translate(err, "")
	}
	rows, next := trim(rows, p, id)
	if len(rows) == 0 {
		return []T{}, "", nil // nothing to hydrate: spare the queries (a lookup that finds nothing)
	}
	out, err := hydrate(rows)
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// getOne reads the row of the tenant's thing (kind, for a 404) with id and
// turns it into a domain value.
func getOne[R, T any](db *gorm.DB, kind, tenantID, id string, hydrate func([]R) ([]T, error)) (T, error) {
	var row R
	var zero T
	if err := db.Where("tenant_id = ? AND id = ?", tenantID, id).Take(&row).Error; err != nil {
		return zero, translate(err, kind)
	}
	out, err := hydrate([]R{row})
	if err != nil {
		return zero, err
	}
	return out[0], nil
}

// each turns rows into domain values one by one.
func each[R, T any](conv func(R) (T, error)) func([]R) ([]T, error) {
	return func(rows []R) ([]T, error) {
		out := make([]T, len(rows))
		for i, r := range rows {
			var err error
			if out[i], err = conv(r); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
}

// infallible adapts a conversion that cannot fail for each.
func infallible[R, T any](conv func(R) T) func(R) (T, error) {
	return func(r R) (T, error) { return conv(r), nil }
}

func (r roleRow) key() string   { return r.ID }
func (r userRow) key() string   { return r.ID }
func (r groupRow) key() string  { return r.ID }
func (r orgRow) key() string    { return r.ID }
func (r tenantRow) key() string { return r.ID }
func (r tokenRow) key() string  { return r.ID }

// saveUpdate writes an update of the tenant's thing id (model names its
// table): the changed columns, with version and updated_at, and the audit
// event with its details before and after, in the write's transaction.
func (t *txn) saveUpdate(model any, id string, cols map[string]any, action rbac.Action, target rbac.Target, before, after map[string]any) error {
	if err := t.tx.Model(model).Where("tenant_id = ? AND id = ?", t.w.TenantID, id).Updates(cols).Error; err != nil {
		return err
	}
	t.audit(action, target, id, map[string]any{"before": before, "after": after})
	return nil
}
