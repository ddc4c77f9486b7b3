package server_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/server/servertest"
)

// Bad SCIM input is a SCIM 400 with its scimType and a detail naming what
// is wrong, and writes nothing: not the revision, not the audit log, not
// part of a PATCH whose later operation fails.
func TestSCIM_badInput(t *testing.T) {
	env := servertest.New(t)
	tn := newTenant(t, env, "bad")
	c := newScimClient(env, tn.ID, provisioner(t, env, tn.ID, tn.AdminToken))
	c.run(t, []scimStep{
		{name: "group", method: "POST", path: "/Groups", body: `{"displayName":"G"}`, status: 201, save: map[string]string{"g": "id"}},
		{name: "user", method: "POST", path: "/Users", body: `{"userName":"u@bad.test"}`, status: 201, save: map[string]string{"u": "id"}},
	})
	patch := func(ops string) string { return `{"schemas":["` + patchOp + `"],"Operations":[` + ops + `]}` }
	for _, tt := range []struct {
		name, method, path, body string
		scimType, detail         string
	}{
		{"unknown attribute", "POST", "/Users", `{"userName":"a@bad.test","favouriteColour":"red"}`, "invalidPath", `unknown attribute "favouriteColour"`},
		{"unknown sub-attribute", "POST", "/Users", `{"userName":"a@bad.test","name":{"nick":"A"}}`, "invalidPath", `unknown attribute "name.nick"`},
		{"unknown extension attribute", "POST", "/Users", `{"userName":"a@bad.test","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"badge":"1"}}`, "invalidPath", "badge"},
		{"userName of the wrong type", "POST", "/Users", `{"userName":42}`, "invalidValue", "userName: must be a string"},
		{"active of the wrong type", "POST", "/Users", `{"userName":"a@bad.test","active":"yes"}`, "invalidValue", "active: must be a boolean"},
		{"emails of the wrong type", "POST", "/Users", `{"userName":"a@bad.test","emails":"a@bad.test"}`, "invalidValue", "emails: must be a list"},
		{"no userName", "POST", "/Users", `{"emails":[{"value":"a@bad.test"}]}`, "invalidValue", "userName: is required"},
		{"no email anywhere", "POST", "/Users", `{"userName":"alice"}`, "invalidValue", "emails:"},
		{"not JSON", "POST", "/Users", `{"userName":`, "invalidSyntax", ""},
		{"PUT without userName", "PUT", "/Users/${u}", `{"emails":[{"value":"u@bad.test"}]}`, "invalidValue", "userName: is required"},
		{"invalid filter", "GET", "/Users?filter=userName%20eq", "", "invalidFilter", "is not a SCIM filter"},
		{"filter on an unknown attribute", "GET", "/Users?filter=shoeSize%20eq%20%2242%22", "", "invalidFilter", `unknown attribute "shoeSize"`},
		{"startIndex not a number", "GET", "/Users?startIndex=first", "", "invalidValue", "startIndex"},
		{"unknown path", "PATCH", "/Users/${u}", patch(`{"op":"replace","path":"shoeSize","value":"42"}`), "invalidPath", `unknown attribute "shoeSize"`},
		{"unknown sub-path", "PATCH", "/Users/${u}", patch(`{"op":"replace","path":"name.nick","value":"U"}`), "invalidPath", "name.nick"},
		{"unparseable path", "PATCH", "/Users/${u}", patch(`{"op":"replace","path":"emails[type eq","value":"x"}`), "invalidPath", "is not a SCIM path"},
		{"read-only path", "PATCH", "/Users/${u}", patch(`{"op":"replace","path":"id","value":"usr_x"}`), "mutability", "id is read-only"},
		{"groups are read-only", "PATCH", "/Users/${u}", patch(`{"op":"add","path":"groups","value":[{"value":"${g}"}]}`), "mutability", "groups is read-only"},
		{"unknown op", "PATCH", "/Users/${u}", patch(`{"op":"move","path":"userName","value":"x"}`), "invalidValue", "op: must be add, replace or remove"},
		{"remove without a path", "PATCH", "/Users/${u}", patch(`{"op":"remove"}`), "noTarget", "remove needs a path"},
		{"a path-less value that is no object", "PATCH", "/Users/${u}", patch(`{"op":"replace","value":false}`), "invalidValue", "needs an object"},
		{"active neither boolean nor True/False", "PATCH", "/Users/${u}", patch(`{"op":"replace","path":"active","value":"maybe"}`), "invalidValue", "must be a boolean"},
		{"a later op fails: the first is not written", "PATCH", "/Users/${u}",
			patch(`{"op":"replace","path":"name.givenName","value":"Ulla"},{"op":"replace","path":"nope","value":1}`), "invalidPath", "nope"},
		{"no Operations", "PATCH", "/Users/${u}", `{"schemas":["` + patchOp + `"]}`, "invalidSyntax", "Operations"},
		{"unknown member", "PATCH", "/Groups/${g}", patch(`{"op":"add","path":"members","value":[{"value":"usr_nobody"}]}`), "invalidValue", `unknown user "usr_nobody"`},
		{"a member without a value", "PATCH", "/Groups/${g}", patch(`{"op":"add","path":"members","value":[{"display":"x"}]}`), "invalidValue", "value: is required"},
		{"a known then an unknown member: neither is written", "PATCH", "/Groups/${g}",
			patch(`{"op":"add","path":"members","value":[{"value":"${u}"}]},{"op":"add","path":"members","value":[{"value":"usr_nobody"}]}`),
			"invalidValue", "unknown user"},
		{"members matched by a filter are only removed", "PATCH", "/Groups/${g}",
			patch(`{"op":"add","path":"members[value eq \"${u}\"]","value":[{"value":"${u}"}]}`), "invalidPath", "can only be removed"},
		{"displayName cannot be removed", "PATCH", "/Groups/${g}", patch(`{"op":"remove","path":"displayName"}`), "mutability", "displayName"},
		{"displayName of the wrong type", "POST", "/Groups", `{"displayName":42}`, "invalidValue", "displayName"},
		{"a new group with an unknown member is not made", "POST", "/Groups", `{"displayName":"H","members":[{"value":"usr_nobody"}]}`, "invalidValue", "unknown user"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rev, audits := env.Revision(tn.ID), env.AuditCount(tn.ID)
			status, res, _ := c.do(t, tt.method, tt.path, tt.body)
			require.Equal(t, http.StatusBadRequest, status, "%v", res)
			require.Equal(t, tt.scimType, res["scimType"], "%v", res)
			require.Contains(t, res["detail"], tt.detail)
			require.Equal(t, rev, env.Revision(tn.ID), "a refused request wrote")
			require.Equal(t, audits, env.AuditCount(tn.ID), "a refused request was audited")
		})
	}
	// What the refused requests would have changed is as it was.
	c.run(t, []scimStep{
		{name: "user unchanged", method: "GET", path: "/Users/${u}", status: 200, want: map[string]any{"name": nil, "groups": []any{}}},
		{name: "group unchanged", method: "GET", path: "/Groups/${g}", status: 200, want: map[string]any{"members": []any{}, "displayName": "G"}},
		{name: "no group H", method: "GET", path: `/Groups?filter=displayName%20eq%20%22H%22`, status: 200, want: map[string]any{"totalResults": 0.0}},
	})
}
