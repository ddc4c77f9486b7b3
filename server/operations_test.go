package server

import (
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"
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
