package server

import (
	"context"
	"fmt"

	"github.com/rosterhq/roster/gen"
	"github.com/rosterhq/roster/internal/eval"
	"github.com/rosterhq/roster/internal/rbac"
)

// permChecks lets a caller evaluate and check users other than itself.
const permChecks = "checks:read"

// engine returns the tenant's evaluation engine at min_revision or newer.
func (s *Server) engine(ctx context.Context, tenantID string, minRev *int64) (*eval.Tenant, error) {
	var min int64
	if minRev != nil {
		min = *minRev
	}
	return s.Engines.Get(ctx, tenantID, min)
}

// evalUser resolves the {user_id} of an evaluated read: `me` or an id the
// engine knows (404 otherwise: it is a path id). It returns the engine to
// answer from, which may have caught up to find the user.
func (s *Server) evalUser(ctx context.Context, tenantID string, t *eval.Tenant, id string) (*eval.Tenant, string, error) {
	id, err := userID(ctx, id)
	if err != nil {
		return t, "", err
	}
	t, ok, err := s.knownUser(ctx, tenantID, t, id)
	if err != nil {
		return t, "", err
	}
	if !ok {
		return t, "", rbac.NotFound("user")
	}
	return t, id, nil
}

// knownUser reports whether the user exists. A user the engine does not
// know may have been made through another replica since the last poll:
// rather than answer "unknown" for up to a poll interval, catch up once.
func (s *Server) knownUser(ctx context.Context, tenantID string, t *eval.Tenant, id string) (*eval.Tenant, bool, error) {
	if t.HasUser(id) {
		return t, true, nil
	}
	fresh, err := s.Engines.Sync(ctx, tenantID)
	if err != nil {
		return t, false, err
	}
	return fresh, fresh.HasUser(id), nil
}

// orgFilter checks an organization_id query parameter: unknown is 400.
func (s *Server) orgFilter(ctx context.Context, tenantID string, org *string, field string) (string, error) {
	if org == nil || *org == "" {
		return "", nil
	}
	if err := s.orgExists(ctx, tenantID, *org); err != nil {
		if rbac.IsCode(err, rbac.ENotFound) {
			return "", rbac.Invalid(field, "unknown organization "+*org)
		}
		return "", err
	}
	return *org, nil
}

func (s *Server) GetEvaluatedRoles(ctx context.Context, req gen.GetEvaluatedRolesRequestObject) (gen.GetEvaluatedRolesResponseObject, error) {
	t, err := s.engine(ctx, req.TenantId, req.Params.MinRevision)
	if err != nil {
		return nil, err
	}
	org, err := s.orgFilter(ctx, req.TenantId, req.Params.OrganizationId, "organization_id")
	if err != nil {
		return nil, err
	}
	t, id, err := s.evalUser(ctx, req.TenantId, t, req.UserId)
	if err != nil {
		return nil, err
	}
	rev := t.Revision()
	held := t.EvaluatedRoles(id, org, org == "", s.now())
	names := newNameCache(s.Store, req.TenantId)
	out := gen.GetEvaluatedRoles200JSONResponse{Items: make([]gen.EvaluatedRole, 0, len(held)), Revision: rev}
	for _, h := range held {
		role, err := names.role(ctx, h.RoleID)
		if err != nil {
			return nil, err
		}
		scope := gen.Scope{Type: gen.ScopeTypeGlobal}
		if h.OrgID != "" {
			name, err := names.org(ctx, h.OrgID)
			if err != nil {
				return nil, err
			}
			scope = gen.Scope{Type: gen.ScopeTypeOrganization, OrganizationId: optional(h.OrgID), OrganizationName: optional(name)}
		}
		item := gen.EvaluatedRole{RoleId: h.RoleID, Name: role.Name, DisplayName: role.DisplayName, Scope: scope,
			Sources: make([]gen.RoleSource, len(h.Sources))}
		for i, src := range h.Sources {
			item.Sources[i] = gen.RoleSource{Type: gen.RoleSourceType(src.Type), GroupId: optional(src.GroupID), ViaRoleId: optional(src.ViaRoleID)}
		}
		out.Items = append(out.Items, item)
	}
	return out, nil
}

func (s *Server) GetUserPermissions(ctx context.Context, req gen.GetUserPermissionsRequestObject) (gen.GetUserPermissionsResponseObject, error) {
	t, err := s.engine(ctx, req.TenantId, req.Params.MinRevision)
	if err != nil {
		return nil, err
	}
	org, err := s.orgFilter(ctx, req.TenantId, req.Params.OrganizationId, "organization_id")
	if err != nil {
		return nil, err
	}
	t, id, err := s.evalUser(ctx, req.TenantId, t, req.UserId)
	if err != nil {
		return nil, err
	}
	rev := t.Revision()
	perms := t.Permissions(id, org, s.now())
	return gen.GetUserPermissions200JSONResponse{Permissions: nonNil(perms), Revision: rev}, nil
}

func (s *Server) CheckPermission(ctx context.Context, req gen.CheckPermissionRequestObject) (gen.CheckPermissionResponseObject, error) {
	t, err := s.engine(ctx, req.TenantId, req.Params.MinRevision)
	if err != nil {
		return nil, err
	}
	rev := t.Revision()
	out, err := s.check(ctx, req.TenantId, t, *req.Body, "")
	if err != nil {
		return nil, err
	}
	return gen.CheckPermission200JSONResponse{Allowed: out.Allowed, Matched: out.Matched, Revision: rev}, nil
}

func (s *Server) CheckPermissions(ctx context.Context, req gen.CheckPermissionsRequestObject) (gen.CheckPermissionsResponseObject, error) {
	t, err := s.engine(ctx, req.TenantId, req.Params.MinRevision)
	if err != nil {
		return nil, err
	}
	rev := t.Revision()
	out := gen.CheckPermissions200JSONResponse{Results: make([]gen.CheckOutcome, len(req.Body.Checks)), Revision: rev}
	for i, c := range req.Body.Checks {
		if out.Results[i], err = s.check(ctx, req.TenantId, t, c, fmt.Sprintf("checks[%d].", i)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// check answers one check. Checking someone other than oneself needs
// checks:read; the body names the user, so this is decided here rather than
// by the authorization middleware.
func (s *Server) check(ctx context.Context, tenantID string, t *eval.Tenant, c gen.CheckRequest, prefix string) (gen.CheckOutcome, error) {
	p, err := caller(ctx)
	if err != nil {
		return gen.CheckOutcome{}, err
	}
	user := c.UserId
	if user == "me" {
		if p.Token.Operator() {
			return gen.CheckOutcome{}, rbac.Invalid(prefix+"user_id", "the operator has no user")
		}
		user = p.Token.UserID
	}
	if user != p.Token.UserID {
		if err := p.require(ctx, permChecks); err != nil {
			return gen.CheckOutcome{}, err
		}
	}
	t, known, err := s.knownUser(ctx, tenantID, t, user)
	if err != nil {
		return gen.CheckOutcome{}, err
	}
	if !known {
		return gen.CheckOutcome{}, rbac.Invalid(prefix+"user_id", "unknown user "+user)
	}
	org, err := s.orgFilter(ctx, tenantID, c.OrganizationId, prefix+"organization_id")
	if err != nil {
		return gen.CheckOutcome{}, err
	}
	d := t.Check(user, c.Permission, org, s.now())
	out := gen.CheckOutcome{Allowed: d.Allowed}
	if d.Allowed {
		out.Matched = &gen.CheckMatch{RoleId: d.RoleID, Permission: d.Pattern}
	}
	return out, nil
}

// holders answers GET /users?holds_role=…|holds_permission=…: reverse
// evaluation from the engine's index, then the users themselves.
func (s *Server) holders(ctx context.Context, req gen.ListUsersRequestObject) (gen.ListUsersResponseObject, error) {
	q := req.Params
	if q.Search != nil || q.RoleId != nil || q.GroupId != nil || (q.HoldsRole != nil && q.HoldsPermission != nil) {
		return nil, rbac.Invalid("holds_role", "holds_role or holds_permission cannot be combined with other filters")
	}
	pg, err := page(q.Limit, q.Cursor)
	if err != nil {
		return nil, err
	}
	t, err := s.engine(ctx, req.TenantId, q.MinRevision)
	if err != nil {
		return nil, err
	}
	org, err := s.orgFilter(ctx, req.TenantId, q.OrganizationId, "organization_id")
	if err != nil {
		return nil, err
	}
	if q.HoldsRole != nil {
		if _, err := s.Store.GetRole(ctx, req.TenantId, *q.HoldsRole); err != nil {
			if rbac.IsCode(err, rbac.ENotFound) {
				return nil, rbac.Invalid("holds_role", "unknown role "+*q.HoldsRole)
			}
			return nil, err
		}
	}
	var ids []string
	var next string
	if q.HoldsRole != nil {
		ids, next = t.HoldersOfRole(*q.HoldsRole, org, pg.After, pg.Limit, s.now())
	} else {
		ids, next = t.HoldersOfPermission(*q.HoldsPermission, org, pg.After, pg.Limit, s.now())
	}
	users, err := s.Store.GetUsers(ctx, req.TenantId, ids)
	if err != nil {
		return nil, err
	}
	out := gen.ListUsers200JSONResponse{Items: make([]gen.User, 0, len(users)), NextCursor: encodeCursor(next)}
	for _, u := range users {
		out.Items = append(out.Items, userOut(u))
	}
	return out, nil
}
