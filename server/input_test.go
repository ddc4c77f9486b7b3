package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/server/servertest"
)

// sendAs sends a raw request with the given Content-Type (none when ""), for
// what the typed client cannot send: malformed escapes, other charsets,
// bytes that are not UTF-8. The response is still checked against the spec.
func sendAs(t *testing.T, env *servertest.Env, method, target, token, contentType, body string) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, env.URL+target, r)
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Transport: servertest.ValidatingTransport{T: t}}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

// TestInput_queryEscapes: a query pair that cannot be decoded is a 400
// naming its parameter (or `query` when even the name cannot be read).
// Before, net/url dropped such a pair and the request went on without it.
func TestInput_queryEscapes(t *testing.T) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	acme.user(t, "u@acme.test")
	const users = "/v1/tenants/acme/users"
	const check = "/v1/tenants/acme/check"
	checkBody := `{"user_id":"me","permission":"docs:read"}`

	tests := []struct {
		name, method, target, body string
		status                     int
		field                      string
	}{
		{"well-formed", "GET", users + "?limit=1&search=%C3%A9", "", 200, ""},
		{"plus for space", "GET", users + "?search=a+b", "", 200, ""},
		{"limit", "GET", users + "?limit=%zz", "", 400, "limit"},
		{"cursor", "GET", users + "?cursor=%zz", "", 400, "cursor"},
		{"truncated escape", "GET", users + "?search=abc%2", "", 400, "search"},
		{"unknown parameter", "GET", users + "?colour=%zz", "", 400, "colour"},
		{"unreadable name", "GET", users + "?%zz=1", "", 400, "query"},
		{"after a good pair", "GET", users + "?limit=5&%zz", "", 400, "query"},
		{"semicolon in a value", "GET", users + "?limit=5;x=1", "", 400, "limit"},
		{"semicolon in a name", "GET", users + "?a;b=1", "", 400, "query"},
		{"value not UTF-8", "GET", users + "?search=%ff", "", 400, "search"},
		{"check, fast path", "POST", check + "?min_revision=%zz", checkBody, 400, "min_revision"},
		{"check, fast path, other parameter", "POST", check + "?x=%zz", checkBody, 400, "x"},
		{"check, well-formed", "POST", check + "?min_revision=0", checkBody, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := sendAs(t, env, tt.method, tt.target, acme.AdminToken, "application/json", tt.body)
			if tt.status != http.StatusBadRequest {
				require.Equal(t, tt.status, resp.StatusCode, "body: %s", body)
				return
			}
			requireProblem(t, resp, body, tt.status, "validation_error", tt.field)
		})
	}
}

// TestInput_bodyIsUTF8: a body declared in another charset, or whose bytes
// are not UTF-8, is a 400 naming `body` and stores nothing; before, both
// were decoded as UTF-8 with U+FFFD in place of what could not be read.
// The checks go through the fast path, which must refuse them too.
func TestInput_bodyIsUTF8(t *testing.T) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	const users = "/v1/tenants/acme/users"
	const check = "/v1/tenants/acme/check"
	const batch = "/v1/tenants/acme/check/batch"
	latin1 := "{\"email\":\"n1@acme.test\",\"first_name\":\"Ren\xe9\"}" // é in ISO-8859-1

	tests := []struct {
		name, target, contentType, body string
		status                          int
	}{
		{"utf-8", users, "application/json; charset=utf-8", `{"email":"u1@acme.test","first_name":"René"}`, 201},
		{"UTF-8 quoted", users, `application/json;charset="UTF-8"`, `{"email":"u2@acme.test"}`, 201},
		{"no charset", users, "application/json", `{"email":"u3@acme.test"}`, 201},
		{"utf-16", users, "application/json; charset=utf-16", `{"email":"n2@acme.test"}`, 400},
		{"latin-1 declared", users, "application/json; charset=ISO-8859-1", `{"email":"n3@acme.test"}`, 400},
		{"charset given twice", users, "application/json; charset=utf-16; charset=utf-8", `{"email":"n4@acme.test"}`, 400},
		{"latin-1 bytes", users, "application/json", latin1, 400},
		{"a stray continuation byte", users, "application/json", "{\"email\":\"n5@acme.test\",\"last_name\":\"\x80\"}", 400},
		{"check declared utf-16", check, "application/json; charset=utf-16", `{"user_id":"me","permission":"docs:read"}`, 400},
		{"check with latin-1 bytes", check, "application/json", "{\"user_id\":\"\xe9\",\"permission\":\"docs:read\"}", 400},
		{"batch with latin-1 bytes", batch, "application/json", "{\"checks\":[{\"user_id\":\"me\",\"permission\":\"docs:read\",\"organization_id\":\"\xe9\"}]}", 400},
		{"check in utf-8", check, "application/json; charset=UTF-8", `{"user_id":"me","permission":"docs:read"}`, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rev, events := env.Revision("acme"), env.AuditCount("acme")
			resp, body := sendAs(t, env, "POST", tt.target, acme.AdminToken, tt.contentType, tt.body)
			if tt.status != http.StatusBadRequest {
				require.Equal(t, tt.status, resp.StatusCode, "body: %s", body)
				return
			}
			requireProblem(t, resp, body, http.StatusBadRequest, "validation_error", "body")
			require.Equal(t, rev, env.Revision("acme"), "a refused body moved the revision")
			require.Equal(t, events, env.AuditCount("acme"), "a refused body left an audit event")
		})
	}
}
