package server

import (
	"context"
	"errors"

	"github.com/rosterhq/roster/gen"
	"github.com/rosterhq/roster/internal/eval"
	"github.com/rosterhq/roster/internal/rbac"
)

// POST /bulk with dry_run (openapi.yaml, bulkWrite): the operations run as
// an atomic bulk runs them — sub-requests through the router, authorized
// and validated as if sent alone, all in one transaction of the store —
// but in rbac.IdempotencyStore.DryRun, which hands over the delta of their
// writes, read through that transaction, and then always rolls it back.
// While the transaction holds the tenant's write lock no other write can
// commit, so the engine at the delta's first revision is the state "now";
// eval.Tenant.Impact compares it with a copy moved by the delta. Nothing
// reaches the engines or the change feed: sub-requests never notify them
// (principal.internal), the dry run does not either, and the rolled-back
// revisions are never read by anyone else.

// maxImpact bounds the impact a dry run lists (then impact_truncated); a
// variable only so that a test can lower it (export_test.go).
var maxImpact = 10000

func (s *Server) bulkDryRun(ctx context.Context, tenantID string, p *principal, ops []gen.BulkOperation) (gen.BulkWriteResponseObject, error) {
	run := &bulkRun{s: s, tenant: tenantID, parent: p, refs: map[string]string{}}
	var impact []eval.UserImpact
	err := s.Store.DryRun(ctx, tenantID, func(ctx context.Context) error {
		return run.all(ctx, ops, true)
	}, func(d rbac.Delta) error {
		// The tenant's lock is held: the database is at d.From, so is the
		// engine Get answers with.
		t, err := s.Engines.Get(ctx, tenantID, d.From)
		if err != nil {
			return err
		}
		impact, err = t.Impact(d, s.now())
		return err
	})
	if errors.Is(err, errBulkFailed) {
		err = nil // the unit would write nothing: no impact
	}
	if err != nil {
		return nil, err
	}
	rev, err := s.Store.TenantRevision(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	body := gen.BulkResult{Results: run.results, Committed: false, Revision: rev, Impact: &[]gen.BulkImpact{}}
	if len(impact) > maxImpact {
		impact, body.ImpactTruncated = impact[:maxImpact], ptrTo(true)
	}
	for _, im := range impact {
		out := gen.BulkImpact{UserId: im.UserID, Gained: nonNilStrings(im.Gained), Lost: nonNilStrings(im.Lost)}
		if im.OrgID != "" {
			out.OrganizationId = ptrTo(im.OrgID)
		}
		*body.Impact = append(*body.Impact, out)
	}
	return gen.BulkWrite200JSONResponse{Body: body, Headers: gen.BulkWrite200ResponseHeaders{RosterRevision: rev}}, nil
}

func nonNilStrings(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

func ptrTo[T any](v T) *T { return &v }
