package server

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/gen"
)

// TestFastCheck_neverAcceptsWhatTheSpecRejects runs every body through both
// the hand-written fast path and the spec's validator: the fast path may
// decline a valid body (the validator then takes it), but it must never
// accept one the validator rejects.
func TestFastCheck_neverAcceptsWhatTheSpecRejects(t *testing.T) {
	spec, err := gen.GetSwagger()
	require.NoError(t, err)
	ops, err := buildOperations(spec)
	require.NoError(t, err)
	full, _ := validator(spec, ops)

	long := strings.Repeat("u", 81)
	bodies := []struct {
		path, query, body string
		valid             bool // what the fast path should say; the validator is the judge
	}{
		{routeCheck, "", `{"user_id":"usr_1","permission":"docs:read"}`, true},
		{routeCheck, "", `{"user_id":"me","permission":"*:*","organization_id":"org_1"}`, true},
		{routeCheck, "min_revision=5", ` {"permission":"a.b-c_d:x","user_id":"usr_1"} `, true},
		{routeCheck, "", `{"user_id":"usr_1","permission":"Docs:read"}`, false},
		{routeCheck, "", `{"user_id":"usr_1","permission":"docs"}`, false},
		{routeCheck, "", `{"user_id":"usr_1"}`, false},
		{routeCheck, "", `{"permission":"docs:read"}`, false},
		{routeCheck, "", `{"USER_ID":"usr_1","permission":"docs:read"}`, false},
		{routeCheck, "", `{"user_id":"usr_1","permission":"docs:read","extra":1}`, false},
		{routeCheck, "", `{"user_id":null,"permission":"docs:read"}`, false},
		{routeCheck, "", `{"user_id":"usr_1","permission":"docs:read","organization_id":null}`, false},
		{routeCheck, "", `{"user_id":7,"permission":"docs:read"}`, false},
		{routeCheck, "", `{"user_id":"` + long + `","permission":"docs:read"}`, false},
		{routeCheck, "", `{"user_id":"usr_1","permission":"docs:read"} {}`, false},
		{routeCheck, "", `[{"user_id":"usr_1","permission":"docs:read"}]`, false},
		{routeCheck, "", `{"user_id":"usr_1","permission":"docs:read"`, false},
		{routeCheck, "min_revision=-1", `{"user_id":"usr_1","permission":"docs:read"}`, false},
		{routeCheck, "min_revision=x", `{"user_id":"usr_1","permission":"docs:read"}`, false},
		{routeCheckBatch, "", `{"checks":[{"user_id":"usr_1","permission":"docs:read"},{"user_id":"usr_2","permission":"docs:*"}]}`, true},
		{routeCheckBatch, "", `{"checks":[]}`, false},
		{routeCheckBatch, "", `{"checks":[{"user_id":"usr_1","permission":"bad"}]}`, false},
		{routeCheckBatch, "", `{"checks":{"user_id":"usr_1","permission":"docs:read"}}`, false},
		{routeCheckBatch, "", `{"checks":[{"user_id":"usr_1","permission":"docs:read"}],"more":true}`, false},
		{routeCheckBatch, "", `{"Checks":[{"user_id":"usr_1","permission":"docs:read"}]}`, false},
		{routeCheckBatch, "", " {\n \"checks\" : [ {\"user_id\":\"u\",\"permission\":\"a:b\"} , {\"permission\":\"*:b\",\"user_id\":\"v\"} ] } ", true},
		{routeCheckBatch, "", `{"checks":[{"user_id":"usr_1","permission":"docs:read"},]}`, false},
		{routeCheckBatch, "", `{"checks":[{"user_id":"usr_1","permission":"docs:read"}]`, false},
		{routeCheck, "", `{"user_id":"us\u0072_1","permission":"docs:read"}`, false}, // valid, but escapes are left to the validator
		{routeCheck, "", `{"user_id":"usr_1","user_id":"usr_2","permission":"docs:read"}`, false},
		{routeCheck, "", `{"user_id":"usr_1","permission":"docs:read",}`, false},
		{routeCheck, "", `{"user_id":"üsér","permission":"docs:read"}`, true},
		{routeCheck, "", "{\"user_id\":\"a\tb\",\"permission\":\"docs:read\"}", false},
		{routeCheck, "", `{"user_id":"usr_1","permission":"todo:update","owner":"ada@x.test"}`, true},
		{routeAuthzenEvaluation, "", `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"}}`, true},
		{routeAuthzenEvaluation, "", `{"resource":{"id":"1","type":"todo","properties":{"ownerID":"a@x.test"}},"action":{"name":"can_update_todo"},"subject":{"id":"a","type":"user"},"context":{}}`, true},
		{routeAuthzenEvaluation, "", `{"subject":{"type":"user","id":"alice","properties":{}},"action":{"name":"read","properties":{"m":"GET"}},"resource":{"type":"r","id":"1"},"context":{"ip":"10.0.0.1"}}`, true},
		{routeAuthzenEvaluation, "", `{"subject":{"type":"user"},"action":{"name":"read"},"resource":{"type":"record","id":"1"}}`, false},
		{routeAuthzenEvaluation, "", `{"subject":{"type":"user","id":"alice"},"action":{},"resource":{"type":"record","id":"1"}}`, false},
		{routeAuthzenEvaluation, "", `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{"id":"1"}}`, false},
		{routeAuthzenEvaluation, "", `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"}}`, false},
		{routeAuthzenEvaluation, "", `{"subject":"alice","action":{"name":"read"},"resource":{"type":"record","id":"1"}}`, false},
		{routeAuthzenEvaluation, "", `{"subject":{"type":"user","id":"alice"},"action":{"name":123},"resource":{"type":"record","id":"1"}}`, false},
		{routeAuthzenEvaluation, "", `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{"type":"record","id":"1"},"foo":"bar"}`, false}, // valid, left to the validator
		{routeAuthzenEvaluation, "", `{"subject":{"type":"user","id":"` + strings.Repeat("a", 321) + `"},"action":{"name":"read"},"resource":{"type":"record","id":"1"}}`, false},
		{routeAuthzenEvaluation, "", `{"subject":{"type":"user","id":"a","type":"user"},"action":{"name":"read"},"resource":{"type":"record","id":"1"}}`, false},
		{routeAuthzenEvaluation, "", `{"subject":{"type":"user","id":"a"},"action":{"name":"read"},"resource":{"type":"record","id":"1","properties":{"n":1}}}`, false},
		{routeAuthzenEvaluation, "", `{"subject":{"type":"user","id":"a"},"action":{"name":"read"},"resource":{"type":"record","id":"1"}} x`, false},
	}
	for _, b := range bodies {
		t.Run(b.body, func(t *testing.T) {
			e := echo.New()
			path := strings.Replace(b.path, ":tenant_id", "acme", 1)
			req := httptest.NewRequest(http.MethodPost, path+"?"+b.query, strings.NewReader(b.body))
			req.Header.Set("Content-Type", "application/json")
			c := e.NewContext(req, httptest.NewRecorder())
			c.SetPath(b.path)
			fast := acceptValid(c)
			require.Equal(t, b.valid, fast, "fast path")

			req2 := httptest.NewRequest(http.MethodPost, path+"?"+b.query, strings.NewReader(b.body))
			req2.Header.Set("Content-Type", "application/json")
			c2 := e.NewContext(req2, httptest.NewRecorder())
			c2.SetPath(b.path)
			err := full(func(echo.Context) error { return nil })(c2)
			if fast {
				require.NoError(t, err, "the fast path accepted what the spec rejects")
			}
		})
	}
}

// TestFastCheck_declinesWhatCheckInputRefuses: the fast path skips
// checkInput, so it must decline every request checkInput refuses (another
// charset, bytes that are not UTF-8, a query url.Values reads only in part)
// and leave the 400 to the full validator.
func TestFastCheck_declinesWhatCheckInputRefuses(t *testing.T) {
	good := `{"user_id":"usr_1","permission":"docs:read"}`
	tests := []struct {
		name, contentType, query, body string
	}{
		{"charset utf-16", "application/json; charset=utf-16", "", good},
		{"charset latin-1", "application/json; charset=iso-8859-1", "", good},
		{"unreadable charset", "application/json; charset=utf-16; charset=utf-8", "", good},
		{"latin-1 in a value", "application/json", "", "{\"user_id\":\"usr_\xe9\",\"permission\":\"docs:read\"}"},
		{"latin-1 in a key", "application/json", "", "{\"user_id\":\"usr_1\",\"permission\":\"docs:read\",\"\xe9\":\"x\"}"},
		{"a stray byte between members", "application/json", "", "{\"user_id\":\"usr_1\",\x80\"permission\":\"docs:read\"}"},
		{"malformed min_revision", "application/json", "min_revision=%zz", good},
		{"malformed other parameter", "application/json", "x=%zz", good},
		{"semicolon", "application/json", "min_revision=1;x", good},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/v1/tenants/acme/check?"+tt.query, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", tt.contentType)
			c := echo.New().NewContext(req, httptest.NewRecorder())
			c.SetPath(routeCheck)
			require.False(t, acceptValid(c), "the fast path accepted what checkInput refuses")
			require.Error(t, checkInput(req), "checkInput let it through")
		})
	}
}

// acceptValid reports whether readFast accepts the request, leaving the
// body readable either way (the full validator reads it next in the tests).
func acceptValid(c echo.Context) bool {
	r, ok := readFast(c)
	if r.buf != nil {
		c.Request().Body = io.NopCloser(bytes.NewReader(*r.buf))
	}
	return ok
}
