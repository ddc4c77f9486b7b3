package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/server/servertest"
)

// scimStep is one request of an identity provider's sequence: ${name} in
// its path or body is replaced by a value an earlier step saved.
type scimStep struct {
	name   string
	method string
	path   string // under the tenant's /scim/v2
	body   string
	status int
	want   map[string]any // values at dotted paths; strings are expanded
	check  func(t *testing.T, res map[string]any)
	save   map[string]string // variable → dotted path in the answer ("id", "Resources.0.id")
}

// scimClient replays steps as an identity provider sends them: bodies as
// application/scim+json, every answer validated against openapi.yaml.
type scimClient struct {
	env    *servertest.Env
	tenant string
	token  string
	vars   map[string]string
}

func newScimClient(env *servertest.Env, tenant, token string) *scimClient {
	return &scimClient{env: env, tenant: tenant, token: token, vars: map[string]string{}}
}

var scimVar = regexp.MustCompile(`\$\{(\w+)\}`)

func (c *scimClient) expand(s string) string {
	return scimVar.ReplaceAllStringFunc(s, func(m string) string { return c.vars[m[2:len(m)-1]] })
}

// do sends one request and returns the status, the decoded body and the response.
func (c *scimClient) do(t *testing.T, method, path, body string) (int, map[string]any, *http.Response) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(c.expand(body))
	}
	req, err := http.NewRequest(method, c.env.URL+"/v1/tenants/"+c.tenant+"/scim/v2"+c.expand(path), r)
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json; charset=utf-8")
	}
	req.Header.Set("Accept", "application/scim+json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := (&http.Client{Transport: servertest.ValidatingTransport{T: t}}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	if len(b) > 0 {
		require.NoError(t, json.Unmarshal(b, &out), "not JSON: %s", b)
		require.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "application/scim+json"), "content type %q", resp.Header.Get("Content-Type"))
	}
	if resp.StatusCode >= 400 {
		require.Equal(t, []any{"urn:ietf:params:scim:api:messages:2.0:Error"}, out["schemas"], "a SCIM error: %s", b)
		require.Equal(t, http.StatusText(resp.StatusCode) != "", true)
		require.Equal(t, strings.TrimSpace(strings.Split(resp.Status, " ")[0]), out["status"], "status is a string: %s", b)
	}
	return resp.StatusCode, out, resp
}

// run replays steps in order.
func (c *scimClient) run(t *testing.T, steps []scimStep) {
	t.Helper()
	for _, s := range steps {
		status, res, _ := c.do(t, s.method, s.path, s.body)
		b, _ := json.Marshal(res)
		require.Equal(t, s.status, status, "%s: %s", s.name, b)
		for p, v := range s.want {
			if str, ok := v.(string); ok {
				v = c.expand(str)
			}
			require.Equal(t, v, dig(res, p), "%s: %s in %s", s.name, p, b)
		}
		if s.check != nil {
			s.check(t, res)
		}
		for v, p := range s.save {
			got, ok := dig(res, p).(string)
			require.True(t, ok, "%s: no %s in %s", s.name, p, b)
			c.vars[v] = got
		}
	}
}

// dig reads a dotted path ("Resources.0.id") from a decoded body.
func dig(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			i := 0
			for _, ch := range k {
				i = i*10 + int(ch-'0')
			}
			if i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// scimErr asserts a SCIM error's scimType.
func scimErr(scimType string) func(t *testing.T, res map[string]any) {
	return func(t *testing.T, res map[string]any) {
		t.Helper()
		require.Equal(t, scimType, res["scimType"], "%v", res)
		require.NotEmpty(t, res["detail"])
	}
}

// has asserts values at dotted paths.
func has(want map[string]any) func(t *testing.T, res map[string]any) {
	return func(t *testing.T, res map[string]any) {
		t.Helper()
		for p, v := range want {
			require.Equal(t, v, dig(res, p), "%s in %v", p, res)
		}
	}
}

// provisioner makes a user in tenant tn holding exactly what the README's
// provisioning token needs, and returns a token of it scoped to that.
func provisioner(t *testing.T, env *servertest.Env, tn, admin string, extra ...string) string {
	t.Helper()
	perms := append([]string{"users:read", "users:write", "groups:read", "groups:write", "assignments:write"}, extra...)
	return callerWith(t, env, tn, admin, perms...)
}
