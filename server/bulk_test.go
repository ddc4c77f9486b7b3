package server_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/server/servertest"
)

func bulkOp(method client.BulkOperationMethod, path string, body any, ref string) client.BulkOperation {
	op := client.BulkOperation{Method: method, Path: path, Body: body}
	if ref != "" {
		op.Ref = &ref
	}
	return op
}

func (tn tenant) bulk(t *testing.T, atomic bool, ops ...client.BulkOperation) client.BulkResult {
	t.Helper()
	res, err := tn.Admin.BulkWriteWithResponse(bg, tn.ID, client.BulkRequest{Operations: ops, Atomic: &atomic})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode(), "%s", res.Body)
	return *res.JSON200
}

func statuses(r client.BulkResult) []int {
	out := make([]int, len(r.Results))
	for i, res := range r.Results {
		out[i] = res.Status
	}
	return out
}

// Not atomic: each operation is answered as if sent alone, refs carry ids
// forward, and a failure does not stop the rest.
func TestBulk_notAtomic(t *testing.T) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	acme.role(t, "viewer", "docs:read")
	rev := env.Revision("acme")
	r := acme.bulk(t, false,
		bulkOp(client.POST, "/users", map[string]any{"email": "ada@acme.test"}, "ada"),
		bulkOp(client.POST, "/users/${ada}/roles", map[string]any{"role_id": "role_viewer"}, ""),
		bulkOp(client.POST, "/users/${ada}/roles", map[string]any{"role_id": "role_nope"}, ""),
		bulkOp(client.POST, "/groups", map[string]any{"name": "readers"}, "readers"),
		bulkOp(client.POST, "/groups/${readers}/relationships/members", map[string]any{"data": []any{map[string]any{"type": "users", "id": "${ada}"}}}, ""),
		bulkOp(client.POST, "/users", map[string]any{"email": "ada@acme.test"}, "dup"),
		bulkOp(client.POST, "/users/${dup}/roles", map[string]any{"role_id": "role_viewer"}, ""),
		bulkOp(client.DELETE, "/users/${nobody}", nil, ""),
	)
	require.Equal(t, []int{201, 201, 400, 201, 204, 409, 400, 400}, statuses(r))
	require.True(t, r.Committed)
	require.Equal(t, rev+4, r.Revision, "four writes, four revisions")
	require.Equal(t, r.Revision, env.Revision("acme"))
	user := r.Results[0].Body.(map[string]any)
	require.Equal(t, "ada@acme.test", user["email"], "the answer the operation gives alone")
	require.True(t, acme.allowed(t, user["id"].(string), "docs:read"), "the engine saw the bulk's writes")
}

// Atomic: all or nothing.
func TestBulk_atomic(t *testing.T) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	acme.role(t, "viewer", "docs:read")
	rev := env.Revision("acme")
	failed := acme.bulk(t, true,
		bulkOp(client.POST, "/users", map[string]any{"email": "bob@acme.test"}, "bob"),
		bulkOp(client.POST, "/users/${bob}/roles", map[string]any{"role_id": "role_nope"}, ""),
		bulkOp(client.POST, "/users", map[string]any{"email": "cy@acme.test"}, ""),
	)
	require.Equal(t, []int{201, 400, 424}, statuses(failed))
	require.False(t, failed.Committed)
	require.Equal(t, rev, env.Revision("acme"), "nothing written")
	list, err := acme.Admin.ListUsersWithResponse(bg, "acme", &client.ListUsersParams{Search: ptr("bob@")})
	require.NoError(t, err)
	require.Empty(t, list.JSON200.Items, "the first user went with the failure")

	ok := acme.bulk(t, true,
		bulkOp(client.POST, "/users", map[string]any{"email": "bob@acme.test"}, "bob"),
		bulkOp(client.POST, "/users/${bob}/roles", map[string]any{"role_id": "role_viewer"}, ""),
	)
	require.Equal(t, []int{201, 201}, statuses(ok))
	require.True(t, ok.Committed)
	require.Equal(t, rev+2, env.Revision("acme"))
	id := ok.Results[0].Body.(map[string]any)["id"].(string)
	require.True(t, acme.allowed(t, id, "docs:read"))
}

// Each operation is authorized as if sent alone.
func TestBulk_authorizedPerOperation(t *testing.T) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	helpdesk := tenant{ID: "acme", AdminToken: callerWith(t, env, "acme", acme.AdminToken, "users:write")}
	helpdesk.Admin = env.Client(helpdesk.AdminToken)
	r := helpdesk.bulk(t, false,
		bulkOp(client.POST, "/users", map[string]any{"email": "new@acme.test"}, ""),
		bulkOp(client.POST, "/roles", map[string]any{"name": "x", "display_name": "X", "permissions": []any{}}, ""),
	)
	require.Equal(t, []int{201, 403}, statuses(r))
}

func TestBulk_limits(t *testing.T) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	many := make([]client.BulkOperation, 10001)
	for i := range many {
		many[i] = bulkOp(client.DELETE, "/users/x", nil, "")
	}
	res, err := acme.Admin.BulkWriteWithResponse(bg, "acme", client.BulkRequest{Operations: many})
	require.NoError(t, err)
	require.Equal(t, http.StatusBadRequest, res.StatusCode())
	dry := true
	res, err = acme.Admin.BulkWriteWithResponse(bg, "acme", client.BulkRequest{Operations: many, DryRun: &dry})
	require.NoError(t, err)
	require.Equal(t, http.StatusBadRequest, res.StatusCode(), "a dry run has the same limits")
	r := acme.bulk(t, false, bulkOp(client.POST, "/../../tenants", map[string]any{"id": "x"}, ""))
	require.Equal(t, []int{400}, statuses(r))
	nested := acme.bulk(t, false, bulkOp(client.POST, "/bulk", map[string]any{"operations": []any{map[string]any{"method": "POST", "path": "/users", "body": map[string]any{"email": "n@acme.test"}}}}, ""))
	require.Equal(t, []int{400}, statuses(nested), "a bulk inside a bulk would multiply the limits")
}
