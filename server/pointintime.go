package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rosterhq/roster/gen"
	"github.com/rosterhq/roster/internal/eval"
	"github.com/rosterhq/roster/internal/rbac"
)

// Point-in-time reads (`at`): the store's history gives the state at the
// revision in force at the instant, an engine built from it answers with
// the instant as its clock, so windows open and close as they did then.
// A read of one user builds an engine of that user alone (its groups and
// every role: a few indexed reads); a read over every user (holders, a
// batch) builds the whole tenant's, kept in pastEngines for the next
// request at the same revision.

// pastEngineCache is how many whole-tenant past engines a server keeps.
const pastEngineCache = 4

// pastEngines keeps the last few whole-tenant engines built from history.
// Invariant: an entry is the tenant's exact state at its revision, which
// never changes (history is append-only below the retention start), so an
// entry never goes stale; mu guards the list, not the engines, which are
// safe for concurrent reads.
type pastEngines struct {
	mu      sync.Mutex
	entries []pastEntry // most recently used last
}

type pastEntry struct {
	tenantID string
	rev      int64
	t        *eval.Tenant
}

func (c *pastEngines) get(tenantID string, rev int64) *eval.Tenant {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, e := range c.entries {
		if e.tenantID == tenantID && e.rev == rev {
			c.entries = append(append(c.entries[:i:i], c.entries[i+1:]...), e)
			return e.t
		}
	}
	return nil
}

func (c *pastEngines) put(tenantID string, rev int64, t *eval.Tenant) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = append(c.entries, pastEntry{tenantID: tenantID, rev: rev, t: t})
	if len(c.entries) > pastEngineCache {
		c.entries = c.entries[len(c.entries)-pastEngineCache:]
	}
}

// past is a point-in-time read resolved: the engine, the revision in force
// at the instant, and the instant, which is the engine's clock.
type past struct {
	t   *eval.Tenant
	rev int64
	at  time.Time
}

// revisionAt resolves `at` (named field in errors) to a revision.
func (s *Server) revisionAt(ctx context.Context, tenantID string, at time.Time, field string, minRevision *int64) (int64, error) {
	if minRevision != nil {
		return 0, rbac.Invalid(field, "cannot be combined with min_revision: a past instant has its own revision")
	}
	if at.After(s.now()) {
		return 0, rbac.Invalid(field, "is in the future: point-in-time reads answer for past instants")
	}
	rev, err := s.Store.RevisionAt(ctx, tenantID, at)
	var e *rbac.Error
	if errors.As(err, &e) && e.Code == rbac.EInvalid && len(e.Fields) == 1 && field != "at" {
		return 0, rbac.Invalid(field, e.Fields[0].Message)
	}
	return rev, err
}

// pastUser is the state of one user at the instant. The user must have
// existed then: a path id is 404 otherwise, a body's (userField) 400.
func (s *Server) pastUser(ctx context.Context, tenantID, userID string, at time.Time, field, userField string, minRevision *int64) (past, error) {
	rev, err := s.revisionAt(ctx, tenantID, at, field, minRevision)
	if err != nil {
		return past{}, err
	}
	snap, err := s.Store.UserSnapshotAt(ctx, tenantID, userID, rev)
	if rbac.IsCode(err, rbac.ENotFound) && userField != "" {
		return past{}, rbac.Invalid(userField, fmt.Sprintf("unknown user %q at %s", userID, at.UTC().Format(time.RFC3339)))
	}
	if err != nil {
		return past{}, err
	}
	return past{t: eval.New(snap), rev: rev, at: at}, nil
}

// pastTenant is the whole tenant's state at the instant.
func (s *Server) pastTenant(ctx context.Context, tenantID string, at time.Time, field string, minRevision *int64) (past, error) {
	rev, err := s.revisionAt(ctx, tenantID, at, field, minRevision)
	if err != nil {
		return past{}, err
	}
	if t := s.past.get(tenantID, rev); t != nil {
		return past{t: t, rev: rev, at: at}, nil
	}
	snap, err := s.Store.SnapshotAt(ctx, tenantID, rev)
	if err != nil {
		return past{}, err
	}
	t := eval.New(snap)
	s.past.put(tenantID, rev, t)
	return past{t: t, rev: rev, at: at}, nil
}

func (s *Server) GetRoleHistory(ctx context.Context, req gen.GetRoleHistoryRequestObject) (gen.GetRoleHistoryResponseObject, error) {
	id, err := userID(ctx, req.UserId)
	if err != nil {
		return nil, err
	}
	pg, err := page(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	items, next, err := s.Store.RoleHistory(ctx, req.TenantId, id, deref(req.Params.RoleId), pg)
	if err != nil {
		return nil, err
	}
	names := newNameCache(s.Store, req.TenantId)
	out := gen.RoleHistory{Items: make([]gen.GrantInterval, 0, len(items)), NextCursor: encodeCursor(next)}
	for _, iv := range items {
		scope := gen.Scope{Type: gen.ScopeTypeGlobal}
		if iv.OrganizationID != "" {
			scope = gen.Scope{Type: gen.ScopeTypeOrganization, OrganizationId: optional(iv.OrganizationID)}
			if name, err := names.org(ctx, iv.OrganizationID); err == nil {
				scope.OrganizationName = optional(name)
			}
		}
		out.Items = append(out.Items, gen.GrantInterval{RoleId: iv.RoleID, Scope: scope,
			Source: gen.GrantIntervalSource{Type: gen.GrantIntervalSourceType(iv.Source), GroupId: optional(iv.GroupID)},
			From:   iv.From, Until: iv.Until, GrantedBy: iv.GrantedBy, RevokedBy: optional(iv.RevokedBy), Reason: optional(iv.Reason)})
	}
	return gen.GetRoleHistory200JSONResponse{Body: out}, nil
}
