package server

import (
	"context"

	"github.com/rosterhq/roster/gen"
	"github.com/rosterhq/roster/internal/rbac"
)

func (s *Server) ListOrganizations(ctx context.Context, req gen.ListOrganizationsRequestObject) (gen.ListOrganizationsResponseObject, error) {
	pg, err := page(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	items, next, err := s.Store.ListOrganizations(ctx, req.TenantId, pg)
	if err != nil {
		return nil, err
	}
	out := gen.OrganizationList{Items: make([]gen.Organization, len(items)), NextCursor: encodeCursor(next)}
	for i, o := range items {
		out.Items[i] = organizationOut(o)
	}
	return gen.ListOrganizations200JSONResponse{Body: out}, nil
}

func (s *Server) CreateOrganization(ctx context.Context, req gen.CreateOrganizationRequestObject) (gen.CreateOrganizationResponseObject, error) {
	in := rbac.OrganizationInput{Name: req.Body.Name, ExternalID: deref(req.Body.ExternalId)}
	o, rev, err := s.Store.CreateOrganization(ctx, write(ctx, req.TenantId, nil), in)
	if err != nil {
		return nil, err
	}
	return gen.CreateOrganization201JSONResponse{
		Body:    organizationOut(o),
		Headers: gen.CreateOrganization201ResponseHeaders{ETag: rbac.ETag(o.Version), RosterRevision: rev},
	}, nil
}

func (s *Server) GetOrganization(ctx context.Context, req gen.GetOrganizationRequestObject) (gen.GetOrganizationResponseObject, error) {
	o, err := s.Store.GetOrganization(ctx, req.TenantId, req.OrganizationId)
	if err != nil {
		return nil, err
	}
	return gen.GetOrganization200JSONResponse{
		Body:    organizationOut(o),
		Headers: gen.GetOrganization200ResponseHeaders{ETag: rbac.ETag(o.Version)},
	}, nil
}

func (s *Server) UpdateOrganization(ctx context.Context, req gen.UpdateOrganizationRequestObject) (gen.UpdateOrganizationResponseObject, error) {
	patch := rbac.OrganizationPatch{Name: req.Body.Name, ExternalID: req.Body.ExternalId}
	o, rev, err := s.Store.UpdateOrganization(ctx, write(ctx, req.TenantId, req.Params.IfMatch), req.OrganizationId, patch)
	if err != nil {
		return nil, err
	}
	return gen.UpdateOrganization200JSONResponse{
		Body:    organizationOut(o),
		Headers: gen.UpdateOrganization200ResponseHeaders{ETag: rbac.ETag(o.Version), RosterRevision: rev},
	}, nil
}

func (s *Server) DeleteOrganization(ctx context.Context, req gen.DeleteOrganizationRequestObject) (gen.DeleteOrganizationResponseObject, error) {
	rev, err := s.Store.DeleteOrganization(ctx, write(ctx, req.TenantId, req.Params.IfMatch), req.OrganizationId)
	if err != nil {
		return nil, err
	}
	return gen.DeleteOrganization204Response{Headers: gen.DeleteOrganization204ResponseHeaders{RosterRevision: rev}}, nil
}

func organizationOut(o rbac.Organization) gen.Organization {
	return gen.Organization{
		Id:         o.ID,
		Name:       o.Name,
		ExternalId: optional(o.ExternalID),
		CreatedAt:  utc(o.CreatedAt),
		UpdatedAt:  utc(o.UpdatedAt),
	}
}
