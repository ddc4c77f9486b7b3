package gormstore

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"github.com/rosterhq/roster/internal/rbac"
)

// Dry runs (rbac.IdempotencyStore.DryRun, POST /bulk with dry_run): the
// writes run for real in one transaction holding the tenant's write lock,
// the delta they made is read through that same transaction (so it sees
// the uncommitted writes, which no other connection can), and the
// transaction is rolled back, always. Nothing of it ever commits, so no
// engine and no change feed can see it: they read only committed rows.

// errRollBack ends a dry run's transaction once inspect has had its look.
var errRollBack = errors.New("gormstore: a dry run always rolls back")

func (s *Store) DryRun(ctx context.Context, tenantID string, fn func(ctx context.Context) error, inspect func(d rbac.Delta) error) error {
	var fnErr, inspectErr error
	err := s.writer.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.lockTenant(tx, tenantID); err != nil {
			return err
		}
		base, err := tenantRevision(tx, tenantID)
		if err != nil {
			return err
		}
		if fnErr = fn(context.WithValue(ctx, ambientKey{}, tx)); fnErr != nil {
			return errRollBack
		}
		d, err := s.deltaIn(tx, tenantID, base)
		if err != nil {
			return err
		}
		inspectErr = inspect(d)
		return errRollBack
	})
	switch {
	case !errors.Is(err, errRollBack):
		return translate(err, "tenant")
	case fnErr != nil:
		return fnErr
	}
	return inspectErr
}

// deltaIn is LoadDelta's read in the write transaction tx: the changes
// after since up to the revision tx sees, and the state of what they name.
// It is never cut short for weight: a dry run's delta is all of it.
func (s *Store) deltaIn(tx *gorm.DB, tenantID string, since int64) (rbac.Delta, error) {
	head, err := tenantRevision(tx, tenantID)
	if err != nil {
		return rbac.Delta{}, err
	}
	d := rbac.Delta{From: since, To: head}
	if head <= since {
		d.To = since
		return d, nil
	}
	if d.Changes, err = changes(tx, tenantID, since, head, int(head-since)); err != nil {
		return rbac.Delta{}, err
	}
	if len(d.Changes) != int(head-since) {
		return rbac.Delta{}, rbac.Errorf(rbac.EInternal, "tenant %s: the change feed has %d changes for revisions %d to %d", tenantID, len(d.Changes), since+1, head)
	}
	named := rbac.Name(d.Changes)
	now := micros(s.now())
	if d.Users, err = loadUsers(tx, tenantID, nonNil(named.Users), now); err != nil {
		return rbac.Delta{}, err
	}
	if d.Roles, err = loadRoles(tx, tenantID, nonNil(named.Roles)); err != nil {
		return rbac.Delta{}, err
	}
	d.Groups, err = loadGroups(tx, tenantID, nonNil(named.Groups), now)
	return d, err
}
