package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/server/servertest"
)

// users is a JSON:API linkage body naming these user ids.
func users(ids ...string) client.LinkageRequest {
	body := client.LinkageRequest{Data: make([]client.ResourceIdentifier, len(ids))}
	for i, id := range ids {
		body.Data[i] = client.ResourceIdentifier{Type: client.ResourceIdentifierTypeUsers, Id: id}
	}
	return body
}

// assignees follows links.next through the whole linkage, a page of `limit` at a time.
func (tn tenant) assignees(t *testing.T, env *servertest.Env, roleID string, limit int) []string {
	t.Helper()
	resp, err := tn.Admin.GetRoleAssigneeLinkageWithResponse(bg, tn.ID, roleID, &client.GetRoleAssigneeLinkageParams{Limit: &limit})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode(), "body: %s", resp.Body)
	doc := *resp.JSON200
	ids := []string{}
	for {
		require.Equal(t, "/v1/tenants/"+tn.ID+"/roles/"+roleID+"/relationships/assigned_users", doc.Links.Self)
		require.Equal(t, "/v1/tenants/"+tn.ID+"/roles/"+roleID+"/assigned_users", doc.Links.Related)
		require.LessOrEqual(t, len(doc.Data), limit)
		for _, d := range doc.Data {
			require.Equal(t, client.ResourceIdentifierTypeUsers, d.Type)
			ids = append(ids, d.Id)
		}
		if doc.Links.Next == nil {
			return ids
		}
		require.True(t, strings.HasPrefix(*doc.Links.Next, doc.Links.Self+"?"), "next pages the linkage: %s", *doc.Links.Next)
		r, body := env.Do(http.MethodGet, *doc.Links.Next, tn.AdminToken, "")
		require.Equal(t, http.StatusOK, r.StatusCode, "body: %s", body)
		doc = client.Linkage{}
		require.NoError(t, json.Unmarshal(body, &doc))
	}
}

func (tn tenant) allowed(t *testing.T, userID, perm string) bool {
	t.Helper()
	resp, err := tn.Admin.CheckPermissionWithResponse(bg, tn.ID, nil, client.CheckRequest{UserId: userID, Permission: perm})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode(), "body: %s", resp.Body)
	return resp.JSON200.Allowed
}

func TestRoleAssignees(t *testing.T) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	viewer := acme.role(t, "viewer", "docs:read")
	a, b, c := acme.user(t, "a@acme.test"), acme.user(t, "b@acme.test"), acme.user(t, "c@acme.test")
	require.False(t, acme.allowed(t, a.Id, "docs:read")) // the engine is loaded before the writes below

	rev := env.Revision("acme")
	add, err := acme.Admin.AddRoleAssigneesWithResponse(bg, "acme", viewer.Id, users(b.Id, a.Id))
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, add.StatusCode(), "body: %s", add.Body)
	require.Equal(t, rev+1, revisionHeader(t, add.HTTPResponse))
	require.True(t, acme.allowed(t, a.Id, "docs:read"), "evaluation sees the relationship at once")
	require.True(t, acme.allowed(t, b.Id, "docs:read"))
	require.ElementsMatch(t, []string{a.Id, b.Id}, acme.assignees(t, env, viewer.Id, 1))

	same, err := acme.Admin.AddRoleAssigneesWithResponse(bg, "acme", viewer.Id, users(a.Id))
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, same.StatusCode())
	require.Equal(t, rev+1, revisionHeader(t, same.HTTPResponse), "a no-op answers the current revision")

	list, err := acme.Admin.ListRoleAssigneesWithResponse(bg, "acme", viewer.Id, &client.ListRoleAssigneesParams{Limit: ptr(1)})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, list.StatusCode(), "body: %s", list.Body)
	require.Len(t, list.JSON200.Data, 1)
	first := list.JSON200.Data[0]
	require.Equal(t, client.UserResourceTypeUsers, first.Type)
	require.Contains(t, []string{"a@acme.test", "b@acme.test"}, first.Attributes.Email)
	require.NotNil(t, list.JSON200.Links.Next)
	require.True(t, strings.HasPrefix(*list.JSON200.Links.Next, list.JSON200.Links.Related+"?"), "next pages the users")
	r, body := env.Do(http.MethodGet, *list.JSON200.Links.Next, acme.AdminToken, "")
	require.Equal(t, http.StatusOK, r.StatusCode, "body: %s", body)
	var last client.UserDocument
	require.NoError(t, json.Unmarshal(body, &last))
	require.Len(t, last.Data, 1)
	require.NotEqual(t, first.Id, last.Data[0].Id)
	require.Nil(t, last.Links.Next)

	// PATCH and DELETE as application/vnd.api+json.
	patch, err := acme.Admin.ReplaceRoleAssigneesWithApplicationVndAPIPlusJSONBodyWithResponse(bg, "acme", viewer.Id, users(c.Id))
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, patch.StatusCode(), "body: %s", patch.Body)
	require.False(t, acme.allowed(t, a.Id, "docs:read"))
	require.True(t, acme.allowed(t, c.Id, "docs:read"))
	require.Equal(t, []string{c.Id}, acme.assignees(t, env, viewer.Id, 20))
	del, err := acme.Admin.RemoveRoleAssigneesWithApplicationVndAPIPlusJSONBodyWithResponse(bg, "acme", viewer.Id, users(c.Id, a.Id))
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, del.StatusCode(), "body: %s", del.Body)
	require.False(t, acme.allowed(t, c.Id, "docs:read"))
	require.Empty(t, acme.assignees(t, env, viewer.Id, 20))

	// POST as vnd.api+json, and the audit event of the request.
	post, err := acme.Admin.AddRoleAssigneesWithApplicationVndAPIPlusJSONBodyWithResponse(bg, "acme", viewer.Id, users(a.Id))
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, post.StatusCode(), "body: %s", post.Body)
	evs, err := acme.Admin.ListAuditEventsWithResponse(bg, "acme", &client.ListAuditEventsParams{Limit: ptr(1)})
	require.NoError(t, err)
	require.Equal(t, "role.assignees.add", evs.JSON200.Items[0].Action)
	require.Equal(t, viewer.Id, evs.JSON200.Items[0].TargetId)
	require.Equal(t, []any{a.Id}, evs.JSON200.Items[0].Details["added"])
	require.True(t, acme.allowed(t, a.Id, "docs:read"))
}

func TestRoleAssignees_allOrNothing(t *testing.T) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	viewer := acme.role(t, "viewer", "docs:read")
	a, b := acme.user(t, "a@acme.test"), acme.user(t, "b@acme.test")
	_, err := acme.Admin.AddRoleAssigneesWithResponse(bg, "acme", viewer.Id, users(b.Id))
	require.NoError(t, err)
	path := "/v1/tenants/acme/roles/" + viewer.Id + "/relationships/assigned_users"

	cases := []struct {
		name, method, body string
		status             int
		code, field        string
	}{
		{"unknown user", http.MethodPost, `{"data":[{"type":"users","id":"` + a.Id + `"},{"type":"users","id":"usr_nope"}]}`, 400, "validation_error", "data[1].id"},
		{"unknown user in a replace", http.MethodPatch, `{"data":[{"type":"users","id":"usr_nope"}]}`, 400, "validation_error", "data[0].id"},
		{"unknown user in a removal", http.MethodDelete, `{"data":[{"type":"users","id":"` + b.Id + `"},{"type":"users","id":"usr_nope"}]}`, 400, "validation_error", "data[1].id"},
		{"duplicate", http.MethodPost, `{"data":[{"type":"users","id":"` + a.Id + `"},{"type":"users","id":"` + a.Id + `"}]}`, 400, "validation_error", "data[1]"},
		{"wrong type", http.MethodPost, `{"data":[{"type":"users","id":"` + a.Id + `"},{"type":"groups","id":"` + a.Id + `"}]}`, 400, "validation_error", "data[1].type"},
		{"no data", http.MethodPatch, `{}`, 400, "validation_error", "data"},
		{"unknown role", http.MethodPost, `{"data":[{"type":"users","id":"` + a.Id + `"}]}`, 404, "not_found", ""},
		{"not assignable", http.MethodPost, `{"data":[{"type":"users","id":"` + a.Id + `"}]}`, 400, "validation_error", "role_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rev, events := env.Revision("acme"), env.AuditCount("acme")
			p := path
			switch c.name {
			case "unknown role":
				p = "/v1/tenants/acme/roles/role_nope/relationships/assigned_users"
			case "not assignable":
				p = "/v1/tenants/acme/roles/role_admin/relationships/assigned_users"
			}
			resp, body := env.Do(c.method, p, acme.AdminToken, c.body)
			requireProblem(t, resp, body, c.status, c.code, c.field)
			require.Equal(t, rev, env.Revision("acme"), "nothing changes")
			require.Equal(t, events, env.AuditCount("acme"))
			require.Equal(t, []string{b.Id}, acme.assignees(t, env, viewer.Id, 20))
		})
	}
	unknown, err := acme.Admin.GetRoleAssigneeLinkageWithResponse(bg, "acme", "role_nope", nil)
	require.NoError(t, err)
	requireProblem(t, unknown.HTTPResponse, unknown.Body, 404, "not_found", "")
	bad, err := acme.Admin.ListRoleAssigneesWithResponse(bg, "acme", viewer.Id, &client.ListRoleAssigneesParams{Cursor: ptr("nope")})
	require.NoError(t, err)
	requireProblem(t, bad.HTTPResponse, bad.Body, 400, "validation_error", "cursor")
}

// TestRoleAssignees_escalation: adding users to a role grants it, so the
// caller must hold what the role grants; removing takes it from users, so
// the caller must hold what they hold (the stronger-user rule).
func TestRoleAssignees_escalation(t *testing.T) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	manager := acme.role(t, "manager", "users:write", "assignments:write", "roles:read", "docs:read")
	viewer := acme.role(t, "viewer", "docs:read")
	boss := acme.role(t, "boss", "docs:*")
	m := acme.user(t, "m@acme.test", manager.Id)
	u := acme.user(t, "u@acme.test", boss.Id)
	tok, err := acme.Admin.CreateUserTokenWithResponse(bg, "acme", m.Id, client.TokenCreate{Name: "m"})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, tok.StatusCode(), "body: %s", tok.Body)
	mc := env.Client(tok.JSON201.Token)

	rev := env.Revision("acme")
	for _, send := range []func() (*http.Response, []byte){
		func() (*http.Response, []byte) {
			r, err := mc.AddRoleAssigneesWithResponse(bg, "acme", boss.Id, users(m.Id))
			require.NoError(t, err)
			return r.HTTPResponse, r.Body
		},
		func() (*http.Response, []byte) {
			r, err := mc.ReplaceRoleAssigneesWithResponse(bg, "acme", boss.Id, users(u.Id, m.Id))
			require.NoError(t, err)
			return r.HTTPResponse, r.Body
		},
	} {
		resp, body := send()
		requireProblem(t, resp, body, http.StatusForbidden, "forbidden", "")
	}
	require.Equal(t, rev, env.Revision("acme"))

	ok, err := mc.AddRoleAssigneesWithResponse(bg, "acme", viewer.Id, users(u.Id))
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, ok.StatusCode(), "body: %s", ok.Body)
	rm, err := mc.RemoveRoleAssigneesWithResponse(bg, "acme", boss.Id, users(u.Id))
	require.NoError(t, err)
	requireProblem(t, rm.HTTPResponse, rm.Body, http.StatusForbidden, "forbidden", "")
	require.True(t, acme.allowed(t, u.Id, "docs:write"), "a weaker caller cannot take a stronger user's role")
	rm, err = acme.Admin.RemoveRoleAssigneesWithResponse(bg, "acme", boss.Id, users(u.Id))
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, rm.StatusCode(), "body: %s", rm.Body)
	require.False(t, acme.allowed(t, u.Id, "docs:write"))
}

// An error names the id it is about in quotes, so that an empty or
// space-padded id is visible rather than nothing after "user".
func TestLinkage_errorsQuoteTheID(t *testing.T) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	viewer := acme.role(t, "viewer", "docs:read")
	for _, id := range []string{"", " usr_x"} {
		resp, body := env.Do(http.MethodPost, "/v1/tenants/acme/roles/"+viewer.Id+"/relationships/assigned_users", acme.AdminToken,
			`{"data":[{"type":"users","id":"`+id+`"}]}`)
		requireProblem(t, resp, body, 400, "validation_error", "data[0].id")
		require.Contains(t, string(body), `unknown user \"`+id+`\"`)
	}
}
