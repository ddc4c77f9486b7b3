package server

import (
	"context"
	"net/url"

	"github.com/rosterhq/roster/gen"
	"github.com/rosterhq/roster/internal/rbac"
)

// Role relationships (JSON:API linkage of a role to the users holding it
// directly and globally), served by the linkage code groups use.

// roleAssigneeLinks returns the relationship's self and related links.
func roleAssigneeLinks(tenantID, roleID string) (self, related string) {
	base := "/v1/tenants/" + url.PathEscape(tenantID) + "/roles/" + url.PathEscape(roleID)
	return base + "/relationships/assigned_users", base + "/assigned_users"
}

func (s *Server) GetRoleAssigneeLinkage(ctx context.Context, req gen.GetRoleAssigneeLinkageRequestObject) (gen.GetRoleAssigneeLinkageResponseObject, error) {
	pg, err := page(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	items, next, err := s.Store.ListRoleAssignees(ctx, req.TenantId, req.RoleId, pg)
	if err != nil {
		return nil, err
	}
	self, related := roleAssigneeLinks(req.TenantId, req.RoleId)
	return gen.GetRoleAssigneeLinkage200JSONResponse{Body: linkage(self, related, usersOf(items), next, pg.Limit)}, nil
}

func (s *Server) ListRoleAssignees(ctx context.Context, req gen.ListRoleAssigneesRequestObject) (gen.ListRoleAssigneesResponseObject, error) {
	pg, err := page(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	items, next, err := s.Store.ListRoleAssignees(ctx, req.TenantId, req.RoleId, pg)
	if err != nil {
		return nil, err
	}
	self, related := roleAssigneeLinks(req.TenantId, req.RoleId)
	return gen.ListRoleAssignees200JSONResponse{Body: userDocument(self, related, items, next, pg.Limit)}, nil
}

// The store applies the grant policy to each: adding and replacing grant
// the role, removing and replacing take it from users.

func (s *Server) AddRoleAssignees(ctx context.Context, req gen.AddRoleAssigneesRequestObject) (gen.AddRoleAssigneesResponseObject, error) {
	rev, err := changeLinkage(ctx, req.TenantId, req.JSONBody, req.ApplicationVndAPIPlusJSONBody, func(w rbac.Write, ids []string) (int64, error) {
		return s.Store.AddRoleAssignees(ctx, w, req.RoleId, ids)
	})
	if err != nil {
		return nil, err
	}
	return gen.AddRoleAssignees204Response{Headers: gen.AddRoleAssignees204ResponseHeaders{RosterRevision: rev}}, nil
}

func (s *Server) ReplaceRoleAssignees(ctx context.Context, req gen.ReplaceRoleAssigneesRequestObject) (gen.ReplaceRoleAssigneesResponseObject, error) {
	rev, err := changeLinkage(ctx, req.TenantId, req.JSONBody, req.ApplicationVndAPIPlusJSONBody, func(w rbac.Write, ids []string) (int64, error) {
		return s.Store.ReplaceRoleAssignees(ctx, w, req.RoleId, ids)
	})
	if err != nil {
		return nil, err
	}
	return gen.ReplaceRoleAssignees204Response{Headers: gen.ReplaceRoleAssignees204ResponseHeaders{RosterRevision: rev}}, nil
}

func (s *Server) RemoveRoleAssignees(ctx context.Context, req gen.RemoveRoleAssigneesRequestObject) (gen.RemoveRoleAssigneesResponseObject, error) {
	rev, err := changeLinkage(ctx, req.TenantId, req.JSONBody, req.ApplicationVndAPIPlusJSONBody, func(w rbac.Write, ids []string) (int64, error) {
		return s.Store.RemoveRoleAssignees(ctx, w, req.RoleId, ids)
	})
	if err != nil {
		return nil, err
	}
	return gen.RemoveRoleAssignees204Response{Headers: gen.RemoveRoleAssignees204ResponseHeaders{RosterRevision: rev}}, nil
}
