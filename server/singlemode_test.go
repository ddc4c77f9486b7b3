package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/server/servertest"
)

// Single-role tenants (assignment_mode "single"): a user holds at most one
// direct role per scope, and every way of assigning replaces the previous one.

func setMode(t *testing.T, env *servertest.Env, tenantID string, mode client.TenantSettingsAssignmentMode) (*http.Response, []byte) {
	t.Helper()
	resp, err := env.Operator().UpdateTenantWithResponse(bg, tenantID, client.TenantUpdate{Settings: &client.TenantSettings{AssignmentMode: &mode}})
	require.NoError(t, err)
	return resp.HTTPResponse, resp.Body
}

// singleTenant is a single-role tenant with roles a (docs:read) and b (docs:write).
func singleTenant(t *testing.T) (*servertest.Env, tenant, client.Role, client.Role) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	resp, body := setMode(t, env, "acme", client.Single)
	require.Equal(t, http.StatusOK, resp.StatusCode, "body: %s", body)
	return env, acme, acme.role(t, "a", "docs:read"), acme.role(t, "b", "docs:write")
}

func (tn tenant) globalRoles(t *testing.T, userID string) []string {
	t.Helper()
	resp, err := tn.Admin.GetUserWithResponse(bg, tn.ID, userID)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode(), "body: %s", resp.Body)
	return resp.JSON200.Roles
}

func (tn tenant) lastEvent(t *testing.T) client.AuditEvent {
	t.Helper()
	resp, err := tn.Admin.ListAuditEventsWithResponse(bg, tn.ID, &client.ListAuditEventsParams{Limit: ptr(1)})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode(), "body: %s", resp.Body)
	return resp.JSON200.Items[0]
}

func TestSingleMode_assignReplaces(t *testing.T) {
	env, acme, a, b := singleTenant(t)
	u := acme.user(t, "u@acme.test", a.Id)
	require.True(t, acme.allowed(t, u.Id, "docs:read"))

	rev, events := env.Revision("acme"), env.AuditCount("acme")
	resp, err := acme.Admin.AssignUserRoleWithResponse(bg, "acme", u.Id, client.AssignmentCreate{RoleId: b.Id})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode(), "body: %s", resp.Body)
	require.Equal(t, rev+1, revisionHeader(t, resp.HTTPResponse))
	require.Equal(t, events+1, env.AuditCount("acme"), "one request, one audit event")
	require.Equal(t, []string{b.Id}, acme.globalRoles(t, u.Id))
	ev := acme.lastEvent(t)
	require.Equal(t, "assignment.create", ev.Action)
	require.Equal(t, []any{a.Id}, ev.Details["replaced"], "the event shows what was replaced")
	require.False(t, acme.allowed(t, u.Id, "docs:read"))
	require.True(t, acme.allowed(t, u.Id, "docs:write"))

	put, err := acme.Admin.AddUserRoleWithResponse(bg, "acme", u.Id, a.Id)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, put.StatusCode(), "body: %s", put.Body)
	require.Equal(t, []string{a.Id}, acme.globalRoles(t, u.Id), "PUT /users/{id}/roles/{role_id} replaces too")

	org, err := acme.Admin.CreateOrganizationWithResponse(bg, "acme", client.OrganizationCreate{Name: "Berlin"})
	require.NoError(t, err)
	scoped, err := acme.Admin.AssignUserRoleWithResponse(bg, "acme", u.Id, client.AssignmentCreate{RoleId: b.Id,
		Scope: &client.Scope{Type: client.ScopeTypeOrganization, OrganizationId: &org.JSON201.Id}})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, scoped.StatusCode(), "body: %s", scoped.Body)
	require.Equal(t, []string{a.Id}, acme.globalRoles(t, u.Id), "one role per scope: the global one stays")
}

func TestSingleMode_severalRolesRefused(t *testing.T) {
	env, acme, a, b := singleTenant(t)
	u := acme.user(t, "u@acme.test", a.Id)
	rev, events := env.Revision("acme"), env.AuditCount("acme")

	replace, err := acme.Admin.ReplaceUserRolesWithResponse(bg, "acme", u.Id, client.AssignmentReplace{
		Assignments: []client.AssignmentCreate{{RoleId: a.Id}, {RoleId: b.Id}}})
	require.NoError(t, err)
	requireProblem(t, replace.HTTPResponse, replace.Body, 400, "validation_error", "assignments[1]")

	create, err := acme.Admin.CreateUserWithResponse(bg, "acme", client.UserCreate{Email: "v@acme.test", Roles: &[]string{a.Id, b.Id}})
	require.NoError(t, err)
	requireProblem(t, create.HTTPResponse, create.Body, 400, "validation_error", "roles")

	patch, err := acme.Admin.UpdateUserWithResponse(bg, "acme", u.Id, nil, client.UserUpdate{Roles: &[]string{a.Id, b.Id}})
	require.NoError(t, err)
	requireProblem(t, patch.HTTPResponse, patch.Body, 400, "validation_error", "roles")

	require.Equal(t, rev, env.Revision("acme"))
	require.Equal(t, events, env.AuditCount("acme"))
	require.Equal(t, []string{a.Id}, acme.globalRoles(t, u.Id))

	one, err := acme.Admin.UpdateUserWithResponse(bg, "acme", u.Id, nil, client.UserUpdate{Roles: &[]string{b.Id}})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, one.StatusCode(), "body: %s", one.Body)
	require.Equal(t, []string{b.Id}, one.JSON200.Roles, "one role replaces the previous one")
}

func TestSingleMode_relationshipsMoveUsers(t *testing.T) {
	env, acme, a, b := singleTenant(t)
	u1, u2, u3 := acme.user(t, "1@acme.test", a.Id), acme.user(t, "2@acme.test", b.Id), acme.user(t, "3@acme.test")
	require.True(t, acme.allowed(t, u1.Id, "docs:read"))

	rev := env.Revision("acme")
	add, err := acme.Admin.AddRoleAssigneesWithResponse(bg, "acme", b.Id, users(u1.Id, u2.Id, u3.Id))
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, add.StatusCode(), "body: %s", add.Body)
	require.Equal(t, rev+1, revisionHeader(t, add.HTTPResponse))
	for _, u := range []string{u1.Id, u2.Id, u3.Id} {
		require.Equal(t, []string{b.Id}, acme.globalRoles(t, u))
	}
	require.False(t, acme.allowed(t, u1.Id, "docs:read"), "evaluation sees the move at once")
	require.True(t, acme.allowed(t, u1.Id, "docs:write"))
	ev := acme.lastEvent(t)
	require.Equal(t, "role.assignees.add", ev.Action)
	require.Equal(t, map[string]any{u1.Id: []any{a.Id}}, ev.Details["replaced"])

	patch, err := acme.Admin.ReplaceRoleAssigneesWithApplicationVndAPIPlusJSONBodyWithResponse(bg, "acme", a.Id, users(u2.Id, u3.Id))
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, patch.StatusCode(), "body: %s", patch.Body)
	require.Equal(t, []string{b.Id}, acme.globalRoles(t, u1.Id))
	require.Equal(t, []string{a.Id}, acme.globalRoles(t, u2.Id))
	require.Equal(t, []string{a.Id}, acme.globalRoles(t, u3.Id))
	require.True(t, acme.allowed(t, u2.Id, "docs:read"))
	require.False(t, acme.allowed(t, u2.Id, "docs:write"))
	require.ElementsMatch(t, []string{u2.Id, u3.Id}, acme.assignees(t, env, a.Id, 1))
	require.Equal(t, []string{u1.Id}, acme.assignees(t, env, b.Id, 20))
}

func TestSingleMode_switchRefusedWhileUsersHoldSeveral(t *testing.T) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	a, b := acme.role(t, "a", "docs:read"), acme.role(t, "b", "docs:write")
	u := acme.user(t, "u@acme.test", a.Id, b.Id)
	v := acme.user(t, "v@acme.test")
	add, err := acme.Admin.AddRoleAssigneesWithResponse(bg, "acme", b.Id, users(v.Id))
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, add.StatusCode())
	add, err = acme.Admin.AddRoleAssigneesWithResponse(bg, "acme", a.Id, users(v.Id))
	require.NoError(t, err)
	require.Equal(t, []string{a.Id, b.Id}, acme.globalRoles(t, v.Id), "multiple mode adds")

	rev, events := env.Revision("acme"), env.AuditCount("acme")
	// Sent without the validating transport: openapi.yaml does not (yet)
	// document 409 for updateTenant, though the contract requires it here.
	resp, body := unvalidated(t, env, http.MethodPatch, "/v1/tenants/acme", servertest.OperatorToken,
		`{"settings":{"assignment_mode":"single"}}`)
	requireProblem(t, resp, body, http.StatusConflict, "conflict", "")
	detail := problem(t, body).Detail
	require.NotNil(t, detail)
	require.Contains(t, *detail, u.Id, "the error lists the users")
	require.Contains(t, *detail, v.Id)
	require.Equal(t, rev, env.Revision("acme"))
	require.Equal(t, events, env.AuditCount("acme"))

	rm, err := acme.Admin.RemoveRoleAssigneesWithResponse(bg, "acme", b.Id, users(u.Id, v.Id))
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, rm.StatusCode(), "body: %s", rm.Body)
	resp, body = setMode(t, env, "acme", client.Single)
	require.Equal(t, http.StatusOK, resp.StatusCode, "body: %s", body)
}

// unvalidated sends a request whose answer the spec does not describe yet.
func unvalidated(t *testing.T, env *servertest.Env, method, path, token, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, env.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}
