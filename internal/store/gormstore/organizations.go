package gormstore

import (
	"context"

	"github.com/rosterhq/roster/internal/auth"
	"github.com/rosterhq/roster/internal/rbac"
)

func (s *Store) ListOrganizations(ctx context.Context, tenantID string, p rbac.Page) ([]rbac.Organization, string, error) {
	if _, err := s.GetTenant(ctx, tenantID); err != nil {
		return nil, "", err
	}
	return listPage(s.db.WithContext(ctx).Where("tenant_id = ?", tenantID), p, orgRow.key, each(infallible(orgRow.toDomain)))
}

func (s *Store) GetOrganization(ctx context.Context, tenantID, orgID string) (rbac.Organization, error) {
	return getOne(s.db.WithContext(ctx), "organization", tenantID, orgID, each(infallible(orgRow.toDomain)))
}

func (s *Store) CreateOrganization(ctx context.Context, w rbac.Write, in rbac.OrganizationInput) (rbac.Organization, int64, error) {
	if err := in.Validate(); err != nil {
		return rbac.Organization{}, 0, err
	}
	var out rbac.Organization
	rev, err := s.write(ctx, w, func(t *txn) error {
		if err := checkOrgExternalID(t, "", in.ExternalID); err != nil {
			return err
		}
		now := micros(t.now)
		row := orgRow{TenantID: w.TenantID, ID: auth.NewID("org_"), Name: in.Name, ExternalID: strPtr(in.ExternalID),
			Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := t.tx.Create(&row).Error; err != nil {
			return err
		}
		out = row.toDomain()
		t.audit(rbac.ActionOrganizationCreate, rbac.TargetOrganization, row.ID, map[string]any{"after": orgDetails(out)})
		return nil
	})
	return out, rev, err
}

func (s *Store) UpdateOrganization(ctx context.Context, w rbac.Write, orgID string, p rbac.OrganizationPatch) (rbac.Organization, int64, error) {
	if err := p.Validate(); err != nil {
		return rbac.Organization{}, 0, err
	}
	var out rbac.Organization
	rev, err := s.write(ctx, w, func(t *txn) error {
		before, err := getOne(t.tx, "organization", w.TenantID, orgID, each(infallible(orgRow.toDomain)))
		if err != nil {
			return err
		}
		if err := checkIfMatch(w.IfMatch, before.Version); err != nil {
			return err
		}
		after, changed := p.Apply(before)
		if !changed {
			out = before
			return nil
		}
		if after.ExternalID != before.ExternalID {
			if err := checkOrgExternalID(t, orgID, after.ExternalID); err != nil {
				return err
			}
		}
		after.Version++
		after.UpdatedAt = t.now
		out = after
		return t.saveUpdate(&orgRow{}, orgID, map[string]any{
			"name": after.Name, "external_id": strPtr(after.ExternalID), "version": after.Version, "updated_at": micros(t.now)},
			rbac.ActionOrganizationUpdate, rbac.TargetOrganization, orgDetails(before), orgDetails(after))
	})
	return out, rev, err
}

func (s *Store) DeleteOrganization(ctx context.Context, w rbac.Write, orgID string) (int64, error) {
	return s.write(ctx, w, func(t *txn) error {
		var row orgRow
		if err := t.tx.Where("tenant_id = ? AND id = ?", w.TenantID, orgID).Take(&row).Error; err != nil {
			return translate(err, "organization")
		}
		if err := checkIfMatch(w.IfMatch, row.Version); err != nil {
			return err
		}
		var holders []string
		if err := t.tx.Model(&assignmentRow{}).Where("tenant_id = ? AND org_id = ?", w.TenantID, orgID).
			Distinct().Order("user_id").Pluck("user_id", &holders).Error; err != nil {
			return err
		}
		// org_id '' means global, so assignments cannot reference organizations
		// by foreign key; scoped ones are removed here, in the same transaction.
		res := t.tx.Where("tenant_id = ? AND org_id = ?", w.TenantID, orgID).Delete(&assignmentRow{})
		if res.Error != nil {
			return res.Error
		}
		groupRes := t.tx.Where("tenant_id = ? AND org_id = ?", w.TenantID, orgID).Delete(&groupAssignmentRow{})
		if groupRes.Error != nil {
			return groupRes.Error
		}
		if err := t.tx.Delete(&row).Error; err != nil {
			return err
		}
		t.audit(rbac.ActionOrganizationDelete, rbac.TargetOrganization, orgID, map[string]any{"before": orgDetails(row.toDomain()),
			"removed_assignments": res.RowsAffected, "removed_group_assignments": groupRes.RowsAffected,
			affectedUsers: nonNilIDs(holders)})
		return nil
	})
}

func checkOrgExternalID(t *txn, self, externalID string) error {
	if externalID == "" {
		return nil
	}
	var n int64
	if err := t.tx.Model(&orgRow{}).Where("tenant_id = ? AND external_id = ? AND id <> ?", t.w.TenantID, externalID, self).
		Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return rbac.Errorf(rbac.EConflict, "an organization with external_id %q already exists", externalID)
	}
	return nil
}

func orgDetails(o rbac.Organization) map[string]any {
	return map[string]any{"name": o.Name, "external_id": o.ExternalID}
}
