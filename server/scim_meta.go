package server

import (
	"context"

	"github.com/rosterhq/roster/gen"
	"github.com/rosterhq/roster/internal/scim"
)

// SCIM discovery (RFC 7644 §4): what Roster offers, and what not, with why.
//
//   - patch, filter, ETags (meta.version; If-Match on writes): offered.
//   - bulk: not offered. Okta and Entra never send it, and Roster's own
//     POST /bulk does many writes in one request already.
//   - sort: not offered; lists come in a stable order (by id) and
//     sortBy is ignored, as RFC 7644 §3.4.2.3 allows.
//   - changePassword: not offered; Roster keeps no passwords.
//   - /Me: not offered (404): a provisioning token acts for a service
//     account, not for a person the IdP provisions.

const (
	spcSchema          = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	resourceTypeSchema = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	schemaSchema       = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)

func (s *Server) ScimServiceProviderConfig(ctx context.Context, req gen.ScimServiceProviderConfigRequestObject) (gen.ScimServiceProviderConfigResponseObject, error) {
	maxResults := maxScimCount
	return gen.ScimServiceProviderConfig200ApplicationScimPlusJSONResponse{Body: gen.ScimServiceProviderConfig{
		Schemas:        []string{spcSchema},
		Patch:          gen.ScimSupported{Supported: true},
		Bulk:           gen.ScimSupported{Supported: false, MaxOperations: ptrTo(0), MaxPayloadSize: ptrTo(0)},
		Filter:         gen.ScimSupported{Supported: true, MaxResults: &maxResults},
		ChangePassword: gen.ScimSupported{Supported: false},
		Sort:           gen.ScimSupported{Supported: false},
		Etag:           gen.ScimSupported{Supported: true},
		AuthenticationSchemes: []gen.ScimAuthenticationScheme{{Type: "oauthbearertoken", Name: "Bearer token",
			Description: "A Roster API token (Authorization: Bearer …), scoped to what provisioning needs.", Primary: ptrTo(true)}},
		Meta: &gen.ScimMeta{ResourceType: "ServiceProviderConfig", Location: ptrTo(s.scimBase(ctx, req.TenantId) + "/ServiceProviderConfig")},
	}}, nil
}

func (s *Server) ScimResourceTypes(ctx context.Context, req gen.ScimResourceTypesRequestObject) (gen.ScimResourceTypesResponseObject, error) {
	base := s.scimBase(ctx, req.TenantId)
	rt := func(name, endpoint, schema string, ext *[]gen.ScimSchemaExtension) gen.ScimResourceType {
		return gen.ScimResourceType{Schemas: []string{resourceTypeSchema}, Id: name, Name: name, Endpoint: endpoint,
			Schema: schema, SchemaExtensions: ext,
			Meta: &gen.ScimMeta{ResourceType: "ResourceType", Location: ptrTo(base + "/ResourceTypes/" + name)}}
	}
	items := []gen.ScimResourceType{
		rt("User", "/Users", scim.UserSchema, &[]gen.ScimSchemaExtension{{Schema: scim.EnterpriseSchema, Required: false}}),
		rt("Group", "/Groups", scim.GroupSchema, nil),
	}
	return gen.ScimResourceTypes200ApplicationScimPlusJSONResponse{Body: gen.ScimResourceTypeList{
		Schemas: []string{scim.ListSchema}, TotalResults: len(items), ItemsPerPage: len(items), StartIndex: 1, Resources: items}}, nil
}

func (s *Server) ScimSchemas(ctx context.Context, req gen.ScimSchemasRequestObject) (gen.ScimSchemasResponseObject, error) {
	base := s.scimBase(ctx, req.TenantId)
	defs := scim.Definitions()
	items := make([]gen.ScimSchema, len(defs))
	for i, d := range defs {
		id := d["id"].(string)
		items[i] = gen.ScimSchema{Schemas: []string{schemaSchema}, Id: id, Name: d["name"].(string),
			Description: ptrTo(d["description"].(string)), Attributes: d["attributes"].([]map[string]any),
			Meta: &gen.ScimMeta{ResourceType: "Schema", Location: ptrTo(base + "/Schemas/" + id)}}
	}
	return gen.ScimSchemas200ApplicationScimPlusJSONResponse{Body: gen.ScimSchemaList{
		Schemas: []string{scim.ListSchema}, TotalResults: len(items), ItemsPerPage: len(items), StartIndex: 1, Resources: items}}, nil
}
