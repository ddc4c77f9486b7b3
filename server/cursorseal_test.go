package server_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/server"
	"github.com/rosterhq/roster/server/servertest"
)

// nextOf returns the next_cursor of a list answer that must have one.
func nextOf(t *testing.T, status int, body []byte) string {
	t.Helper()
	require.Equal(t, http.StatusOK, status, "body: %s", body)
	var page struct {
		NextCursor *string `json:"next_cursor"`
	}
	require.NoError(t, json.Unmarshal(body, &page))
	require.NotNil(t, page.NextCursor, "no next page: %s", body)
	return *page.NextCursor
}

// TestCursors_tamperEvident: a cursor is good for the list it was issued
// for and nowhere else (openapi.yaml, "Conventions"). Before cursors were
// sealed, every one of the 400s below was a 200 listing from the chosen key.
func TestCursors_tamperEvident(t *testing.T) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	newTenant(t, env, "globex")
	viewer := acme.role(t, "viewer", "docs:read")
	editor := acme.role(t, "editor", "docs:write")
	for _, email := range []string{"a1@acme.test", "a2@acme.test", "a3@acme.test"} {
		acme.user(t, email, viewer.Id, editor.Id)
	}
	admin, op := acme.Admin, env.Operator()
	one := ptr(1)
	users := func(p client.ListUsersParams) func() (int, []byte) {
		return func() (int, []byte) {
			r, err := admin.ListUsersWithResponse(bg, "acme", &p)
			require.NoError(t, err)
			return r.StatusCode(), r.Body
		}
	}
	issued := func(list func() (int, []byte)) string {
		status, body := list()
		return nextOf(t, status, body)
	}

	plain := issued(users(client.ListUsersParams{Limit: one}))
	searched := issued(users(client.ListUsersParams{Limit: one, Search: ptr("acme")}))
	byRole := issued(users(client.ListUsersParams{Limit: one, RoleId: ptr(viewer.Id)}))
	holders := issued(users(client.ListUsersParams{Limit: one, HoldsRole: ptr(viewer.Id)}))
	raw, err := base64.RawURLEncoding.DecodeString(plain)
	require.NoError(t, err)
	raw[len(raw)-1] ^= 1 // the position's last byte: another key, the same MAC
	tampered := base64.RawURLEncoding.EncodeToString(raw)

	tests := []struct {
		name string
		call func() (int, []byte)
		want int
	}{
		{"the same list", users(client.ListUsersParams{Limit: one, Cursor: &plain}), http.StatusOK},
		{"the same list, another page size", users(client.ListUsersParams{Limit: ptr(50), Cursor: &plain}), http.StatusOK},
		{"the same filter", users(client.ListUsersParams{Limit: one, RoleId: ptr(viewer.Id), Cursor: &byRole}), http.StatusOK},
		{"the same holders", users(client.ListUsersParams{Limit: one, HoldsRole: ptr(viewer.Id), Cursor: &holders}), http.StatusOK},
		{"forged in the old unsigned form", users(client.ListUsersParams{Cursor: ptr(base64.RawURLEncoding.EncodeToString([]byte("v1:usr_0")))}), http.StatusBadRequest},
		{"forged from nothing", users(client.ListUsersParams{Cursor: ptr("AQAAAAAAAAAAAAAAAAAAAAB1c3JfMA")}), http.StatusBadRequest},
		{"tampered position", users(client.ListUsersParams{Cursor: &tampered}), http.StatusBadRequest},
		{"another role_id", users(client.ListUsersParams{RoleId: ptr(editor.Id), Cursor: &byRole}), http.StatusBadRequest},
		{"a filter added", users(client.ListUsersParams{RoleId: ptr(viewer.Id), Cursor: &plain}), http.StatusBadRequest},
		{"a filter dropped", users(client.ListUsersParams{Cursor: &searched}), http.StatusBadRequest},
		{"another search", users(client.ListUsersParams{Search: ptr("a1"), Cursor: &searched}), http.StatusBadRequest},
		{"another holds_role", users(client.ListUsersParams{HoldsRole: ptr(editor.Id), Cursor: &holders}), http.StatusBadRequest},
		{"another endpoint", func() (int, []byte) {
			r, err := admin.ListRolesWithResponse(bg, "acme", &client.ListRolesParams{Cursor: &plain})
			require.NoError(t, err)
			return r.StatusCode(), r.Body
		}, http.StatusBadRequest},
		{"another tenant", func() (int, []byte) {
			r, err := op.ListUsersWithResponse(bg, "globex", &client.ListUsersParams{Cursor: &plain})
			require.NoError(t, err)
			return r.StatusCode(), r.Body
		}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := tt.call()
			require.Equal(t, tt.want, status, "body: %s", body)
			if tt.want == http.StatusBadRequest {
				p := problem(t, body)
				require.Equal(t, "validation_error", string(p.Code))
				require.Equal(t, "cursor", (*p.Errors)[0].Field, "body: %s", body)
			}
		})
	}
}

// TestCursors_meIsTheCallersOwnList: `me` and the caller's id name one list.
func TestCursors_meIsTheCallersOwnList(t *testing.T) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	for _, name := range []string{"t1", "t2"} {
		r, err := acme.Admin.CreateUserTokenWithResponse(bg, "acme", "me", client.TokenCreate{Name: name})
		require.NoError(t, err)
		require.Equal(t, http.StatusCreated, r.StatusCode(), "body: %s", r.Body)
	}
	first, err := acme.Admin.ListUserTokensWithResponse(bg, "acme", "me", &client.ListUserTokensParams{Limit: ptr(1)})
	require.NoError(t, err)
	c := nextOf(t, first.StatusCode(), first.Body)
	again, err := acme.Admin.ListUserTokensWithResponse(bg, "acme", acme.AdminUser.Id, &client.ListUserTokensParams{Limit: ptr(1), Cursor: &c})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, again.StatusCode(), "body: %s", again.Body)
}

// TestCursors_linksNext: a JSON:API document's links.next carries a sealed
// cursor that pages the same document, and no other list.
func TestCursors_linksNext(t *testing.T) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	g, err := acme.Admin.CreateGroupWithResponse(bg, "acme", client.GroupCreate{Name: "g"})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, g.StatusCode(), "body: %s", g.Body)
	ids := []string{acme.user(t, "m1@acme.test").Id, acme.user(t, "m2@acme.test").Id}
	add, err := acme.Admin.AddGroupMembersWithResponse(bg, "acme", g.JSON201.Id, users(ids...))
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, add.StatusCode(), "body: %s", add.Body)

	doc, err := acme.Admin.GetGroupMemberLinkageWithResponse(bg, "acme", g.JSON201.Id, &client.GetGroupMemberLinkageParams{Limit: ptr(1)})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, doc.StatusCode(), "body: %s", doc.Body)
	require.NotNil(t, doc.JSON200.Links.Next)
	next := *doc.JSON200.Links.Next
	resp, body := env.Do(http.MethodGet, next, acme.AdminToken, "")
	require.Equal(t, http.StatusOK, resp.StatusCode, "following links.next: %s", body)

	_, query, _ := strings.Cut(next, "?")
	members := "/v1/tenants/acme/groups/" + g.JSON201.Id + "/members?" + query
	resp, body = env.Do(http.MethodGet, members, acme.AdminToken, "")
	requireProblem(t, resp, body, http.StatusBadRequest, "validation_error", "cursor")
}

// TestCursors_acrossReplicas: replicas given one CursorKey accept each
// other's cursors (a load balancer sends the next page anywhere); a
// replica with another key refuses them.
func TestCursors_acrossReplicas(t *testing.T) {
	st := openStore(t)
	key := []byte("a key every replica derives alike")
	a := replica(t, st, server.Config{CursorKey: key})
	b := replica(t, st, server.Config{CursorKey: key})
	stranger := replica(t, st, server.Config{CursorKey: []byte("another key")})
	newTenant(t, a, "acme")
	for _, id := range []string{"t1", "t2"} {
		mustCall(t, a, servertest.OperatorToken, "POST", "/v1/tenants", `{"id":"`+id+`","name":"T"}`, 201)
	}
	resp, body := a.Do(http.MethodGet, "/v1/tenants?limit=1", servertest.OperatorToken, "")
	c := nextOf(t, resp.StatusCode, body)

	resp, body = b.Do(http.MethodGet, "/v1/tenants?limit=1&cursor="+c, servertest.OperatorToken, "")
	require.Equal(t, http.StatusOK, resp.StatusCode, "the other replica: %s", body)
	resp, body = stranger.Do(http.MethodGet, "/v1/tenants?limit=1&cursor="+c, servertest.OperatorToken, "")
	requireProblem(t, resp, body, http.StatusBadRequest, "validation_error", "cursor")
}
