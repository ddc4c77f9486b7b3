package server

import (
	"context"
	"fmt"

	"github.com/rosterhq/roster/gen"
	"github.com/rosterhq/roster/internal/rbac"
)

func (s *Server) ListGroups(ctx context.Context, req gen.ListGroupsRequestObject) (gen.ListGroupsResponseObject, error) {
	pg, err := page(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	items, next, err := s.Store.ListGroups(ctx, req.TenantId, rbac.GroupFilter{Search: deref(req.Params.Search), Page: pg})
	if err != nil {
		return nil, err
	}
	out := gen.GroupList{Items: make([]gen.Group, len(items)), NextCursor: encodeCursor(next)}
	for i, g := range items {
		out.Items[i] = groupOut(g)
	}
	return gen.ListGroups200JSONResponse{Body: out}, nil
}

func (s *Server) CreateGroup(ctx context.Context, req gen.CreateGroupRequestObject) (gen.CreateGroupResponseObject, error) {
	g, rev, err := s.Store.CreateGroup(ctx, write(ctx, req.TenantId, nil), rbac.GroupInput{Name: req.Body.Name, Description: deref(req.Body.Description)})
	if err != nil {
		return nil, err
	}
	return gen.CreateGroup201JSONResponse{Body: groupOut(g),
		Headers: gen.CreateGroup201ResponseHeaders{ETag: rbac.ETag(g.Version), RosterRevision: rev}}, nil
}

func (s *Server) GetGroup(ctx context.Context, req gen.GetGroupRequestObject) (gen.GetGroupResponseObject, error) {
	g, err := s.Store.GetGroup(ctx, req.TenantId, req.GroupId)
	if err != nil {
		return nil, err
	}
	return gen.GetGroup200JSONResponse{Body: groupOut(g), Headers: gen.GetGroup200ResponseHeaders{ETag: rbac.ETag(g.Version)}}, nil
}

func (s *Server) UpdateGroup(ctx context.Context, req gen.UpdateGroupRequestObject) (gen.UpdateGroupResponseObject, error) {
	g, rev, err := s.Store.UpdateGroup(ctx, write(ctx, req.TenantId, req.Params.IfMatch), req.GroupId,
		rbac.GroupPatch{Name: req.Body.Name, Description: req.Body.Description})
	if err != nil {
		return nil, err
	}
	return gen.UpdateGroup200JSONResponse{Body: groupOut(g),
		Headers: gen.UpdateGroup200ResponseHeaders{ETag: rbac.ETag(g.Version), RosterRevision: rev}}, nil
}

func (s *Server) DeleteGroup(ctx context.Context, req gen.DeleteGroupRequestObject) (gen.DeleteGroupResponseObject, error) {
	rev, err := s.Store.DeleteGroup(ctx, write(ctx, req.TenantId, req.Params.IfMatch), req.GroupId)
	if err != nil {
		return nil, err
	}
	return gen.DeleteGroup204Response{Headers: gen.DeleteGroup204ResponseHeaders{RosterRevision: rev}}, nil
}

func (s *Server) ListGroupMembers(ctx context.Context, req gen.ListGroupMembersRequestObject) (gen.ListGroupMembersResponseObject, error) {
	pg, err := page(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	items, next, err := s.Store.ListGroupMembers(ctx, req.TenantId, req.GroupId, pg)
	if err != nil {
		return nil, err
	}
	out := gen.UserList{Items: make([]gen.User, len(items)), NextCursor: encodeCursor(next)}
	for i, u := range items {
		out.Items[i] = userOut(u)
	}
	return gen.ListGroupMembers200JSONResponse{Body: out}, nil
}

func (s *Server) GetGroupMemberLinkage(ctx context.Context, req gen.GetGroupMemberLinkageRequestObject) (gen.GetGroupMemberLinkageResponseObject, error) {
	pg, err := page(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	items, next, err := s.Store.ListGroupMembers(ctx, req.TenantId, req.GroupId, pg)
	if err != nil {
		return nil, err
	}
	base := fmt.Sprintf("/v1/tenants/%s/groups/%s", req.TenantId, req.GroupId)
	return gen.GetGroupMemberLinkage200JSONResponse{Body: linkage(base+"/relationships/members", base+"/members", usersOf(items), next, pg.Limit)}, nil
}

func (s *Server) AddGroupMembers(ctx context.Context, req gen.AddGroupMembersRequestObject) (gen.AddGroupMembersResponseObject, error) {
	rev, err := changeLinkage(ctx, req.TenantId, req.JSONBody, req.ApplicationVndAPIPlusJSONBody, func(w rbac.Write, ids []string) (int64, error) {
		return s.Store.AddGroupMembers(ctx, w, req.GroupId, ids)
	})
	if err != nil {
		return nil, err
	}
	return gen.AddGroupMembers204Response{Headers: gen.AddGroupMembers204ResponseHeaders{RosterRevision: rev}}, nil
}

func (s *Server) ReplaceGroupMembers(ctx context.Context, req gen.ReplaceGroupMembersRequestObject) (gen.ReplaceGroupMembersResponseObject, error) {
	rev, err := changeLinkage(ctx, req.TenantId, req.JSONBody, req.ApplicationVndAPIPlusJSONBody, func(w rbac.Write, ids []string) (int64, error) {
		return s.Store.ReplaceGroupMembers(ctx, w, req.GroupId, ids)
	})
	if err != nil {
		return nil, err
	}
	return gen.ReplaceGroupMembers204Response{Headers: gen.ReplaceGroupMembers204ResponseHeaders{RosterRevision: rev}}, nil
}

func (s *Server) RemoveGroupMembers(ctx context.Context, req gen.RemoveGroupMembersRequestObject) (gen.RemoveGroupMembersResponseObject, error) {
	rev, err := changeLinkage(ctx, req.TenantId, req.JSONBody, req.ApplicationVndAPIPlusJSONBody, func(w rbac.Write, ids []string) (int64, error) {
		return s.Store.RemoveGroupMembers(ctx, w, req.GroupId, ids)
	})
	if err != nil {
		return nil, err
	}
	return gen.RemoveGroupMembers204Response{Headers: gen.RemoveGroupMembers204ResponseHeaders{RosterRevision: rev}}, nil
}

func (s *Server) ListGroupRoles(ctx context.Context, req gen.ListGroupRolesRequestObject) (gen.ListGroupRolesResponseObject, error) {
	pg, err := page(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	items, next, err := s.Store.ListGroupAssignments(ctx, req.TenantId, req.GroupId, pg)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := gen.AssignmentList{Items: make([]gen.Assignment, len(items)), NextCursor: encodeCursor(next)}
	for i, a := range items {
		out.Items[i] = assignmentOut(a, now)
	}
	return gen.ListGroupRoles200JSONResponse{Body: out}, nil
}

func (s *Server) AssignGroupRole(ctx context.Context, req gen.AssignGroupRoleRequestObject) (gen.AssignGroupRoleResponseObject, error) {
	now := s.now()
	in, err := assignmentIn(*req.Body, "")
	if err != nil {
		return nil, err
	}
	a, created, rev, err := s.Store.AssignGroup(ctx, write(ctx, req.TenantId, nil), req.GroupId, in)
	if err != nil {
		return nil, err
	}
	if created {
		return gen.AssignGroupRole201JSONResponse{Body: assignmentOut(a, now),
			Headers: gen.AssignGroupRole201ResponseHeaders{RosterRevision: rev}}, nil
	}
	return gen.AssignGroupRole200JSONResponse{Body: assignmentOut(a, now),
		Headers: gen.AssignGroupRole200ResponseHeaders{RosterRevision: rev}}, nil
}

func (s *Server) RemoveGroupRole(ctx context.Context, req gen.RemoveGroupRoleRequestObject) (gen.RemoveGroupRoleResponseObject, error) {
	rev, err := s.Store.UnassignGroup(ctx, write(ctx, req.TenantId, nil), req.GroupId, req.RoleId, deref(req.Params.OrganizationId))
	if err != nil {
		return nil, err
	}
	return gen.RemoveGroupRole204Response{Headers: gen.RemoveGroupRole204ResponseHeaders{RosterRevision: rev}}, nil
}

func groupOut(g rbac.Group) gen.Group {
	return gen.Group{Id: g.ID, Name: g.Name, Description: optional(g.Description), ExternalId: optional(g.ExternalID), MemberCount: g.MemberCount,
		CreatedAt: utc(g.CreatedAt), UpdatedAt: utc(g.UpdatedAt)}
}
