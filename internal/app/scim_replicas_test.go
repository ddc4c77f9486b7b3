package app_test

import (
	"net/http"
	"testing"

	"github.com/rosterhq/roster/internal/store/pgtest"
)

// TestReplicas_scimMembership: a membership change made through SCIM on
// replica A grants (and its removal revokes) the group's role on A's very
// next check, and on B within one poll interval.
func TestReplicas_scimMembership(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	rs := startReplicas(t, dsn, map[string]string{"a": "", "b": ""})
	a, b := rs["a"], rs["b"]

	var created struct {
		AdminToken string `json:"admin_token"`
	}
	a.must(http.StatusCreated, replicaToken, http.MethodPost, "/v1/tenants",
		map[string]any{"id": "idp", "name": "IdP", "admin": map[string]string{"email": "admin@idp.test"}}, &created)
	admin := created.AdminToken
	var role, group, user struct{ ID string }
	a.must(http.StatusCreated, admin, http.MethodPost, "/v1/tenants/idp/roles",
		map[string]any{"name": "reader", "display_name": "Reader", "permissions": []string{"docs:read"}}, &role)
	scim := "/v1/tenants/idp/scim/v2"
	a.must(http.StatusCreated, admin, http.MethodPost, scim+"/Groups", map[string]any{"displayName": "Readers"}, &group)
	a.must(http.StatusCreated, admin, http.MethodPost, "/v1/tenants/idp/groups/"+group.ID+"/roles", map[string]string{"role_id": role.ID}, nil)
	a.must(http.StatusCreated, admin, http.MethodPost, scim+"/Users", map[string]any{"userName": "kim@idp.test"}, &user)
	// Both replicas have the tenant's engine loaded before the membership changes.
	for _, r := range []*replica{a, b} {
		if r.allowed(admin, "idp", user.ID, "docs:read", "") {
			t.Fatalf("%s: allowed before joining the group", r.name)
		}
	}

	members := func(op map[string]any) {
		a.must(http.StatusNoContent, admin, http.MethodPatch, scim+"/Groups/"+group.ID,
			map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}, "Operations": []any{op}}, nil)
	}
	step(t, "join: allowed on A at once, on B within a poll interval", func(t *testing.T) {
		members(map[string]any{"op": "Add", "path": "members", "value": []any{map[string]string{"value": user.ID}}})
		if !a.allowed(admin, "idp", user.ID, "docs:read", "") {
			t.Fatal("A: not allowed on the next check after joining")
		}
		within(t, converge, "the join reaches B", func() bool { return b.allowed(admin, "idp", user.ID, "docs:read", "") })
	})
	step(t, "leave: denied on A at once, on B within a poll interval", func(t *testing.T) {
		members(map[string]any{"op": "remove", "path": `members[value eq "` + user.ID + `"]`})
		if a.allowed(admin, "idp", user.ID, "docs:read", "") {
			t.Fatal("A: still allowed on the next check after leaving")
		}
		within(t, converge, "the leave reaches B", func() bool { return !b.allowed(admin, "idp", user.ID, "docs:read", "") })
	})
}
