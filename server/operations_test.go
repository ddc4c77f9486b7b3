package server

import (
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/gen"
)

// An operation that names no permission stops the server from starting:
// it cannot be served unguarded.
func TestBuildOperations_rejectsOperationWithoutPermission(t *testing.T) {
	spec, err := openapi3.NewLoader().LoadFromData([]byte(`
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /v1/tenants/{tenant_id}/things:
    get:
      operationId: listThings
      parameters: [{name: tenant_id, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
`))
	require.NoError(t, err)
	_, err = buildOperations(spec)
	require.ErrorContains(t, err, "listThings")
	require.ErrorContains(t, err, "x-roster-permission")

	spec.Paths.Find("/v1/tenants/{tenant_id}/things").Get.Extensions = map[string]any{"x-roster-permission": []any{"things:read"}}
	ops, err := buildOperations(spec)
	require.NoError(t, err)
	require.Equal(t, []string{"things:read"}, ops[operationKey("GET", "/v1/tenants/:tenant_id/things")].permissions)
}

// Who may call what is read from the spec's extensions only; one that
// cannot be read stops the server rather than guard an operation wrongly.
func TestReadOperation_extensions(t *testing.T) {
	perm := []any{"users:read"}
	cases := []struct {
		name    string
		ext     map[string]any
		want    operation
		wantErr string
	}{
		{"permission only", map[string]any{"x-roster-permission": perm},
			operation{permissions: []string{"users:read"}}, ""},
		{"self", map[string]any{"x-roster-permission": perm, "x-roster-self": true},
			operation{permissions: []string{"users:read"}, self: true}, ""},
		{"subject in body", map[string]any{"x-roster-permission": perm, "x-roster-subject": "body"},
			operation{permissions: []string{"users:read"}, subjectInBody: true}, ""},
		{"operator", map[string]any{"x-roster-permission": []any{"operator"}},
			operation{operator: true}, ""},
		{"self as a string", map[string]any{"x-roster-permission": perm, "x-roster-self": "yes"},
			operation{}, "x-roster-self"},
		{"unknown subject", map[string]any{"x-roster-permission": perm, "x-roster-subject": "query"},
			operation{}, "x-roster-subject"},
		{"self on an operator operation", map[string]any{"x-roster-permission": []any{"operator"}, "x-roster-self": true},
			operation{}, "tenant users only"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readOperation(&openapi3.Operation{Extensions: tc.ext})
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

// The spec marks as self-service exactly the reads of oneself and the
// management of one's own tokens, and as body-subject exactly the checks
// and the bulk.
func TestSpec_selfAndSubjectOperations(t *testing.T) {
	spec, err := gen.GetSwagger()
	require.NoError(t, err)
	ops, err := buildOperations(spec)
	require.NoError(t, err)
	var self, body []string
	for _, o := range ops {
		if o.self {
			self = append(self, o.id)
		}
		if o.subjectInBody {
			body = append(body, o.id)
		}
	}
	require.ElementsMatch(t, []string{"GetEvaluatedRoles", "GetUserPermissions", "GetRoleHistory", "GetUser", "ListUserRoles",
		"ListUserTokens", "CreateUserToken", "RevokeUserToken"}, self)
	require.ElementsMatch(t, []string{"CheckPermission", "CheckPermissions", "BulkWrite"}, body)
}
