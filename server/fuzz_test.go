package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/rosterhq/roster/server/servertest"
)

// fuzzedWrites are the write operations whose bodies FuzzWriteBodies
// mutates: roles, users, assignments, groups, tokens and checks, the bodies
// with the most structure (nested scopes, lists, linkage, metadata), and
// SCIM's (open bodies that Roster validates itself).
var fuzzedWrites = []string{
	"createrole", "updaterole", "createuser", "updateuser", "assignuserrole", "replaceuserroles",
	"assigngrouprole", "addgroupmembers", "replacegroupmembers", "createusertoken",
	"createorganization", "checkpermissions",
	"scimcreateuser", "scimpatchuser", "scimcreategroup", "scimpatchgroup",
}

// FuzzWriteBodies sends arbitrary bodies to a running handler, as a `*:*`
// admin: the answer is never a 5xx (nor a panic, which the recovery would
// turn into one), is always what the spec documents, and a 4xx changes
// nothing — neither the tenant's revision nor its audit log.
func FuzzWriteBodies(f *testing.F) {
	env := servertest.New(f)
	admin := newAPITenant(f, env, "fz")
	fx := newFixture(f, env, "fz", admin)
	ops := map[string]specOp{}
	for _, op := range specOperations(f) {
		ops[strings.ToLower(op.ID)] = op
	}
	for i, id := range fuzzedWrites {
		op, ok := ops[id]
		if !ok {
			f.Fatalf("%s is not in the spec any more", id)
		}
		_, body := requestFor(f, op, fx)
		f.Add(uint8(i), []byte(body))
	}
	f.Add(uint8(0), []byte(`{"name":"x","display_name":"X","permissions":["a:b"],"metadata":{"a":[1,{"b":null}]}}`))
	f.Add(uint8(5), []byte(`{"assignments":[{"role_id":"`+fx.Role+`","scope":{"type":"organization","organization_id":"`+fx.Org+`"}}]}`))
	f.Add(uint8(4), []byte(`{"role_id":"`+fx.Role+`","not_before":"2030-01-01T00:00:00Z","expires_at":"2029-01-01T00:00:00Z"}`))
	f.Add(uint8(13), []byte(`{"Operations":[{"op":"Replace","path":"emails[type eq "work"].value","value":"x@y.z"},{"op":"add","value":{"name.givenName":"A","active":"False"}}]}`))
	f.Add(uint8(13), []byte(`{"Operations":[{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":"m","addresses":"x"}},{"op":"add","path":"ims","value":1}]}`))
	f.Add(uint8(15), []byte(`{"Operations":[{"op":"Remove","path":"members","value":[{"value":"`+fx.User+`"}]},{"op":"add","path":"members","value":[{"value":"`+fx.User+`"}]}]}`))

	f.Fuzz(func(t *testing.T, pick uint8, body []byte) {
		e := *env
		e.T = t // the fuzz function must not report through f
		op := ops[fuzzedWrites[int(pick)%len(fuzzedWrites)]]
		path, _ := requestFor(t, op, fx)
		rev, audits := e.Revision("fz"), e.AuditCount("fz")
		resp, b := e.Do(op.Method, path, admin, string(body))
		if resp.StatusCode >= 500 {
			t.Fatalf("%s with %q: %d %s", op.ID, body, resp.StatusCode, b)
		}
		if resp.StatusCode >= 400 {
			if got := e.Revision("fz"); got != rev {
				t.Fatalf("%s with %q: %d, yet the revision moved %d → %d", op.ID, body, resp.StatusCode, rev, got)
			}
			if got := e.AuditCount("fz"); got != audits {
				t.Fatalf("%s with %q: %d, yet %d audit events were written", op.ID, body, resp.StatusCode, got-audits)
			}
		}
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			t.Fatalf("%s: the admin was refused: %s", op.ID, b)
		}
	})
}
