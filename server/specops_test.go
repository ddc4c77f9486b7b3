package server_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/gen"
	"github.com/rosterhq/roster/server/servertest"
)

// The permission matrix, the tenant isolation test and the body fuzzer are
// generated from the embedded spec: every operation it declares is tried.
// What the spec cannot say — a minimal valid body for each operation — is
// in opRequests, and an operation missing from it fails the tests, so a new
// operation cannot slip in unguarded.

// specOp is one operation of the embedded spec.
type specOp struct {
	ID       string // as the embedded spec spells it (CreateRole)
	Method   string
	Path     string // the template, /v1/tenants/{tenant_id}/roles
	Perms    []string
	Operator bool
	Public   bool
	// SubjectInBody: x-roster-subject: body — the handler authorizes what
	// the body names (the checks, each operation of a bulk).
	SubjectInBody bool
}

func (o specOp) String() string { return o.ID + " " + o.Method + " " + o.Path }

func (o specOp) inTenant() bool { return strings.Contains(o.Path, "{tenant_id}") }

// specOperations lists every operation of the embedded spec, sorted by id.
func specOperations(t testing.TB) []specOp {
	t.Helper()
	spec, err := gen.GetSwagger()
	require.NoError(t, err)
	var ops []specOp
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			o := specOp{ID: op.OperationID, Method: method, Path: path,
				Public: op.Security != nil && len(*op.Security) == 0}
			raw, ok := op.Extensions["x-roster-permission"]
			require.True(t, ok, "%s %s (%s) has no x-roster-permission", method, path, op.OperationID)
			b, err := json.Marshal(raw)
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(b, &o.Perms), "%s: x-roster-permission must be a list of strings", o)
			o.SubjectInBody = op.Extensions["x-roster-subject"] == "body"
			if slices.Contains(o.Perms, "operator") {
				o.Operator, o.Perms = true, nil
			}
			ops = append(ops, o)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].ID < ops[j].ID })
	return ops
}

// fixture holds real ids in one tenant for every path parameter. The user
// holds the role directly, is a member of the group, and the group holds
// the role too, so that every remove operation has something to remove.
// The role has no permissions, so any caller may grant it.
type fixture struct {
	Tenant, Role, User, Group, Org, Token string
}

// opRequest is how to call one operation: its body, built from the
// fixture's ids.
type opRequest struct {
	body func(f fixture, n string) string
}

func linkageBody(f fixture, _ string) string {
	return `{"data":[{"type":"users","id":"` + f.User + `"}]}`
}

// opRequests knows every operation of the spec (keyed by lower-case
// operationId). n is a fresh word for names that must be unique.
var opRequests = map[string]opRequest{
	"gethealthz": {}, "getreadyz": {},
	"listtenants":    {},
	"createtenant":   {body: func(_ fixture, n string) string { return `{"id":"t-` + n + `","name":"T"}` }},
	"gettenant":      {},
	"updatetenant":   {body: func(_ fixture, n string) string { return `{"name":"Renamed ` + n + `"}` }},
	"deletetenant":   {},
	"addtenantadmin": {body: func(_ fixture, n string) string { return `{"email":"admin-` + n + `@example.test"}` }},

	"listroles":  {},
	"createrole": {body: func(_ fixture, n string) string { return `{"name":"r` + n + `","display_name":"R","permissions":[]}` }},
	"getrole":    {},
	"updaterole": {body: func(_ fixture, n string) string { return `{"display_name":"R ` + n + `"}` }},
	"deleterole": {},

	"getroleassigneelinkage": {},
	"listroleassignees":      {},
	"addroleassignees":       {body: linkageBody},
	"replaceroleassignees":   {body: linkageBody},
	"removeroleassignees":    {body: linkageBody},

	"listusers":  {},
	"createuser": {body: func(_ fixture, n string) string { return `{"email":"new-` + n + `@example.test"}` }},
	"getuser":    {},
	"updateuser": {body: func(_ fixture, n string) string { return `{"first_name":"F` + n + `"}` }},
	"deleteuser": {},

	"listuserroles":    {},
	"assignuserrole":   {body: func(f fixture, _ string) string { return `{"role_id":"` + f.Role + `"}` }},
	"replaceuserroles": {body: func(f fixture, _ string) string { return `{"assignments":[{"role_id":"` + f.Role + `"}]}` }},
	"adduserrole":      {},
	"removeuserrole":   {},

	"getevaluatedroles":  {},
	"getuserpermissions": {},
	"getrolehistory":     {},
	"checkpermission": {body: func(f fixture, _ string) string {
		return `{"user_id":"` + f.User + `","permission":"documents:read"}`
	}},
	"checkpermissions": {body: func(f fixture, _ string) string {
		return `{"checks":[{"user_id":"` + f.User + `","permission":"documents:read"}]}`
	}},

	"listusertokens": {},
	// A token for another user needs explicit scopes (openapi.yaml, time limits).
	"createusertoken": {body: func(_ fixture, n string) string { return `{"name":"t` + n + `","scopes":[]}` }},
	"revokeusertoken": {},

	"listgroups":            {},
	"creategroup":           {body: func(_ fixture, n string) string { return `{"name":"g` + n + `"}` }},
	"getgroup":              {},
	"updategroup":           {body: func(_ fixture, n string) string { return `{"description":"d` + n + `"}` }},
	"deletegroup":           {},
	"listgroupmembers":      {},
	"getgroupmemberlinkage": {},
	"addgroupmembers":       {body: linkageBody},
	"replacegroupmembers":   {body: linkageBody},
	"removegroupmembers":    {body: linkageBody},
	"listgrouproles":        {},
	"assigngrouprole":       {body: func(f fixture, _ string) string { return `{"role_id":"` + f.Role + `"}` }},
	"removegrouprole":       {},

	"listorganizations":  {},
	"createorganization": {body: func(_ fixture, n string) string { return `{"name":"o` + n + `"}` }},
	"getorganization":    {},
	"updateorganization": {body: func(_ fixture, n string) string { return `{"name":"o2` + n + `"}` }},
	"deleteorganization": {},

	"listauditevents": {},

	"authzenevaluation": {body: func(f fixture, _ string) string {
		return `{"subject":{"type":"user","id":"` + f.User + `"},"action":{"name":"read"},"resource":{"type":"documents","id":"d1"}}`
	}},
	"authzenevaluations": {body: func(f fixture, _ string) string {
		return `{"subject":{"type":"user","id":"` + f.User + `"},"action":{"name":"read"},"evaluations":[{"resource":{"type":"documents","id":"d1"}}]}`
	}},
	"authzensearchsubject": {body: func(f fixture, _ string) string {
		return `{"subject":{"type":"user"},"action":{"name":"read"},"resource":{"type":"documents","id":"d1"}}`
	}},
	"authzensearchaction": {body: func(f fixture, _ string) string {
		return `{"subject":{"type":"user","id":"` + f.User + `"},"resource":{"type":"documents","id":"d1"}}`
	}},
	"authzenmetadata": {},

	"scimserviceproviderconfig": {}, "scimresourcetypes": {}, "scimschemas": {},
	"scimlistusers": {}, "scimgetuser": {}, "scimdeleteuser": {},
	"scimcreateuser": {body: func(_ fixture, n string) string {
		return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"scim-` + n + `@example.test"}`
	}},
	"scimreplaceuser": {body: func(_ fixture, n string) string {
		return `{"userName":"put-` + n + `","emails":[{"value":"put-` + n + `@example.test","primary":true}]}`
	}},
	"scimpatchuser": {body: func(_ fixture, n string) string {
		return `{"Operations":[{"op":"replace","path":"name.givenName","value":"G` + n + `"}]}`
	}},
	"scimlistgroups": {}, "scimgetgroup": {}, "scimdeletegroup": {},
	"scimcreategroup":  {body: func(_ fixture, n string) string { return `{"displayName":"sg` + n + `"}` }},
	"scimreplacegroup": {body: func(_ fixture, n string) string { return `{"displayName":"sg` + n + `"}` }},
	"scimpatchgroup": {body: func(_ fixture, n string) string {
		return `{"Operations":[{"op":"replace","path":"displayName","value":"sg` + n + `"}]}`
	}},

	"bulkwrite": {body: func(_ fixture, n string) string {
		return `{"operations":[{"method":"POST","path":"/organizations","body":{"name":"o` + n + `"}}]}`
	}},
}

// errorCode is the code of an error answer: the problem's, or for an
// AuthZEN operation, whose errors are a message string (AuthZEN 1.0), the
// code its status stands for.
func errorCode(t testing.TB, op specOp, status int, body []byte) string {
	t.Helper()
	if strings.HasPrefix(op.ID, "Authzen") {
		var msg string
		require.NoError(t, json.Unmarshal(body, &msg), "%s: an AuthZEN error is a JSON string: %s", op, body)
		require.NotEmpty(t, msg, "%s: an AuthZEN error says why", op)
		return map[int]string{400: "validation_error", 401: "unauthorized", 403: "forbidden", 404: "not_found"}[status]
	}
	if strings.HasPrefix(op.ID, "Scim") {
		var e struct {
			Schemas []string
			Status  string
		}
		require.NoError(t, json.Unmarshal(body, &e), "%s: not a SCIM error: %s", op, body)
		require.Equal(t, []string{"urn:ietf:params:scim:api:messages:2.0:Error"}, e.Schemas, "%s: %s", op, body)
		require.Equal(t, fmt.Sprint(status), e.Status, "%s: a SCIM error's status is the HTTP status, as a string", op)
		return map[int]string{400: "validation_error", 401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict"}[status]
	}
	var p struct{ Code string }
	require.NoError(t, json.Unmarshal(body, &p), "not a problem body: %s", body)
	return p.Code
}

// requestFor returns the operation's request parts for the fixture's ids,
// failing the test for an operation opRequests does not know.
func requestFor(t testing.TB, op specOp, f fixture) (path, body string) {
	t.Helper()
	r, ok := opRequests[strings.ToLower(op.ID)]
	require.True(t, ok, "operation %s is new: add it to opRequests in specops_test.go so that "+
		"the permission matrix, tenant isolation and body fuzzing cover it", op)
	path = op.Path
	for name, v := range map[string]string{
		"tenant_id": f.Tenant, "role_id": f.Role, "user_id": f.User, "group_id": f.Group,
		"organization_id": f.Org, "token_id": f.Token,
	} {
		path = strings.ReplaceAll(path, "{"+name+"}", v)
	}
	require.NotContains(t, path, "{", "%s: a path parameter the fixture has no id for", op)
	if r.body != nil {
		body = r.body(f, fresh())
	}
	return path, body
}

var counter atomic.Int64

// fresh is a word unique within the test binary, for unique names.
func fresh() string { return fmt.Sprintf("n%d", counter.Add(1)) }

// call sends one request as token and returns status and body.
func call(t testing.TB, env *servertest.Env, token, method, path, body string) (int, []byte) {
	t.Helper()
	resp, b := env.Do(method, path, token, body)
	return resp.StatusCode, b
}

// mustCall sends a request that must answer want.
func mustCall(t testing.TB, env *servertest.Env, token, method, path, body string, want int) map[string]any {
	t.Helper()
	status, b := call(t, env, token, method, path, body)
	require.Equal(t, want, status, "%s %s: %s", method, path, b)
	var out map[string]any
	if len(b) > 0 {
		require.NoError(t, json.Unmarshal(b, &out))
	}
	return out
}

// newFixture makes a fresh set of ids in tenant tn, as its admin.
func newFixture(t testing.TB, env *servertest.Env, tn, admin string) fixture {
	t.Helper()
	base := "/v1/tenants/" + tn
	n := fresh()
	f := fixture{Tenant: tn, Role: "role_fx" + n}
	mustCall(t, env, admin, "POST", base+"/roles", `{"name":"fx`+n+`","display_name":"F","permissions":[]}`, 201)
	u := mustCall(t, env, admin, "POST", base+"/users", `{"email":"fx-`+n+`@example.test","roles":["`+f.Role+`"]}`, 201)
	f.User = u["id"].(string)
	g := mustCall(t, env, admin, "POST", base+"/groups", `{"name":"fx`+n+`"}`, 201)
	f.Group = g["id"].(string)
	mustCall(t, env, admin, "POST", base+"/groups/"+f.Group+"/relationships/members", linkageBody(f, ""), 204)
	mustCall(t, env, admin, "POST", base+"/groups/"+f.Group+"/roles", `{"role_id":"`+f.Role+`"}`, 201)
	o := mustCall(t, env, admin, "POST", base+"/organizations", `{"name":"fx`+n+`"}`, 201)
	f.Org = o["id"].(string)
	k := mustCall(t, env, admin, "POST", base+"/users/"+f.User+"/tokens", `{"name":"fx"}`, 201)
	f.Token = k["id"].(string)
	return f
}

// newAPITenant creates a tenant with an admin and returns the admin's token.
func newAPITenant(t testing.TB, env *servertest.Env, id string) string {
	t.Helper()
	res := mustCall(t, env, servertest.OperatorToken, "POST", "/v1/tenants",
		`{"id":"`+id+`","name":"T","admin":{"email":"admin@`+id+`.test"}}`, 201)
	return res["admin_token"].(string)
}

// callerWith returns the token of a new user of tenant tn whose only role
// holds exactly perms (an unscoped token: its user's permissions are all it has).
func callerWith(t testing.TB, env *servertest.Env, tn, admin string, perms ...string) string {
	t.Helper()
	base := "/v1/tenants/" + tn
	n := fresh()
	p, err := json.Marshal(append([]string{}, perms...))
	require.NoError(t, err)
	mustCall(t, env, admin, "POST", base+"/roles", `{"name":"c`+n+`","display_name":"C","permissions":`+string(p)+`}`, 201)
	u := mustCall(t, env, admin, "POST", base+"/users", `{"email":"c-`+n+`@example.test","roles":["role_c`+n+`"]}`, 201)
	k := mustCall(t, env, admin, "POST", base+"/users/"+u["id"].(string)+"/tokens", `{"name":"c"}`, 201)
	return k["token"].(string)
}
