package scim

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/rbac"
)

func ops(t *testing.T, raw string) []Op {
	t.Helper()
	var body map[string]any
	require.NoError(t, json.Unmarshal([]byte(`{"schemas":["`+PatchSchema+`"],"Operations":`+raw+`}`), &body))
	o, err := ParsePatch(body)
	require.NoError(t, err)
	return o
}

// Both dialects' PATCH forms end in the same attributes.
func TestPatchUser(t *testing.T) {
	ann := rbac.User{ID: "usr_1", Email: "ann@x.test", Username: "ann", FirstName: "Ann", LastName: "Lee",
		ExternalUserID: "e1", Status: rbac.StatusActive, CreatedAt: time.Unix(0, 0), UpdatedAt: time.Unix(0, 0), Version: 3}
	f, tr := false, true
	for _, tt := range []struct {
		name, ops string
		want      UserAttrs
	}{
		{"okta: path-less replace of active", `[{"op":"replace","value":{"active":false}}]`,
			UserAttrs{UserName: "ann", Email: "ann@x.test", GivenName: "Ann", FamilyName: "Lee", ExternalID: "e1", Active: &f}},
		{"entra: capitalised, a filtered path and a sub-attribute", `[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"new@x.test"},{"op":"Replace","path":"name.familyName","value":"Lo"}]`,
			UserAttrs{UserName: "ann", Email: "new@x.test", GivenName: "Ann", FamilyName: "Lo", ExternalID: "e1", Active: &tr}},
		{"entra: legacy string boolean", `[{"op":"Replace","path":"active","value":"False"}]`,
			UserAttrs{UserName: "ann", Email: "ann@x.test", GivenName: "Ann", FamilyName: "Lee", ExternalID: "e1", Active: &f}},
		{"entra: dotted keys and an extension in a path-less replace", `[{"op":"replace","value":{"name.givenName":"Annie","USERNAME":"annie","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"Ops"}}]`,
			UserAttrs{UserName: "annie", Email: "ann@x.test", GivenName: "Annie", FamilyName: "Lee", ExternalID: "e1", Active: &tr}},
		{"remove a sub-attribute and externalId", `[{"op":"remove","path":"name.givenName"},{"op":"remove","path":"externalId"}]`,
			UserAttrs{UserName: "ann", Email: "ann@x.test", FamilyName: "Lee", Active: &tr}},
		{"add an email of a type not there yet makes it; the primary stays", `[{"op":"add","path":"emails[type eq \"home\"].value","value":"home@x.test"}]`,
			UserAttrs{UserName: "ann", Email: "ann@x.test", GivenName: "Ann", FamilyName: "Lee", ExternalID: "e1", Active: &tr}},
		{"replace all emails: the first is the email", `[{"op":"replace","path":"emails","value":[{"value":"b@x.test"},{"value":"c@x.test"}]}]`,
			UserAttrs{UserName: "ann", Email: "b@x.test", GivenName: "Ann", FamilyName: "Lee", ExternalID: "e1", Active: &tr}},
		{"attributes not kept are accepted whatever their shape", `[{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":"m1","addresses":"x","name":{"formatted":[1]}}},{"op":"add","path":"addresses","value":{"type":"work"}},{"op":"add","path":"ims","value":"x"},{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":7}]`,
			UserAttrs{UserName: "ann", Email: "ann@x.test", GivenName: "Ann", FamilyName: "Lee", ExternalID: "e1", Active: &tr}},
		{"attributes not kept are accepted", `[{"op":"add","path":"title","value":"CTO"},{"op":"add","path":"phoneNumbers","value":[{"value":"1","type":"work"}]}]`,
			UserAttrs{UserName: "ann", Email: "ann@x.test", GivenName: "Ann", FamilyName: "Lee", ExternalID: "e1", Active: &tr}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PatchUser(UserResource(ann, nil, "https://r/scim/v2"), ops(t, tt.ops))
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

// A user made without a username (native API) reads its email as
// userName: a PATCH that leaves both sets no username; one that changes
// the email keeps the userName the IdP knows as the username.
func TestPatchUser_withoutUsername(t *testing.T) {
	u := rbac.User{ID: "usr_1", Email: "old@x.test", Status: rbac.StatusActive}
	a, err := PatchUser(UserResource(u, nil, ""), ops(t, `[{"op":"replace","path":"active","value":false}]`))
	require.NoError(t, err)
	require.Nil(t, a.Patch(u).Username)
	a, err = PatchUser(UserResource(u, nil, ""), ops(t, `[{"op":"replace","path":"emails[type eq \"work\"].value","value":"new@x.test"}]`))
	require.NoError(t, err)
	require.Equal(t, "old@x.test", *a.Patch(u).Username)
	require.Equal(t, "new@x.test", *a.Patch(u).Email)
}

func TestPlanGroupPatch(t *testing.T) {
	name, empty := "Sales", ""
	for _, tt := range []struct {
		name, ops string
		want      GroupPlan
	}{
		{"okta rename with the id in the value", `[{"op":"replace","value":{"id":"grp_1","displayName":"Sales"}}]`, GroupPlan{DisplayName: &name}},
		{"okta member removal by filter", `[{"op":"remove","path":"members[value eq \"u1\"]"}]`,
			GroupPlan{Members: []MemberChange{{Kind: "remove", IDs: []string{"u1"}}}}},
		{"members removed by an or of filters", `[{"op":"remove","path":"members[value eq \"u1\" or value eq \"u2\"]"}]`,
			GroupPlan{Members: []MemberChange{{Kind: "remove", IDs: []string{"u1", "u2"}}}}},
		{"entra Add then legacy Remove, in order", `[{"op":"Add","path":"members","value":[{"$ref":null,"value":"u1"},{"value":"u1"}]},{"op":"Remove","path":"members","value":[{"value":"u2"}]}]`,
			GroupPlan{Members: []MemberChange{{Kind: "add", IDs: []string{"u1"}}, {Kind: "remove", IDs: []string{"u2"}}}}},
		{"remove all members", `[{"op":"remove","path":"members"}]`, GroupPlan{Members: []MemberChange{{Kind: "replace", IDs: []string{}}}}},
		{"replace the set, clear the external id", `[{"op":"replace","path":"members","value":[{"value":"u3"}]},{"op":"remove","path":"externalId"}]`,
			GroupPlan{ExternalID: &empty, Members: []MemberChange{{Kind: "replace", IDs: []string{"u3"}}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PlanGroupPatch(ops(t, tt.ops))
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestProject(t *testing.T) {
	u := UserResource(rbac.User{ID: "usr_1", Email: "a@x.test", FirstName: "A", LastName: "B"}, nil, "")
	Project(u, "userName,name.givenName", "")
	require.Equal(t, map[string]any{"schemas": []any{UserSchema}, "id": "usr_1", "userName": "a@x.test",
		"name": map[string]any{"givenName": "A"}}, u)

	g := GroupResource(rbac.Group{ID: "grp_1", Name: "G"}, []rbac.User{}, "")
	Project(g, "", "members,meta")
	require.Equal(t, map[string]any{"schemas": []any{GroupSchema}, "id": "grp_1", "displayName": "G"}, g)
	require.True(t, Excludes("", "Members", "members"))
	require.True(t, Excludes("displayName", "", "members"))
	require.False(t, Excludes("members.value", "", "members"))
}
