package server_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/server/servertest"
)

// GET /audit-events: newest first, paginated by cursor, filtered by actor,
// target, action and time; an update's event holds before and after; a
// failed write leaves none.
func TestAuditEvents(t *testing.T) {
	env := servertest.New(t)
	admin := newAPITenant(t, env, "aud")
	const base = "/v1/tenants/aud"
	adminID := mustCall(t, env, admin, "GET", base+"/users/me", "", 200)["id"].(string)
	start := time.Now().Add(-time.Second).UTC().Format(time.RFC3339)

	mustCall(t, env, admin, "POST", base+"/roles", `{"name":"editor","display_name":"Editor","permissions":["documents:read"]}`, 201)
	mustCall(t, env, admin, "PUT", base+"/roles/role_editor", `{"permissions":["documents:read","documents:write"]}`, 200)
	userID := mustCall(t, env, servertest.OperatorToken, "POST", base+"/users", `{"email":"u@aud.test"}`, 201)["id"].(string)
	mustCall(t, env, admin, "POST", base+"/users/"+userID+"/roles", `{"role_id":"role_editor","reason":"ticket 7"}`, 201)
	// A failed write leaves nothing.
	events := env.AuditCount("aud")
	status, _ := call(t, env, admin, "POST", base+"/roles", `{"name":"editor","display_name":"Again","permissions":[]}`)
	require.Equal(t, http.StatusConflict, status)
	require.Equal(t, events, env.AuditCount("aud"))

	list := func(query string) []map[string]any {
		res := mustCall(t, env, admin, "GET", base+"/audit-events?"+query, "", 200)
		var out []map[string]any
		for _, it := range res["items"].([]any) {
			out = append(out, it.(map[string]any))
		}
		return out
	}
	actions := func(evs []map[string]any) []string {
		var out []string
		for _, e := range evs {
			out = append(out, e["action"].(string))
		}
		return out
	}

	all := list("limit=100")
	require.Len(t, all, events)
	for i := 1; i < len(all); i++ {
		require.GreaterOrEqual(t, all[i-1]["at"].(string), all[i]["at"].(string), "newest first")
	}

	// Cursor: two pages of two give the four newest, in order, without repeats.
	res := mustCall(t, env, admin, "GET", base+"/audit-events?limit=2", "", 200)
	cursor, ok := res["next_cursor"].(string)
	require.True(t, ok, "a full page has a next_cursor")
	res2 := mustCall(t, env, admin, "GET", base+"/audit-events?limit=2&cursor="+url.QueryEscape(cursor), "", 200)
	var paged []map[string]any
	for _, it := range append(res["items"].([]any), res2["items"].([]any)...) {
		paged = append(paged, it.(map[string]any))
	}
	require.Equal(t, actions(all[:4]), actions(paged))

	// Filters.
	byOperator := list("actor_id=operator")
	require.NotEmpty(t, byOperator)
	for _, e := range byOperator {
		require.Equal(t, "operator", e["actor_id"])
	}
	for _, e := range list("actor_id=" + adminID) {
		require.Equal(t, adminID, e["actor_id"])
	}
	updates := list("action=role.update")
	require.Len(t, updates, 1)
	d := updates[0]["details"].(map[string]any)
	require.Contains(t, d, "before")
	require.Contains(t, d, "after")
	require.Equal(t, "role_editor", updates[0]["target_id"])
	require.Equal(t, "role", updates[0]["target_type"])
	for _, e := range list("target_id=role_editor") {
		require.Equal(t, "role_editor", e["target_id"])
	}
	require.Len(t, list("since="+url.QueryEscape(start)), len(all))
	require.Empty(t, list("since="+url.QueryEscape(time.Now().Add(time.Hour).UTC().Format(time.RFC3339))))

	// Reading the log needs audit:read.
	reader := callerWith(t, env, "aud", admin, "users:read")
	status, b := call(t, env, reader, "GET", base+"/audit-events", "")
	require.Equal(t, http.StatusForbidden, status, "%s", b)
}
