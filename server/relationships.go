package server

import (
	"context"

	"github.com/rosterhq/roster/gen"
	"github.com/rosterhq/roster/internal/rbac"
)

// Role relationships (JSON:API linkage of roles to their users): being
// implemented; until then they answer 500 rather than pretend.

func notYet() error { return rbac.Errorf(rbac.EInternal, "not implemented yet") }

func (s *Server) GetRoleAssigneeLinkage(ctx context.Context, req gen.GetRoleAssigneeLinkageRequestObject) (gen.GetRoleAssigneeLinkageResponseObject, error) {
	return nil, notYet()
}

func (s *Server) ListRoleAssignees(ctx context.Context, req gen.ListRoleAssigneesRequestObject) (gen.ListRoleAssigneesResponseObject, error) {
	return nil, notYet()
}

func (s *Server) AddRoleAssignees(ctx context.Context, req gen.AddRoleAssigneesRequestObject) (gen.AddRoleAssigneesResponseObject, error) {
	return nil, notYet()
}

func (s *Server) ReplaceRoleAssignees(ctx context.Context, req gen.ReplaceRoleAssigneesRequestObject) (gen.ReplaceRoleAssigneesResponseObject, error) {
	return nil, notYet()
}

func (s *Server) RemoveRoleAssignees(ctx context.Context, req gen.RemoveRoleAssigneesRequestObject) (gen.RemoveRoleAssigneesResponseObject, error) {
	return nil, notYet()
}
