package server_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/server/servertest"
)

// TestMintedBy_auditNamesTheMinter: a token minted for a user by someone
// else acts as that user, so every write made with it names the minter in
// details.token_minted_by (docs/security.md, "The grant policy"); a token the user
// minted for itself names no one.
func TestMintedBy_auditNamesTheMinter(t *testing.T) {
	env := servertest.New(t)
	const tn = "minted"
	base := "/v1/tenants/" + tn
	admin := newAPITenant(t, env, tn)
	adminID := mustCall(t, env, admin, "GET", base+"/users/me", "", 200)["id"].(string)

	// lastEvent is the tenant's newest audit event, read by the admin.
	lastEvent := func(action string) map[string]any {
		t.Helper()
		res := mustCall(t, env, admin, "GET", base+"/audit-events?limit=1", "", 200)
		items := res["items"].([]any)
		require.Len(t, items, 1)
		ev := items[0].(map[string]any)
		require.Equal(t, action, ev["action"])
		return ev
	}

	// The admin's own token was minted by the operator at tenant creation.
	mustCall(t, env, admin, "POST", base+"/roles",
		`{"name":"editor","display_name":"Editor","permissions":["users:read","users:write"]}`, 201)
	ev := lastEvent("role.create")
	require.Equal(t, adminID, ev["actor_id"])
	require.Equal(t, "operator", ev["details"].(map[string]any)["token_minted_by"])

	// The admin mints a token for a weaker user, who writes with it.
	weak := mustCall(t, env, admin, "POST", base+"/users", `{"email":"weak@minted.test","roles":["role_editor"]}`, 201)
	weakID := weak["id"].(string)
	minted := mustCall(t, env, admin, "POST", base+"/users/"+weakID+"/tokens",
		`{"name":"x","scopes":["users:read","users:write"]}`, 201)["token"].(string)
	mustCall(t, env, minted, "PATCH", base+"/users/me", `{"first_name":"Minted"}`, 200)
	ev = lastEvent("user.update")
	require.Equal(t, weakID, ev["actor_id"], "the token acts as its user")
	require.Equal(t, weakID, ev["target_id"])
	require.Equal(t, adminID, ev["details"].(map[string]any)["token_minted_by"])

	// With it the user mints a token of its own: that write still names the
	// admin, the writes made with the new token name no one.
	own := mustCall(t, env, minted, "POST", base+"/users/me/tokens",
		`{"name":"own","scopes":["users:read","users:write"]}`, 201)["token"].(string)
	ev = lastEvent("token.create")
	require.Equal(t, adminID, ev["details"].(map[string]any)["token_minted_by"])
	mustCall(t, env, own, "PATCH", base+"/users/me", `{"first_name":"Own"}`, 200)
	ev = lastEvent("user.update")
	require.Equal(t, weakID, ev["actor_id"])
	require.NotContains(t, ev["details"], "token_minted_by")

	// The operator's own writes name no minter.
	mustCall(t, env, servertest.OperatorToken, "PATCH", base+"/users/"+weakID, `{"last_name":"Op"}`, 200)
	ev = lastEvent("user.update")
	require.Equal(t, "operator", ev["actor_id"])
	require.NotContains(t, ev["details"], "token_minted_by")
}
