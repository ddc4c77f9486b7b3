package server_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/server/servertest"
)

// Okta's SCIM 2.0 test sequence (Okta's "SCIM 2.0 SPEC Test" and its SCIM
// 2.0 reference), replayed as Okta sends it: application/scim+json with a
// charset, userName lookups before creates, deactivation by a path-less
// replace, groups pushed and renamed with their id in the value, members
// added, removed by `members[value eq "…"]` and replaced whole.
func TestSCIM_oktaSequence(t *testing.T) {
	env := servertest.New(t)
	tn := newTenant(t, env, "okta")
	c := newScimClient(env, tn.ID, provisioner(t, env, tn.ID, tn.AdminToken))

	const user = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
		"userName":"Ann.Lee@Okta.test","name":{"givenName":"Ann","familyName":"Lee"},
		"emails":[{"primary":true,"value":"ann.lee@okta.test","type":"work"}],
		"displayName":"Ann Lee","locale":"en-US","externalId":"00u1okta","groups":[],
		"password":"1mP4ssw0rd!","active":true}`
	c.run(t, []scimStep{
		{name: "connection test", method: "GET", path: "/Users?count=1&startIndex=1", status: 200,
			want: map[string]any{"schemas.0": "urn:ietf:params:scim:api:messages:2.0:ListResponse",
				"itemsPerPage": 1.0, "startIndex": 1.0, "totalResults": 2.0}},
		{name: "no such user yet", method: "GET", path: `/Users?filter=userName%20eq%20%22ann.lee@okta.test%22`, status: 200,
			want: map[string]any{"totalResults": 0.0, "itemsPerPage": 0.0}},
		{name: "create", method: "POST", path: "/Users", body: user, status: 201,
			check: func(t *testing.T, res map[string]any) {
				has(map[string]any{"userName": "Ann.Lee@Okta.test", "active": true, "name.givenName": "Ann",
					"emails.0.value": "ann.lee@okta.test", "meta.resourceType": "User", "externalId": "00u1okta"})(t, res)
				require.NotContains(t, res, "password", "passwords are never returned")
			},
			save: map[string]string{"ann": "id"}},
		{name: "found by userName", method: "GET", path: `/Users?filter=userName%20eq%20%22Ann.Lee@Okta.test%22`, status: 200,
			want: map[string]any{"totalResults": 1.0, "Resources.0.id": "${ann}"}},
		{name: "found by userName in upper case", method: "GET", path: `/Users?filter=userName%20eq%20%22ANN.LEE@OKTA.TEST%22`, status: 200,
			want: map[string]any{"totalResults": 1.0}},
		{name: "duplicate", method: "POST", path: "/Users", body: user, status: 409, check: scimErr("uniqueness")},
		{name: "read", method: "GET", path: "/Users/${ann}", status: 200, want: map[string]any{"id": "${ann}"}},
		{name: "unknown id", method: "GET", path: "/Users/usr_010101010101", status: 404},
		{name: "PUT", method: "PUT", path: "/Users/${ann}", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
			"id":"${ann}","userName":"Ann.Lee@Okta.test","name":{"givenName":"Annie","familyName":"Lee"},
			"emails":[{"primary":true,"value":"annie.lee@okta.test","type":"work"}],"active":true}`, status: 200,
			want: map[string]any{"name.givenName": "Annie", "emails.0.value": "annie.lee@okta.test", "externalId": nil}},
		{name: "deactivate", method: "PATCH", path: "/Users/${ann}",
			body:   `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`,
			status: 200, want: map[string]any{"active": false}},
		{name: "deactivated users are listed", method: "GET", path: `/Users?filter=userName%20eq%20%22ann.lee@okta.test%22`, status: 200,
			want: map[string]any{"totalResults": 1.0, "Resources.0.active": false}},
		{name: "reactivate", method: "PATCH", path: "/Users/${ann}",
			body:   `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":true}}]}`,
			status: 200, want: map[string]any{"active": true}},
		{name: "second user", method: "POST", path: "/Users", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
			"userName":"bo@okta.test","name":{"givenName":"Bo","familyName":"Yu"},"emails":[{"primary":true,"value":"bo@okta.test","type":"work"}],"active":true}`,
			status: 201, save: map[string]string{"bo": "id"}},

		{name: "group push", method: "POST", path: "/Groups",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Sales","members":[]}`, status: 201,
			want: map[string]any{"displayName": "Sales", "meta.resourceType": "Group"}, save: map[string]string{"sales": "id"}},
		{name: "group found by displayName", method: "GET", path: `/Groups?filter=displayName%20eq%20%22sales%22`, status: 200,
			want: map[string]any{"totalResults": 1.0, "Resources.0.id": "${sales}"}},
		{name: "rename with the id in the value", method: "PATCH", path: "/Groups/${sales}",
			body:   `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"id":"${sales}","displayName":"Sales EMEA"}}]}`,
			status: 204},
		{name: "member add", method: "PATCH", path: "/Groups/${sales}",
			body:   `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"${ann}","display":"Ann.Lee@Okta.test"},{"value":"${bo}","display":"bo@okta.test"}]}]}`,
			status: 204},
		{name: "renamed, two members", method: "GET", path: "/Groups/${sales}", status: 200,
			check: func(t *testing.T, res map[string]any) {
				has(map[string]any{"displayName": "Sales EMEA"})(t, res)
				require.ElementsMatch(t, []string{c.vars["ann"], c.vars["bo"]}, memberIDs(res))
			}},
		{name: "user shows its group", method: "GET", path: "/Users/${ann}", status: 200,
			want: map[string]any{"groups.0.value": "${sales}", "groups.0.display": "Sales EMEA"}},
		{name: "member removal by filter", method: "PATCH", path: "/Groups/${sales}",
			body:   `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"${bo}\"]"}]}`,
			status: 204},
		{name: "one member left", method: "GET", path: "/Groups/${sales}", status: 200,
			check: func(t *testing.T, res map[string]any) { require.Equal(t, []string{c.vars["ann"]}, memberIDs(res)) }},
		{name: "full member replace", method: "PATCH", path: "/Groups/${sales}",
			body:   `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"members","value":[{"value":"${bo}"}]}]}`,
			status: 204},
		{name: "only the replacement", method: "GET", path: "/Groups/${sales}", status: 200,
			check: func(t *testing.T, res map[string]any) { require.Equal(t, []string{c.vars["bo"]}, memberIDs(res)) }},
		{name: "group delete", method: "DELETE", path: "/Groups/${sales}", status: 204},
		{name: "group gone", method: "GET", path: "/Groups/${sales}", status: 404},
	})
	// Every step was an ordinary Roster write, audited with the provisioning account as actor.
	evs := mustCall(t, env, tn.AdminToken, "GET", "/v1/tenants/okta/audit-events?target_id="+c.vars["sales"]+"&limit=100", "", http.StatusOK)
	actions := []string{}
	for _, e := range evs["items"].([]any) {
		ev := e.(map[string]any)
		require.NotEqual(t, tn.AdminUser.Id, ev["actor_id"])
		actions = append(actions, ev["action"].(string))
	}
	require.Equal(t, []string{"group.delete", "group.members.replace", "group.members.remove", "group.members.add", "group.update", "group.create"}, actions)
}

// memberIDs reads a SCIM group's member ids.
func memberIDs(res map[string]any) []string {
	ids := []string{}
	members, _ := res["members"].([]any)
	for _, m := range members {
		ids = append(ids, m.(map[string]any)["value"].(string))
	}
	return ids
}
