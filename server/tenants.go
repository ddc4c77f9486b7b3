package server

import (
	"context"

	"github.com/rosterhq/roster/gen"
	"github.com/rosterhq/roster/internal/auth"
	"github.com/rosterhq/roster/internal/rbac"
)

func (s *Server) ListTenants(ctx context.Context, req gen.ListTenantsRequestObject) (gen.ListTenantsResponseObject, error) {
	pg, err := page(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	items, next, err := s.Store.ListTenants(ctx, pg)
	if err != nil {
		return nil, err
	}
	out := gen.TenantList{Items: make([]gen.Tenant, len(items)), NextCursor: encodeCursor(next)}
	for i, t := range items {
		out.Items[i] = tenantOut(t)
	}
	return gen.ListTenants200JSONResponse{Body: out}, nil
}

func (s *Server) CreateTenant(ctx context.Context, req gen.CreateTenantRequestObject) (gen.CreateTenantResponseObject, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	b := req.Body
	in := rbac.TenantInput{ID: b.Id, Name: b.Name}
	if b.Settings != nil && b.Settings.AssignmentMode != nil {
		in.AssignmentMode = string(*b.Settings.AssignmentMode)
	}
	// The admin's secret is made here and shown once; the store only ever
	// sees its hash.
	var secret string
	if a := b.Admin; a != nil {
		in.Admin = &rbac.UserInput{Email: string(a.Email), FirstName: deref(a.FirstName), LastName: deref(a.LastName)}
		secret, in.AdminTokenHash = auth.NewSecret()
	}
	created, err := s.Store.CreateTenant(ctx, p.Actor(), in)
	if err != nil {
		return nil, err
	}
	body := gen.TenantCreated{Tenant: tenantOut(created.Tenant)}
	if created.AdminUser != nil {
		u := userOut(*created.AdminUser)
		body.AdminUser = &u
		body.AdminToken = &secret
	}
	return gen.CreateTenant201JSONResponse{
		Body:    body,
		Headers: gen.CreateTenant201ResponseHeaders{RosterRevision: created.Tenant.Revision},
	}, nil
}

func (s *Server) GetTenant(ctx context.Context, req gen.GetTenantRequestObject) (gen.GetTenantResponseObject, error) {
	t, err := s.Store.GetTenant(ctx, req.TenantId)
	if err != nil {
		return nil, err
	}
	return gen.GetTenant200JSONResponse{Body: tenantOut(t)}, nil
}

func (s *Server) UpdateTenant(ctx context.Context, req gen.UpdateTenantRequestObject) (gen.UpdateTenantResponseObject, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	patch := rbac.TenantPatch{Name: req.Body.Name}
	if st := req.Body.Settings; st != nil && st.AssignmentMode != nil {
		mode := string(*st.AssignmentMode)
		patch.AssignmentMode = &mode
	}
	t, err := s.Store.UpdateTenant(ctx, p.Actor(), req.TenantId, patch)
	if err != nil {
		return nil, err
	}
	return gen.UpdateTenant200JSONResponse{
		Body:    tenantOut(t),
		Headers: gen.UpdateTenant200ResponseHeaders{RosterRevision: t.Revision},
	}, nil
}

func (s *Server) DeleteTenant(ctx context.Context, req gen.DeleteTenantRequestObject) (gen.DeleteTenantResponseObject, error) {
	if err := s.Store.DeleteTenant(ctx, req.TenantId); err != nil {
		return nil, err
	}
	// A tenant made again under this id starts at revision 1: the old
	// engine must not answer for it.
	s.Engines.Forget(req.TenantId)
	return gen.DeleteTenant204Response{}, nil
}

func tenantOut(t rbac.Tenant) gen.Tenant {
	mode := gen.TenantSettingsAssignmentMode(t.AssignmentMode)
	if mode == "" {
		mode = gen.TenantSettingsAssignmentMode(rbac.ModeMultiple)
	}
	return gen.Tenant{
		Id:        t.ID,
		Name:      t.Name,
		Settings:  gen.TenantSettings{AssignmentMode: &mode},
		Revision:  t.Revision,
		CreatedAt: utc(t.CreatedAt),
		UpdatedAt: utc(t.UpdatedAt),
	}
}

// AddTenantAdmin restores a tenant's administration (operator only, as the
// spec's x-roster-permission says): the secret is made here and shown once.
func (s *Server) AddTenantAdmin(ctx context.Context, req gen.AddTenantAdminRequestObject) (gen.AddTenantAdminResponseObject, error) {
	b := req.Body
	secret, hash := auth.NewSecret()
	u, rev, err := s.Store.AddTenantAdmin(ctx, write(ctx, req.TenantId, nil),
		rbac.UserInput{Email: string(b.Email), FirstName: deref(b.FirstName), LastName: deref(b.LastName)}, hash)
	if err != nil {
		return nil, err
	}
	return gen.AddTenantAdmin201JSONResponse{
		Body:    gen.TenantAdminCreated{AdminUser: userOut(u), AdminToken: secret},
		Headers: gen.AddTenantAdmin201ResponseHeaders{RosterRevision: rev},
	}, nil
}
