package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/gen"
	"github.com/rosterhq/roster/server/servertest"
)

// The request-body examples of openapi.yaml are what /docs shows and what
// people copy: each one, of every content type, is sent to a live server,
// on the operation's own path, and must be accepted (2xx).
//
// Examples name ids by placeholder (exampleIDs): each test case gets a
// fresh tenant with a fixture (newFixture, plus a second role), and the
// placeholders in the body are replaced by the fixture's ids, as are the
// path parameters, so no case depends on another.

// exampleIDs maps each placeholder id the examples may use to the fixture's id.
var exampleIDs = map[string]func(f exampleFixture) string{
	"role_editor":  func(f exampleFixture) string { return f.Role },
	"role_viewer":  func(f exampleFixture) string { return f.Viewer },
	"usr_8f3kq0c2": func(f exampleFixture) string { return f.User },
	"grp_4hd8s":    func(f exampleFixture) string { return f.Group },
	"org_3kq9x":    func(f exampleFixture) string { return f.Org },
	"tok_2x8f":     func(f exampleFixture) string { return f.Token },
}

// idLike is a string an example uses as an id: it must be a placeholder of
// exampleIDs, or an id every tenant has.
var idLike = regexp.MustCompile(`^(role|usr|grp|org|tok)_[A-Za-z0-9_-]+$`)

var everyTenantHas = map[string]bool{"role_member": true}

// exampleTimes are the fields whose example must stay in the future.
var exampleTimes = map[string]bool{"expires_at": true, "not_before": true}

type exampleFixture struct {
	fixture
	Viewer string // a second role, with no permissions
}

// bodyExample is one example of one content type of an operation's body.
type bodyExample struct {
	op          specOp
	contentType string
	name        string // "example", or the key in `examples`
	value       any
}

func (e bodyExample) String() string { return e.op.ID + " " + e.contentType + " " + e.name }

// bodyExamples lists every request-body example of the embedded spec,
// failing for a content type that has none.
func bodyExamples(t *testing.T) []bodyExample {
	t.Helper()
	spec, err := gen.GetSwagger()
	require.NoError(t, err)
	var out []bodyExample
	for _, op := range specOperations(t) {
		o := spec.Paths.Find(op.Path).GetOperation(op.Method)
		require.NotNil(t, o, "%s", op)
		if o.RequestBody == nil || o.RequestBody.Value == nil {
			continue
		}
		cts := make([]string, 0, len(o.RequestBody.Value.Content))
		for ct := range o.RequestBody.Value.Content {
			cts = append(cts, ct)
		}
		sort.Strings(cts)
		for _, ct := range cts {
			mt := o.RequestBody.Value.Content[ct]
			n := len(out)
			if mt.Example != nil {
				out = append(out, bodyExample{op: op, contentType: ct, name: "example", value: mt.Example})
			}
			names := make([]string, 0, len(mt.Examples))
			for name := range mt.Examples {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				ex := mt.Examples[name]
				require.True(t, ex != nil && ex.Value != nil, "%s %s: example %q cannot be read", op, ct, name)
				require.Empty(t, ex.Value.ExternalValue, "%s %s: example %q: only inline examples can be checked", op, ct, name)
				out = append(out, bodyExample{op: op, contentType: ct, name: name, value: ex.Value.Value})
			}
			require.Greater(t, len(out), n, "%s: the %s request body has no example: add one to openapi.yaml", op, ct)
		}
	}
	return out
}

func TestExamples_requestBodiesAreAccepted(t *testing.T) {
	examples := bodyExamples(t)
	require.NotEmpty(t, examples)
	env := servertest.New(t)
	hc := &http.Client{Transport: servertest.ValidatingTransport{T: t}}
	for _, ex := range examples {
		t.Run(strings.ReplaceAll(ex.String(), "/", "_"), func(t *testing.T) {
			tn := "ex-" + fresh()
			admin := newAPITenant(t, env, tn)
			f := exampleFixture{fixture: newFixture(t, env, tn, admin), Viewer: "role_v" + fresh()}
			mustCall(t, env, admin, "POST", "/v1/tenants/"+tn+"/roles",
				`{"name":"`+strings.TrimPrefix(f.Viewer, "role_")+`","display_name":"V","permissions":[]}`, 201)

			body, err := json.Marshal(withFixtureIDs(t, ex, ex.value, "", f))
			require.NoError(t, err)
			path := ex.op.Path
			for name, v := range map[string]string{
				"tenant_id": f.Tenant, "role_id": f.Role, "user_id": f.User, "group_id": f.Group,
				"organization_id": f.Org, "token_id": f.Token,
			} {
				path = strings.ReplaceAll(path, "{"+name+"}", v)
			}
			require.NotContains(t, path, "{", "%s: a path parameter the fixture has no id for", ex)
			token := admin
			if ex.op.Operator {
				token = servertest.OperatorToken
			}

			req, err := http.NewRequest(strings.ToUpper(ex.op.Method), env.URL+path, bytes.NewReader(body))
			require.NoError(t, err)
			req.Header.Set("Content-Type", ex.contentType)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := hc.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			answer, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.True(t, resp.StatusCode >= 200 && resp.StatusCode < 300,
				"%s: the example %s is refused: %d %s", ex, body, resp.StatusCode, answer)
		})
	}
}

// withFixtureIDs returns v with each placeholder id replaced by the
// fixture's, failing on an id the test cannot map and on a time that will
// not stay in the future.
func withFixtureIDs(t *testing.T, ex bodyExample, v any, field string, f exampleFixture) any {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = withFixtureIDs(t, ex, e, k, f)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = withFixtureIDs(t, ex, e, field, f)
		}
		return out
	case string:
		if exampleTimes[field] {
			at, err := time.Parse(time.RFC3339, v)
			require.NoError(t, err, "%s: %s", ex, field)
			require.True(t, at.After(time.Now().AddDate(50, 0, 0)),
				"%s: %s %s will be refused once it has passed: use a date far in the future (2099-…)", ex, field, v)
		}
		if id, ok := exampleIDs[v]; ok {
			return id(f)
		}
		require.False(t, idLike.MatchString(v) && !everyTenantHas[v],
			"%s: the example names id %q, which the test cannot map to its fixture: use a placeholder of exampleIDs", ex, v)
		return v
	default:
		return v
	}
}

// The examples are only worth sending if openapi3 reads them as it reads
// the rest of the spec: an example of a body that its own schema refuses
// fails here, before any request, with the schema's reason.
func TestExamples_matchTheirSchemas(t *testing.T) {
	spec, err := gen.GetSwagger()
	require.NoError(t, err)
	for _, ex := range bodyExamples(t) {
		mt := spec.Paths.Find(ex.op.Path).GetOperation(ex.op.Method).RequestBody.Value.Content[ex.contentType]
		err := mt.Schema.Value.VisitJSON(ex.value, openapi3.VisitAsRequest(), openapi3.MultiErrors())
		require.NoError(t, err, "%s", ex)
	}
}
