package server

import (
	"context"
	"fmt"
	"time"

	"github.com/rosterhq/roster/gen"
	"github.com/rosterhq/roster/internal/eval"
	"github.com/rosterhq/roster/internal/rbac"
)

// permChecks lets a caller evaluate and check users other than itself.
const permChecks = "checks:read"

// engine returns the request's evaluation engine (principal.engine): the
// one authorization used, at min_revision or newer.
func (s *Server) engine(ctx context.Context, tenantID string) (*eval.Tenant, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	return p.engine(ctx, tenantID)
}

// knownUser reports whether the user exists, with the engine to answer
// from. A user the request's engine does not know may have been made
// through another replica since the last poll: rather than answer
// "unknown" for up to a poll interval, the engine catches up once.
func (s *Server) knownUser(ctx context.Context, tenantID, id string) (*eval.Tenant, bool, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, false, err
	}
	t, err := p.engine(ctx, tenantID)
	if err != nil || t.HasUser(id) {
		return t, err == nil, err
	}
	if t, err = p.catchUp(ctx, tenantID); err != nil {
		return nil, false, err
	}
	return t, t.HasUser(id), nil
}

// userRead is an evaluated read of one user, resolved: the engine to
// answer from, the user (`me` replaced, known to the engine, else 404: it
// is a path id) and the organization filter (unknown: 400).
type userRead struct {
	t         *eval.Tenant
	user, org string
	now       time.Time  // the engine's clock: now, or the past instant
	asOf      *time.Time // the past instant, nil for now
}

// resolveUserRead resolves an evaluated read of one user: the engine to
// answer from (authorization is always today's), the user (`me`
// replaced; unknown then: 404, as a path id) and the organization filter
// (unknown: 400). With `at`, the engine holds that user as history has it
// at the instant, and the instant is its clock.
func (s *Server) resolveUserRead(ctx context.Context, tenantID, userParam string, org *string, at *time.Time, minRevision *int64) (userRead, error) {
	if _, err := s.engine(ctx, tenantID); err != nil {
		return userRead{}, err
	}
	orgID, err := s.orgFilter(ctx, tenantID, org, "organization_id")
	if err != nil {
		return userRead{}, err
	}
	id, err := userID(ctx, userParam)
	if err != nil {
		return userRead{}, err
	}
	if at != nil {
		p, err := s.pastUser(ctx, tenantID, id, *at, "at", "", minRevision)
		if err != nil {
			return userRead{}, err
		}
		return userRead{t: p.t, user: id, org: orgID, now: p.at, asOf: &p.at}, nil
	}
	t, ok, err := s.knownUser(ctx, tenantID, id)
	if err != nil {
		return userRead{}, err
	}
	if !ok {
		return userRead{}, rbac.NotFound("user")
	}
	return userRead{t: t, user: id, org: orgID, now: s.now()}, nil
}

// orgFilter checks an organization_id query parameter: unknown is 400.
func (s *Server) orgFilter(ctx context.Context, tenantID string, org *string, field string) (string, error) {
	if org == nil || *org == "" {
		return "", nil
	}
	if err := s.orgExists(ctx, tenantID, *org); err != nil {
		if rbac.IsCode(err, rbac.ENotFound) {
			return "", rbac.Invalid(field, fmt.Sprintf("unknown organization %q", *org))
		}
		return "", err
	}
	return *org, nil
}

func (s *Server) GetEvaluatedRoles(ctx context.Context, req gen.GetEvaluatedRolesRequestObject) (gen.GetEvaluatedRolesResponseObject, error) {
	r, err := s.resolveUserRead(ctx, req.TenantId, req.UserId, req.Params.OrganizationId, req.Params.At, req.Params.MinRevision)
	if err != nil {
		return nil, err
	}
	var rev int64
	var held []eval.EvaluatedRole
	r.t.Read(func(v eval.View) { rev, held = v.Revision(), v.EvaluatedRoles(r.user, r.org, r.org == "", r.now) })
	names := newNameCache(s.Store, req.TenantId)
	out := gen.EvaluatedRoles{Items: make([]gen.EvaluatedRole, 0, len(held)), Revision: rev, AsOf: r.asOf}
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
	return gen.GetEvaluatedRoles200JSONResponse{Body: out}, nil
}

func (s *Server) GetUserPermissions(ctx context.Context, req gen.GetUserPermissionsRequestObject) (gen.GetUserPermissionsResponseObject, error) {
	set, err := s.permissionSet(ctx, req.TenantId, req.UserId, req.Params)
	if err != nil {
		return nil, err
	}
	return gen.GetUserPermissions200JSONResponse{Body: set}, nil
}

// permissionSet answers GET /users/{id}/permissions, for the handler and
// the fast path alike.
func (s *Server) permissionSet(ctx context.Context, tenantID, userID string, q gen.GetUserPermissionsParams) (gen.PermissionSet, error) {
	r, err := s.resolveUserRead(ctx, tenantID, userID, q.OrganizationId, q.At, q.MinRevision)
	if err != nil {
		return gen.PermissionSet{}, err
	}
	v := r.t.View()
	defer v.Close()
	rev, perms := v.Revision(), v.Permissions(r.user, r.org, r.now)
	return gen.PermissionSet{Permissions: nonNil(perms), Revision: rev, AsOf: r.asOf}, nil
}

func (s *Server) CheckPermission(ctx context.Context, req gen.CheckPermissionRequestObject) (gen.CheckPermissionResponseObject, error) {
	out, err := s.check(ctx, req.TenantId, *req.Body, req.Params.MinRevision)
	if err != nil {
		return nil, err
	}
	return gen.CheckPermission200JSONResponse{Body: out}, nil
}

// check answers POST /check, for the handler and the fast path alike.
func (s *Server) check(ctx context.Context, tenantID string, body gen.CheckRequest, minRevision *int64) (gen.CheckResult, error) {
	t, q, err := s.resolveCheck(ctx, tenantID, body, "")
	if err != nil {
		return gen.CheckResult{}, err
	}
	now, asOf := s.now(), (*time.Time)(nil)
	if at := body.At; at != nil {
		p, err := s.pastUser(ctx, tenantID, q.user, *at, "at", "user_id", minRevision)
		if err != nil {
			return gen.CheckResult{}, err
		}
		t, now, asOf = p.t, p.at, &p.at
	}
	v := t.View()
	defer v.Close()
	out := s.decide(v, q, now)
	return gen.CheckResult{Allowed: out.Allowed, Matched: out.Matched, Revision: v.Revision(), AsOf: asOf}, nil
}

// CheckPermissions answers every check of the batch from one state of the
// engine, the one whose revision it reports: first each check is resolved
// and authorized (which may read the database and catch the engine up),
// then all are decided in one view.
func (s *Server) CheckPermissions(ctx context.Context, req gen.CheckPermissionsRequestObject) (gen.CheckPermissionsResponseObject, error) {
	t, err := s.engine(ctx, req.TenantId)
	if err != nil {
		return nil, err
	}
	qs := make([]checkQuery, len(req.Body.Checks))
	for i, c := range req.Body.Checks {
		if c.At != nil {
			return nil, rbac.Invalid(fmt.Sprintf("checks[%d].at", i), "set at on the batch, which answers every check at one instant")
		}
		if t, qs[i], err = s.resolveCheck(ctx, req.TenantId, c, fmt.Sprintf("checks[%d].", i)); err != nil {
			return nil, err
		}
	}
	now, asOf := s.now(), (*time.Time)(nil)
	if at := req.Body.At; at != nil {
		p, err := s.pastTenant(ctx, req.TenantId, *at, "at", req.Params.MinRevision)
		if err != nil {
			return nil, err
		}
		for i, q := range qs {
			if !p.t.HasUser(q.user) {
				return nil, rbac.Invalid(fmt.Sprintf("checks[%d].user_id", i), fmt.Sprintf("unknown user %q at %s", q.user, at.UTC().Format(time.RFC3339)))
			}
		}
		t, now, asOf = p.t, p.at, &p.at
	}
	v := t.View()
	defer v.Close()
	out := gen.CheckBatchResult{Results: make([]gen.CheckOutcome, len(qs)), Revision: v.Revision(), AsOf: asOf}
	for i, q := range qs {
		out.Results[i] = s.decide(v, q, now)
	}
	return gen.CheckPermissions200JSONResponse{Body: out}, nil
}

// checkQuery is one check resolved: `me` replaced, the user known, the
// organization known.
type checkQuery struct{ user, permission, org, owner string }

// resolveCheck resolves and authorizes one check. Checking someone other
// than oneself needs checks:read; the body names the user, so this is
// decided here rather than by the authorization middleware. It returns the
// engine to answer from, which may have caught up to find the user.
func (s *Server) resolveCheck(ctx context.Context, tenantID string, c gen.CheckRequest, prefix string) (*eval.Tenant, checkQuery, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, checkQuery{}, err
	}
	t, err := p.engine(ctx, tenantID)
	if err != nil {
		return nil, checkQuery{}, err
	}
	user := c.UserId
	if user == "me" {
		if p.Token.Operator() {
			return t, checkQuery{}, rbac.Invalid(prefix+"user_id", "the operator has no user")
		}
		user = p.Token.UserID
	}
	if user != p.Token.UserID {
		if err := p.require(ctx, permChecks); err != nil {
			return t, checkQuery{}, err
		}
	}
	t, known, err := s.knownUser(ctx, tenantID, user)
	if err != nil {
		return t, checkQuery{}, err
	}
	if !known {
		return t, checkQuery{}, rbac.Invalid(prefix+"user_id", fmt.Sprintf("unknown user %q", user))
	}
	org, err := s.orgFilter(ctx, tenantID, c.OrganizationId, prefix+"organization_id")
	if err != nil {
		return t, checkQuery{}, err
	}
	return t, checkQuery{user: user, permission: c.Permission, org: org, owner: deref(c.Owner)}, nil
}

// decide answers a resolved check in a view.
func (s *Server) decide(v eval.View, q checkQuery, now time.Time) gen.CheckOutcome {
	d := v.CheckOwned(q.user, q.permission, q.org, v.IsOwner(q.user, q.owner), now)
	out := gen.CheckOutcome{Allowed: d.Allowed}
	if d.Allowed {
		out.Matched = &gen.CheckMatch{RoleId: d.RoleID, Permission: d.Pattern}
	}
	return out
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
	t, err := s.engine(ctx, req.TenantId)
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
				return nil, rbac.Invalid("holds_role", fmt.Sprintf("unknown role %q", *q.HoldsRole))
			}
			return nil, err
		}
	}
	now, asOf := s.now(), (*time.Time)(nil)
	if q.At != nil {
		p, err := s.pastTenant(ctx, req.TenantId, *q.At, "at", q.MinRevision)
		if err != nil {
			return nil, err
		}
		t, now, asOf = p.t, p.at, &p.at
	}
	var ids []string
	var next string
	t.Read(func(v eval.View) {
		if q.HoldsRole != nil {
			ids, next = v.HoldersOfRole(*q.HoldsRole, org, pg.After, pg.Limit, now)
		} else {
			ids, next = v.HoldersOfPermission(*q.HoldsPermission, org, pg.After, pg.Limit, now)
		}
	})
	users, err := s.Store.GetUsers(ctx, req.TenantId, ids)
	if err != nil {
		return nil, err
	}
	out := gen.UserList{Items: make([]gen.User, 0, len(users)), NextCursor: encodeCursor(next), AsOf: asOf}
	for _, u := range users {
		out.Items = append(out.Items, userOut(u))
	}
	return gen.ListUsers200JSONResponse{Body: out}, nil
}
