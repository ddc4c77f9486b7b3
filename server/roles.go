package server

import (
	"context"

	"github.com/rosterhq/roster/gen"
	"github.com/rosterhq/roster/internal/rbac"
)

// maxMetadataBytes is the contract's limit on a role's metadata, measured
// as the JSON it is stored as; the schema language cannot express it.

func (s *Server) ListRoles(ctx context.Context, req gen.ListRolesRequestObject) (gen.ListRolesResponseObject, error) {
	pg, err := page(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	f := rbac.RoleFilter{Search: deref(req.Params.Search), Page: pg}
	if req.Params.Type != nil {
		f.Type = string(*req.Params.Type)
	}
	items, next, err := s.Store.ListRoles(ctx, req.TenantId, f)
	if err != nil {
		return nil, err
	}
	out := gen.RoleList{Items: make([]gen.Role, len(items)), NextCursor: encodeCursor(next)}
	for i, r := range items {
		out.Items[i] = roleOut(r)
	}
	return gen.ListRoles200JSONResponse{Body: out}, nil
}

func (s *Server) CreateRole(ctx context.Context, req gen.CreateRoleRequestObject) (gen.CreateRoleResponseObject, error) {
	b := req.Body
	var parents []string
	if b.InheritsFrom != nil {
		parents = *b.InheritsFrom
	}
	in := rbac.RoleInput{
		Name:        b.Name,
		DisplayName: b.DisplayName,
		Description: deref(b.Description),
		Permissions: b.Permissions,
		Assignable:  b.Assignable == nil || *b.Assignable, // the schema's default
	}
	in.InheritsFrom = parents
	if b.Metadata != nil {
		in.Metadata = *b.Metadata
	}
	r, rev, err := s.Store.CreateRole(ctx, write(ctx, req.TenantId, nil), in)
	if err != nil {
		return nil, err
	}
	return gen.CreateRole201JSONResponse{
		Body:    roleOut(r),
		Headers: gen.CreateRole201ResponseHeaders{ETag: rbac.ETag(r.Version), RosterRevision: rev},
	}, nil
}

func (s *Server) GetRole(ctx context.Context, req gen.GetRoleRequestObject) (gen.GetRoleResponseObject, error) {
	r, err := s.Store.GetRole(ctx, req.TenantId, req.RoleId)
	if err != nil {
		return nil, err
	}
	return gen.GetRole200JSONResponse{
		Body:    roleOut(r),
		Headers: gen.GetRole200ResponseHeaders{ETag: rbac.ETag(r.Version)},
	}, nil
}

func (s *Server) UpdateRole(ctx context.Context, req gen.UpdateRoleRequestObject) (gen.UpdateRoleResponseObject, error) {
	b := req.Body
	patch := rbac.RolePatch{
		Name:         b.Name,
		DisplayName:  b.DisplayName,
		Description:  b.Description,
		Permissions:  b.Permissions,
		InheritsFrom: b.InheritsFrom,
		Assignable:   b.Assignable,
	}
	if b.Metadata != nil {
		m := map[string]any(*b.Metadata)
		patch.Metadata = &m
	}
	r, rev, err := s.Store.UpdateRole(ctx, write(ctx, req.TenantId, req.Params.IfMatch), req.RoleId, patch)
	if err != nil {
		return nil, err
	}
	return gen.UpdateRole200JSONResponse{
		Body:    roleOut(r),
		Headers: gen.UpdateRole200ResponseHeaders{ETag: rbac.ETag(r.Version), RosterRevision: rev},
	}, nil
}

func (s *Server) DeleteRole(ctx context.Context, req gen.DeleteRoleRequestObject) (gen.DeleteRoleResponseObject, error) {
	rev, err := s.Store.DeleteRole(ctx, write(ctx, req.TenantId, req.Params.IfMatch), req.RoleId)
	if err != nil {
		return nil, err
	}
	return gen.DeleteRole204Response{Headers: gen.DeleteRole204ResponseHeaders{RosterRevision: rev}}, nil
}

func roleOut(r rbac.Role) gen.Role {
	typ := gen.RoleType("custom")
	if r.System {
		typ = "system"
	}
	out := gen.Role{
		Id:           r.ID,
		Name:         r.Name,
		DisplayName:  r.DisplayName,
		Description:  optional(r.Description),
		Type:         typ,
		Permissions:  nonNil(r.Permissions),
		InheritsFrom: nonNil(r.InheritsFrom),
		Assignable:   r.Assignable,
		Default:      r.Default,
		UserCount:    r.UserCount,
		CreatedAt:    utc(r.CreatedAt),
		UpdatedAt:    utc(r.UpdatedAt),
	}
	if len(r.Metadata) > 0 {
		m := gen.Metadata(r.Metadata)
		out.Metadata = &m
	}
	return out
}

// nonNil keeps required arrays as [] rather than null in responses.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
