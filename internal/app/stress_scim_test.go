package app_test

// The stress test's SCIM writers: provisioning writes race every other
// writer and the readers, and the final comparison with a fresh engine
// covers what they made. They plug into writeKinds here, so that the
// native writers' files need not know of them.

import (
	"github.com/rosterhq/roster/client"
)

const scimPatchOp = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

func init() {
	writeKinds = append(writeKinds,
		writeKind{"scim_user_create", 2, (*worker).scimCreateUser},
		writeKind{"scim_user_patch", 1, (*worker).scimPatchUser},
		writeKind{"scim_user_deactivate", 1, (*worker).scimPatchUser},
		writeKind{"scim_members_add", 1, (*worker).scimMembers},
		writeKind{"scim_members_remove", 1, (*worker).scimMembers},
	)
}

// scimCreateUser provisions a user, as Okta does, and lets the others churn it.
func (w *worker) scimCreateUser(kind string) {
	n := w.unique("scim")
	res, err := w.c().ScimCreateUserWithApplicationScimPlusJSONBodyWithResponse(w.s.ctx, stressTenant, client.ScimResourceWrite{
		"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": string(email(n)),
		"name": map[string]any{"givenName": n}, "active": true})
	if w.wrote(kind, res, err) {
		id := res.ApplicationscimJSON201.Id
		w.s.log.add(w.name, kind+" made", res.StatusCode(), w.rev.rev.Load(), []string{id})
		w.s.reg.add(&w.s.reg.churn, id)
	}
}

// scimPatchUser renames a user with Entra's dotted keys, or deactivates
// one with its legacy string boolean (the enable writer brings it back).
func (w *worker) scimPatchUser(kind string) {
	user := w.pickUser()
	op := map[string]any{"op": "Replace", "path": "active", "value": "False"}
	if kind == "scim_user_patch" {
		n := w.unique("sp")
		op = map[string]any{"op": "replace", "value": map[string]any{"name.familyName": n, "externalId": "scim-" + n}}
	}
	res, err := w.c().ScimPatchUserWithApplicationScimPlusJSONBodyWithResponse(w.s.ctx, stressTenant, user, nil,
		client.ScimPatchRequest{"schemas": []string{scimPatchOp}, "Operations": []any{op}})
	w.wrote(kind, res, err, user)
}

// scimMembers adds users to a group, or removes one by Okta's filter.
func (w *worker) scimMembers(kind string) {
	g, users := w.s.reg.pick(w.rng, &w.s.reg.groups), w.someUsers(1, 4)
	var op map[string]any
	if kind == "scim_members_add" {
		values := make([]any, len(users))
		for i, u := range users {
			values[i] = map[string]any{"value": u}
		}
		op = map[string]any{"op": "Add", "path": "members", "value": values}
	} else {
		op = map[string]any{"op": "remove", "path": `members[value eq "` + users[0] + `"]`}
	}
	res, err := w.c().ScimPatchGroupWithApplicationScimPlusJSONBodyWithResponse(w.s.ctx, stressTenant, g, nil,
		client.ScimPatchRequest{"schemas": []string{scimPatchOp}, "Operations": []any{op}})
	w.wrote(kind, res, err, append(users, g)...)
}
