package server_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/server/servertest"
)

// Microsoft Entra's SCIM sequence, from Microsoft's "Develop and plan
// provisioning for a SCIM endpoint" request/response examples and its
// SCIM 2.0 compliance notes: its documented user create (enterprise
// extension, meta, roles), lookups by userName, externalId and
// emails[type eq "work"].value, capitalised PATCH ops with paths, the
// legacy "False" string, the multi-attribute replace with dotted keys,
// groups read with excludedAttributes=members, member Add and the legacy
// Remove with the members listed in its value, and DELETE.
func TestSCIM_entraSequence(t *testing.T) {
	env := servertest.New(t)
	tn := newTenant(t, env, "entra")
	c := newScimClient(env, tn.ID, provisioner(t, env, tn.ID, tn.AdminToken))

	c.run(t, []scimStep{
		{name: "match by userName: none", method: "GET",
			path: `/Users?filter=userName+eq+%22Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1%22`, status: 200,
			want: map[string]any{"totalResults": 0.0}},
		{name: "create user", method: "POST", path: "/Users", body: `{
			"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
			"externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
			"userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
			"active": true,
			"emails": [{"primary": true, "type": "work", "value": "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"}],
			"meta": {"resourceType": "User"},
			"name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales", "manager": {"value": "m1"}},
			"roles": []}`, status: 201,
			want: map[string]any{"userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1", "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
				"emails.0.value": "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com", "name.familyName": "familyName", "active": true},
			save: map[string]string{"u": "id"}},
		{name: "by externalId", method: "GET", path: `/Users?filter=externalId+eq+%220a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef%22`, status: 200,
			want: map[string]any{"totalResults": 1.0, "Resources.0.id": "${u}"}},
		{name: "externalId compares exactly", method: "GET", path: `/Users?filter=externalId+eq+%220A21F0F2-8D2A-4F8E-BF98-7363C4AED4EF%22`, status: 200,
			want: map[string]any{"totalResults": 0.0}},
		{name: "by work email", method: "GET",
			path: `/Users?filter=emails%5Btype+eq+%22work%22%5D.value+eq+%22test_user_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com%22`, status: 200,
			want: map[string]any{"totalResults": 1.0, "Resources.0.id": "${u}"}},
		{name: "userName and active", method: "GET",
			path: `/Users?filter=userName+eq+%22Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1%22+and+active+eq+true`, status: 200,
			want: map[string]any{"totalResults": 1.0}},
		{name: "update multi-valued attributes, capitalised ops", method: "PATCH", path: "/Users/${u}", body: `{
			"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations": [
				{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updatedEmail@microsoft.com"},
				{"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"}]}`, status: 200,
			want: map[string]any{"emails.0.value": "updatedEmail@microsoft.com", "name.familyName": "updatedFamilyName", "name.givenName": "givenName"}},
		{name: "update single-valued attribute", method: "PATCH", path: "/Users/${u}", body: `{
			"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations": [{"op": "Replace", "path": "userName", "value": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"}]}`, status: 200,
			want: map[string]any{"userName": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"}},
		{name: "disable with the legacy string", method: "PATCH", path: "/Users/${u}", body: `{
			"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations": [{"op": "Replace", "path": "active", "value": "False"}]}`, status: 200,
			want: map[string]any{"active": false}},
		{name: "disabled user still found", method: "GET",
			path: `/Users?filter=userName+eq+%225b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com%22`, status: 200,
			want: map[string]any{"totalResults": 1.0, "Resources.0.active": false}},
		{name: "multi-attribute replace with dotted keys", method: "PATCH", path: "/Users/${u}", body: `{
			"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations": [{"op": "replace", "value": {
				"active": "True", "displayName": "Test User", "name.givenName": "Test", "name.familyName": "User",
				"externalId": "ext-2", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Ops"}}]}`, status: 200,
			want: map[string]any{"active": true, "name.givenName": "Test", "name.familyName": "User", "externalId": "ext-2"}},
		{name: "manager as a bare id, phone numbers: accepted, not kept", method: "PATCH", path: "/Users/${u}", body: `{
			"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations": [
				{"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "2819c223-7f76-453a-919d-413861904646"},
				{"op": "Add", "path": "phoneNumbers[type eq \"work\"].value", "value": "+1 555 0100"}]}`, status: 200,
			want: map[string]any{"name.givenName": "Test", "phoneNumbers": nil}},
		{name: "add a user for membership", method: "POST", path: "/Users", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
			"userName":"second@testuser.com","active":true}`, status: 201, save: map[string]string{"v": "id"}},

		{name: "create group", method: "POST", path: "/Groups", body: `{
			"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/Group"],
			"externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159", "displayName": "displayName", "meta": {"resourceType": "Group"}}`, status: 201,
			want: map[string]any{"displayName": "displayName", "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"},
			save: map[string]string{"g": "id"}},
		{name: "group by displayName without members", method: "GET",
			path: `/Groups?excludedAttributes=members&filter=displayName+eq+%22displayName%22`, status: 200,
			want: map[string]any{"totalResults": 1.0, "Resources.0.id": "${g}", "Resources.0.members": nil}},
		{name: "group by id without members", method: "GET", path: `/Groups/${g}?excludedAttributes=members`, status: 200,
			want: map[string]any{"displayName": "displayName", "members": nil}},
		{name: "member Add", method: "PATCH", path: "/Groups/${g}", body: `{
			"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations": [{"op": "Add", "path": "members", "value": [{"$ref": null, "value": "${u}"}, {"$ref": null, "value": "${v}"}]}]}`,
			status: 204},
		{name: "members filter", method: "GET", path: `/Groups?filter=members%5Bvalue+eq+%22${v}%22%5D&excludedAttributes=members`, status: 200,
			want: map[string]any{"totalResults": 1.0}},
		{name: "legacy Remove with the members in its value", method: "PATCH", path: "/Groups/${g}", body: `{
			"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations": [{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "${u}"}]}]}`,
			status: 204},
		{name: "one member left", method: "GET", path: "/Groups/${g}", status: 200,
			check: func(t *testing.T, res map[string]any) { require.Equal(t, []string{c.vars["v"]}, memberIDs(res)) }},
		{name: "rename", method: "PATCH", path: "/Groups/${g}", body: `{
			"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations": [{"op": "Replace", "path": "displayName", "value": "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"}]}`,
			status: 204},
		{name: "delete group", method: "DELETE", path: "/Groups/${g}", status: 204},
		{name: "delete user", method: "DELETE", path: "/Users/${u}", status: 204},
		{name: "user gone", method: "GET", path: "/Users/${u}", status: 404},
	})
}
