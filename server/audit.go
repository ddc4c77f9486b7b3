package server

import (
	"context"

	"github.com/rosterhq/roster/gen"
	"github.com/rosterhq/roster/internal/rbac"
)

func (s *Server) ListAuditEvents(ctx context.Context, req gen.ListAuditEventsRequestObject) (gen.ListAuditEventsResponseObject, error) {
	pg, err := page(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	f := rbac.AuditFilter{
		ActorID:  deref(req.Params.ActorId),
		TargetID: deref(req.Params.TargetId),
		Action:   deref(req.Params.Action),
		Since:    req.Params.Since,
		Page:     pg,
	}
	items, next, err := s.Store.ListAuditEvents(ctx, req.TenantId, f)
	if err != nil {
		return nil, err
	}
	out := gen.AuditEventList{Items: make([]gen.AuditEvent, len(items)), NextCursor: encodeCursor(next)}
	for i, e := range items {
		out.Items[i] = auditEventOut(e)
	}
	return gen.ListAuditEvents200JSONResponse{Body: out}, nil
}

func auditEventOut(e rbac.AuditEvent) gen.AuditEvent {
	details := e.Details
	if details == nil {
		details = map[string]any{} // required: {} rather than null
	}
	return gen.AuditEvent{
		Id:         e.ID,
		At:         utc(e.At),
		ActorId:    e.ActorID,
		Action:     e.Action,
		TargetType: e.TargetType,
		TargetId:   e.TargetID,
		Details:    details,
	}
}
