package server

import (
	"context"

	"github.com/rosterhq/roster/gen"
	"github.com/rosterhq/roster/internal/rbac"
)

// permAssign is needed, on top of an operation's own permission, by every
// way of granting or removing a role (docs/security.md, "The grant policy").
const permAssign = "assignments:write"

func (s *Server) ListUsers(ctx context.Context, req gen.ListUsersRequestObject) (gen.ListUsersResponseObject, error) {
	if req.Params.HoldsRole != nil || req.Params.HoldsPermission != nil {
		return s.holders(ctx, req)
	}
	if req.Params.OrganizationId != nil {
		return nil, rbac.Invalid("organization_id", "only applies with holds_role or holds_permission")
	}
	pg, err := page(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	f := rbac.UserFilter{Search: deref(req.Params.Search), RoleID: deref(req.Params.RoleId),
		GroupID: deref(req.Params.GroupId), Username: deref(req.Params.Username), Page: pg}
	items, next, err := s.Store.ListUsers(ctx, req.TenantId, f)
	if err != nil {
		return nil, err
	}
	out := gen.UserList{Items: make([]gen.User, len(items)), NextCursor: encodeCursor(next)}
	for i, u := range items {
		out.Items[i] = userOut(u)
	}
	return gen.ListUsers200JSONResponse{Body: out}, nil
}

func (s *Server) CreateUser(ctx context.Context, req gen.CreateUserRequestObject) (gen.CreateUserResponseObject, error) {
	b := req.Body
	in := rbac.UserInput{
		Email:          string(b.Email),
		FirstName:      deref(b.FirstName),
		LastName:       deref(b.LastName),
		ExternalUserID: deref(b.ExternalUserId),
		Username:       deref(b.Username),
	}
	if b.Roles != nil && len(*b.Roles) > 0 {
		if err := requireAssign(ctx); err != nil {
			return nil, err
		}
		in.Roles = *b.Roles
	}
	u, rev, err := s.Store.CreateUser(ctx, write(ctx, req.TenantId, nil), in)
	if err != nil {
		return nil, err
	}
	return gen.CreateUser201JSONResponse{
		Body:    userOut(u),
		Headers: gen.CreateUser201ResponseHeaders{ETag: rbac.ETag(u.Version), RosterRevision: rev},
	}, nil
}

func (s *Server) GetUser(ctx context.Context, req gen.GetUserRequestObject) (gen.GetUserResponseObject, error) {
	id, err := userID(ctx, req.UserId)
	if err != nil {
		return nil, err
	}
	u, err := s.Store.GetUser(ctx, req.TenantId, id)
	if err != nil {
		return nil, err
	}
	return gen.GetUser200JSONResponse{
		Body:    userOut(u),
		Headers: gen.GetUser200ResponseHeaders{ETag: rbac.ETag(u.Version)},
	}, nil
}

func (s *Server) UpdateUser(ctx context.Context, req gen.UpdateUserRequestObject) (gen.UpdateUserResponseObject, error) {
	id, err := userID(ctx, req.UserId)
	if err != nil {
		return nil, err
	}
	b := req.Body
	patch := rbac.UserPatch{
		FirstName:      b.FirstName,
		LastName:       b.LastName,
		ExternalUserID: b.ExternalUserId,
		Username:       b.Username,
		Roles:          b.Roles,
	}
	if b.Roles != nil {
		// Replacing roles grants and removes them.
		if err := requireAssign(ctx); err != nil {
			return nil, err
		}
	}
	if b.Email != nil {
		e := string(*b.Email)
		patch.Email = &e
	}
	if b.Status != nil {
		st := string(*b.Status)
		patch.Status = &st
	}
	u, rev, err := s.Store.UpdateUser(ctx, write(ctx, req.TenantId, req.Params.IfMatch), id, patch)
	if err != nil {
		return nil, err
	}
	return gen.UpdateUser200JSONResponse{
		Body:    userOut(u),
		Headers: gen.UpdateUser200ResponseHeaders{ETag: rbac.ETag(u.Version), RosterRevision: rev},
	}, nil
}

func (s *Server) DeleteUser(ctx context.Context, req gen.DeleteUserRequestObject) (gen.DeleteUserResponseObject, error) {
	id, err := userID(ctx, req.UserId)
	if err != nil {
		return nil, err
	}
	rev, err := s.Store.DeleteUser(ctx, write(ctx, req.TenantId, req.Params.IfMatch), id)
	if err != nil {
		return nil, err
	}
	return gen.DeleteUser204Response{Headers: gen.DeleteUser204ResponseHeaders{RosterRevision: rev}}, nil
}

// requireAssign answers 403 unless the caller may grant and remove roles.
func requireAssign(ctx context.Context) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	return p.require(ctx, permAssign)
}

func userOut(u rbac.User) gen.User {
	status := gen.UserStatus(u.Status)
	if status == "" {
		status = gen.UserStatus(rbac.StatusActive)
	}
	return gen.User{
		Id:             u.ID,
		Email:          u.Email,
		FirstName:      optional(u.FirstName),
		LastName:       optional(u.LastName),
		ExternalUserId: optional(u.ExternalUserID),
		Username:       optional(u.Username),
		Status:         status,
		Roles:          nonNil(u.Roles),
		CreatedAt:      utc(u.CreatedAt),
		UpdatedAt:      utc(u.UpdatedAt),
	}
}
