package server

import (
	"context"
	"fmt"
	"time"

	"github.com/rosterhq/roster/gen"
	"github.com/rosterhq/roster/internal/rbac"
)

func (s *Server) ListUserRoles(ctx context.Context, req gen.ListUserRolesRequestObject) (gen.ListUserRolesResponseObject, error) {
	id, err := userID(ctx, req.UserId)
	if err != nil {
		return nil, err
	}
	pg, err := page(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	items, next, err := s.Store.ListAssignments(ctx, req.TenantId, id, pg)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := gen.AssignmentList{Items: make([]gen.Assignment, len(items)), NextCursor: encodeCursor(next)}
	for i, a := range items {
		out.Items[i] = assignmentOut(a, now)
	}
	return gen.ListUserRoles200JSONResponse{Body: out}, nil
}

func (s *Server) AssignUserRole(ctx context.Context, req gen.AssignUserRoleRequestObject) (gen.AssignUserRoleResponseObject, error) {
	id, err := userID(ctx, req.UserId)
	if err != nil {
		return nil, err
	}
	now := s.now()
	in, err := assignmentIn(*req.Body, "")
	if err != nil {
		return nil, err
	}
	a, created, rev, err := s.Store.Assign(ctx, write(ctx, req.TenantId, nil), id, in)
	if err != nil {
		return nil, err
	}
	if created {
		return gen.AssignUserRole201JSONResponse{
			Body:    assignmentOut(a, now),
			Headers: gen.AssignUserRole201ResponseHeaders{RosterRevision: rev},
		}, nil
	}
	return gen.AssignUserRole200JSONResponse{
		Body:    assignmentOut(a, now),
		Headers: gen.AssignUserRole200ResponseHeaders{RosterRevision: rev},
	}, nil
}

func (s *Server) ReplaceUserRoles(ctx context.Context, req gen.ReplaceUserRolesRequestObject) (gen.ReplaceUserRolesResponseObject, error) {
	id, err := userID(ctx, req.UserId)
	if err != nil {
		return nil, err
	}
	now := s.now()
	ins := make([]rbac.AssignmentInput, len(req.Body.Assignments))
	for i, b := range req.Body.Assignments {
		if ins[i], err = assignmentIn(b, fmt.Sprintf("assignments[%d].", i)); err != nil {
			return nil, err
		}
	}
	items, rev, err := s.Store.ReplaceAssignments(ctx, write(ctx, req.TenantId, nil), id, ins)
	if err != nil {
		return nil, err
	}
	out := gen.ReplaceUserRoles200JSONResponse{
		Body:    gen.AssignmentItems{Items: make([]gen.Assignment, len(items))},
		Headers: gen.ReplaceUserRoles200ResponseHeaders{RosterRevision: rev},
	}
	for i, a := range items {
		out.Body.Items[i] = assignmentOut(a, now)
	}
	return out, nil
}

// AddUserRole grants one global role with no window; granting what is
// already granted changes nothing and answers 200 all the same.
func (s *Server) AddUserRole(ctx context.Context, req gen.AddUserRoleRequestObject) (gen.AddUserRoleResponseObject, error) {
	id, err := userID(ctx, req.UserId)
	if err != nil {
		return nil, err
	}
	// The store names an unknown role_id as a body field (400); here it is a
	// path id, so an unknown one is 404. A known but unassignable one stays
	// the store's 400.
	if _, err := s.Store.GetRole(ctx, req.TenantId, req.RoleId); err != nil {
		return nil, err
	}
	a, _, rev, err := s.Store.Assign(ctx, write(ctx, req.TenantId, nil), id, rbac.AssignmentInput{RoleID: req.RoleId, KeepExisting: true})
	if err != nil {
		return nil, err
	}
	return gen.AddUserRole200JSONResponse{
		Body:    assignmentOut(a, s.now()),
		Headers: gen.AddUserRole200ResponseHeaders{RosterRevision: rev},
	}, nil
}

func (s *Server) RemoveUserRole(ctx context.Context, req gen.RemoveUserRoleRequestObject) (gen.RemoveUserRoleResponseObject, error) {
	id, err := userID(ctx, req.UserId)
	if err != nil {
		return nil, err
	}
	rev, err := s.Store.Unassign(ctx, write(ctx, req.TenantId, nil), id, req.RoleId, deref(req.Params.OrganizationId))
	if err != nil {
		return nil, err
	}
	return gen.RemoveUserRole204Response{Headers: gen.RemoveUserRole204ResponseHeaders{RosterRevision: rev}}, nil
}

// assignmentIn converts an assignment; a scope that does not fit its type
// cannot be converted (400). The store validates the rest
// (rbac.AssignmentInput.Validate). prefix locates it in the body
// (`assignments[1].`).
func assignmentIn(b gen.AssignmentCreate, prefix string) (rbac.AssignmentInput, error) {
	in := rbac.AssignmentInput{RoleID: b.RoleId, NotBefore: b.NotBefore, ExpiresAt: b.ExpiresAt, Reason: deref(b.Reason)}
	if sc := b.Scope; sc != nil {
		org := deref(sc.OrganizationId)
		switch sc.Type {
		case "organization":
			if org == "" {
				return in, rbac.Invalid(prefix+"scope.organization_id", "is required for an organization scope")
			}
			in.OrganizationID = org
		default:
			if sc.OrganizationId != nil {
				return in, rbac.Invalid(prefix+"scope.organization_id", "is only allowed for an organization scope")
			}
		}
	}
	return in, nil
}

func assignmentOut(a rbac.Assignment, now time.Time) gen.Assignment {
	scope := gen.Scope{Type: "global"}
	if a.OrganizationID != "" {
		scope = gen.Scope{
			Type:             "organization",
			OrganizationId:   optional(a.OrganizationID),
			OrganizationName: optional(a.OrganizationName),
		}
	}
	return gen.Assignment{
		RoleId:      a.RoleID,
		Name:        a.RoleName,
		DisplayName: a.RoleDisplayName,
		Scope:       scope,
		Status:      gen.AssignmentStatus(a.Status(now)),
		AssignedAt:  utc(a.AssignedAt),
		AssignedBy:  a.AssignedBy,
		NotBefore:   utcPtr(a.NotBefore),
		ExpiresAt:   utcPtr(a.ExpiresAt),
		Reason:      optional(a.Reason),
	}
}
