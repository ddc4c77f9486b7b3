package server_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/server/servertest"
)

// escalationEnv is a tenant with roles of known reach:
//
//	role_viewer  users:read                        (within a manager's reach)
//	role_editor  documents:write                   (beyond it)
//	role_senior  inherits role_editor, nothing own (beyond it, through inheritance)
//	role_locked  nothing, assignable: false        (never grantable)
//	role_admin   *:*, assignable: false            (never grantable)
//
// and, for each grantable role, a group holding it.
type escalationEnv struct {
	env     *servertest.Env
	base    string
	admin   string
	user    string            // the user roles are granted to
	empty   string            // a group holding nothing
	holding map[string]string // role id → a group holding it
}

var managerPerms = []string{"roles:read", "roles:write", "users:read", "users:write",
	"groups:read", "groups:write", "assignments:write", "tokens:write"}

var permsOf = map[string][]string{
	"role_viewer": {"users:read"}, "role_editor": {"documents:write"}, "role_senior": {"documents:write"},
}

func newEscalationEnv(t *testing.T) *escalationEnv {
	env := servertest.New(t)
	const tn = "esc"
	e := &escalationEnv{env: env, base: "/v1/tenants/" + tn, admin: newAPITenant(t, env, tn), holding: map[string]string{}}
	for _, r := range []string{
		`{"name":"viewer","display_name":"V","permissions":["users:read"]}`,
		`{"name":"editor","display_name":"E","permissions":["documents:write"]}`,
		`{"name":"senior","display_name":"S","permissions":[],"inherits_from":["role_editor"]}`,
		`{"name":"locked","display_name":"L","permissions":[],"assignable":false}`,
	} {
		mustCall(t, env, e.admin, "POST", e.base+"/roles", r, 201)
	}
	e.user = mustCall(t, env, e.admin, "POST", e.base+"/users", `{"email":"x@esc.test"}`, 201)["id"].(string)
	e.empty = mustCall(t, env, e.admin, "POST", e.base+"/groups", `{"name":"empty"}`, 201)["id"].(string)
	for _, role := range []string{"role_viewer", "role_editor", "role_senior"} {
		g := mustCall(t, env, e.admin, "POST", e.base+"/groups", `{"name":"holds-`+role+`"}`, 201)["id"].(string)
		mustCall(t, env, e.admin, "POST", e.base+"/groups/"+g+"/roles", `{"role_id":"`+role+`"}`, 201)
		e.holding[role] = g
	}
	return e
}

// grantPath is one way of granting a role, or of making a role reach further.
type grantPath struct {
	name string
	// names: the request names the role, so a role that is not assignable
	// is refused with 400 (group members and role permissions name none).
	names bool
	// req builds the request that grants role (t may make fresh targets).
	req func(t *testing.T, e *escalationEnv, role string) (method, path, body string)
}

func jsonOf(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// freshUser makes a user holding nothing, so that each grant changes only
// what it grants (taking roles away is the stronger-user rule's, not this
// test's).
func (e *escalationEnv) freshUser(t *testing.T) string {
	return mustCall(t, e.env, e.admin, "POST", e.base+"/users", `{"email":"f-`+fresh()+`@esc.test"}`, 201)["id"].(string)
}

// freshGroup makes a group holding role and no members.
func (e *escalationEnv) freshGroup(t *testing.T, role string) string {
	g := mustCall(t, e.env, e.admin, "POST", e.base+"/groups", `{"name":"g`+fresh()+`"}`, 201)["id"].(string)
	mustCall(t, e.env, e.admin, "POST", e.base+"/groups/"+g+"/roles", `{"role_id":"`+role+`"}`, 201)
	return g
}

// freshRole makes a role with no permissions for an update to change.
func (e *escalationEnv) freshRole(t *testing.T) string {
	n := fresh()
	mustCall(t, e.env, e.admin, "POST", e.base+"/roles", `{"name":"t`+n+`","display_name":"T","permissions":[]}`, 201)
	return "role_t" + n
}

var grantPaths = []grantPath{
	{"assign", true, func(t *testing.T, e *escalationEnv, r string) (string, string, string) {
		return "POST", e.base + "/users/" + e.freshUser(t) + "/roles", `{"role_id":"` + r + `"}`
	}},
	{"replace", true, func(t *testing.T, e *escalationEnv, r string) (string, string, string) {
		return "PUT", e.base + "/users/" + e.freshUser(t) + "/roles", `{"assignments":[{"role_id":"` + r + `"}]}`
	}},
	{"put-add", true, func(t *testing.T, e *escalationEnv, r string) (string, string, string) {
		return "PUT", e.base + "/users/" + e.freshUser(t) + "/roles/" + r, ""
	}},
	{"user create with roles", true, func(t *testing.T, e *escalationEnv, r string) (string, string, string) {
		return "POST", e.base + "/users", `{"email":"u-` + fresh() + `@esc.test","roles":["` + r + `"]}`
	}},
	{"user patch roles", true, func(t *testing.T, e *escalationEnv, r string) (string, string, string) {
		return "PATCH", e.base + "/users/" + e.freshUser(t), `{"roles":["` + r + `"]}`
	}},
	{"group roles", true, func(t *testing.T, e *escalationEnv, r string) (string, string, string) {
		return "POST", e.base + "/groups/" + e.empty + "/roles", `{"role_id":"` + r + `"}`
	}},
	{"group members add", false, func(t *testing.T, e *escalationEnv, r string) (string, string, string) {
		return "POST", e.base + "/groups/" + e.freshGroup(t, r) + "/relationships/members", `{"data":[{"type":"users","id":"` + e.freshUser(t) + `"}]}`
	}},
	{"group members replace", false, func(t *testing.T, e *escalationEnv, r string) (string, string, string) {
		return "PATCH", e.base + "/groups/" + e.freshGroup(t, r) + "/relationships/members", `{"data":[{"type":"users","id":"` + e.freshUser(t) + `"}]}`
	}},
	{"relationships add", true, func(t *testing.T, e *escalationEnv, r string) (string, string, string) {
		return "POST", e.base + "/roles/" + r + "/relationships/assigned_users", `{"data":[{"type":"users","id":"` + e.freshUser(t) + `"}]}`
	}},
	{"relationships replace", true, func(t *testing.T, e *escalationEnv, r string) (string, string, string) {
		return "PATCH", e.base + "/roles/" + r + "/relationships/assigned_users", `{"data":[{"type":"users","id":"` + e.freshUser(t) + `"}]}`
	}},
	{"role create inheriting", true, func(t *testing.T, e *escalationEnv, r string) (string, string, string) {
		return "POST", e.base + "/roles", `{"name":"c` + fresh() + `","display_name":"C","permissions":[],"inherits_from":["` + r + `"]}`
	}},
	{"role update inheriting", true, func(t *testing.T, e *escalationEnv, r string) (string, string, string) {
		return "PUT", e.base + "/roles/" + e.freshRole(t), `{"inherits_from":["` + r + `"]}`
	}},
	{"role create with permissions", false, func(t *testing.T, e *escalationEnv, r string) (string, string, string) {
		return "POST", e.base + "/roles", `{"name":"c` + fresh() + `","display_name":"C","permissions":` + jsonOf(t, permsOf[r]) + `}`
	}},
	{"role update permissions", false, func(t *testing.T, e *escalationEnv, r string) (string, string, string) {
		return "PUT", e.base + "/roles/" + e.freshRole(t), `{"permissions":` + jsonOf(t, permsOf[r]) + `}`
	}},
}

// try sends a grant request as token and returns its answer; a refused
// one must leave the tenant as it was.
func (e *escalationEnv) try(t *testing.T, token string, gp grantPath, role string) (int, []byte) {
	t.Helper()
	method, path, body := gp.req(t, e, role)
	before := e.env.Revision("esc")
	status, b := call(t, e.env, token, method, path, body)
	if status >= 400 {
		require.Equal(t, before, e.env.Revision("esc"), "a refused grant changed the tenant: %s", b)
	}
	return status, b
}

// TestNoEscalation: on every grant path, a manager (who may grant and edit
// roles but holds no documents permission) cannot grant or build a role
// reaching beyond its own permissions, directly or through inheritance; it
// can within them; `roles:escalate` lifts the rule.
func TestNoEscalation(t *testing.T) {
	e := newEscalationEnv(t)
	mgr := callerWith(t, e.env, "esc", e.admin, managerPerms...)
	esc := callerWith(t, e.env, "esc", e.admin, append(managerPerms, "roles:escalate")...)
	for _, gp := range grantPaths {
		t.Run(gp.name, func(t *testing.T) {
			for _, beyond := range []string{"role_editor", "role_senior"} {
				status, b := e.try(t, mgr, gp, beyond)
				require.Equal(t, http.StatusForbidden, status, "%s: %s", beyond, b)
				require.Equal(t, "forbidden", string(problem(t, b).Code))
			}
			status, b := e.try(t, mgr, gp, "role_viewer")
			require.True(t, status >= 200 && status < 300, "within its own: %d %s", status, b)
			for _, beyond := range []string{"role_editor", "role_senior"} {
				status, b := e.try(t, esc, gp, beyond)
				require.True(t, status >= 200 && status < 300, "with roles:escalate, %s: %d %s", beyond, status, b)
			}
		})
	}
}

// TestNoEscalation_nonAssignable: a role that is not assignable is 400
// `validation_error` on every path that names it, for everyone — the
// operator, a `*:*` admin, a `roles:escalate` holder and a manager alike.
func TestNoEscalation_nonAssignable(t *testing.T) {
	e := newEscalationEnv(t)
	callers := map[string]string{
		"operator": servertest.OperatorToken,
		"admin":    e.admin,
		"escalate": callerWith(t, e.env, "esc", e.admin, append(managerPerms, "roles:escalate")...),
		"manager":  callerWith(t, e.env, "esc", e.admin, managerPerms...),
	}
	for _, gp := range grantPaths {
		if !gp.names {
			continue
		}
		t.Run(gp.name, func(t *testing.T) {
			for who, tok := range callers {
				for _, role := range []string{"role_admin", "role_locked"} {
					status, b := e.try(t, tok, gp, role)
					require.Equal(t, http.StatusBadRequest, status, "%s granting %s: %s", who, role, b)
					p := problem(t, b)
					require.Equal(t, "validation_error", string(p.Code))
					require.Contains(t, *p.Detail, "not assignable", "%s granting %s", who, role)
				}
			}
		})
	}
}

// A group that holds a role which later became non-assignable still grants
// it to new members: adding one needs the role's permissions covered.
func TestNoEscalation_groupHoldingLockedRole(t *testing.T) {
	e := newEscalationEnv(t)
	mgr := callerWith(t, e.env, "esc", e.admin, managerPerms...)
	mustCall(t, e.env, e.admin, "POST", e.base+"/roles", `{"name":"solo","display_name":"S","permissions":["documents:write"]}`, 201)
	g := e.freshGroup(t, "role_solo")
	mustCall(t, e.env, e.admin, "PUT", e.base+"/roles/role_solo", `{"assignable":false}`, 200)
	status, b := call(t, e.env, mgr, "POST", e.base+"/groups/"+g+"/relationships/members", `{"data":[{"type":"users","id":"`+e.user+`"}]}`)
	require.Equal(t, http.StatusForbidden, status, "%s", b)
	// Removing members grants nothing.
	status, b = call(t, e.env, mgr, "DELETE", e.base+"/groups/"+g+"/relationships/members", `{"data":[{"type":"users","id":"`+e.user+`"}]}`)
	require.NotEqual(t, http.StatusForbidden, status, "%s", b)
}

// Roles are guarded whole: updating any field of a role that reaches beyond
// the caller (its own permissions or a parent's), or deleting it, is
// refused, even when the change itself is within its reach.
func TestNoEscalation_roleGuardedWhole(t *testing.T) {
	e := newEscalationEnv(t)
	mgr := callerWith(t, e.env, "esc", e.admin, managerPerms...)
	for _, tt := range []struct{ method, body string }{
		{"PUT", `{"permissions":["users:read"]}`},
		{"PUT", `{"display_name":"Senior editor"}`},
		{"PUT", `{"description":"renamed"}`},
		{"PUT", `{"metadata":{"k":"v"}}`},
		{"PUT", `{"assignable":false}`},
		{"DELETE", ``},
	} {
		for _, role := range []string{"role_senior", "role_editor"} {
			before := e.env.Revision("esc")
			status, b := call(t, e.env, mgr, tt.method, e.base+"/roles/"+role, tt.body)
			require.Equal(t, http.StatusForbidden, status, "%s %s %s: %s", tt.method, role, tt.body, b)
			require.Equal(t, before, e.env.Revision("esc"))
		}
	}
	// Within its reach, any field may change.
	mustCall(t, e.env, mgr, "PUT", e.base+"/roles/role_viewer", `{"display_name":"Viewer","assignable":false}`, 200)
}

// A role others inherit from stays assignable: making it not assignable
// would leave it granted through its heirs.
func TestRoles_assignableFalseWithHeirs(t *testing.T) {
	e := newEscalationEnv(t)
	status, b := call(t, e.env, e.admin, "PUT", e.base+"/roles/role_editor", `{"assignable":false}`)
	require.Equal(t, http.StatusConflict, status, "%s", b)
	require.Contains(t, string(b), "role_senior", "the 409 names the heirs")
}
