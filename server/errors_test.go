package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/rbac"
)

func TestErrors_validatorFields(t *testing.T) {
	f := newFixture(t)
	const (
		roles   = "/v1/tenants/acme/users/usr_member/roles"
		users   = "/v1/tenants/acme/users"
		tenants = "/v1/tenants"
	)
	tests := []struct {
		name   string
		method string
		target string
		body   string
		fields []string
	}{
		{"unknown field", "POST", roles, `{"role_id":"role_x","bogus":1}`, []string{"bogus"}},
		{"two unknown fields", "POST", roles, `{"role_id":"role_x","b":1,"a":2}`, []string{"a", "b"}},
		{"unknown nested field", "POST", roles, `{"role_id":"role_x","scope":{"type":"global","x":1}}`, []string{"scope.x"}},
		{"read-only nested field", "POST", roles, `{"role_id":"role_x","scope":{"type":"global","organization_name":"n"}}`, []string{"scope.organization_name"}},
		{"missing required", "POST", roles, `{}`, []string{"role_id"}},
		{"wrong type", "POST", roles, `{"role_id":5}`, []string{"role_id"}},
		{"enum", "POST", roles, `{"role_id":"r","scope":{"type":"planet"}}`, []string{"scope.type"}},
		{"bad timestamp", "POST", roles, `{"role_id":"r","expires_at":"tomorrow"}`, []string{"expires_at"}},
		{"array item wrong type", "PUT", roles, `{"assignments":[{"role_id":"a"},{"role_id":5}]}`, []string{"assignments[1].role_id"}},
		{"array item missing", "PUT", roles, `{"assignments":[{"role_id":"a"},{}]}`, []string{"assignments[1].role_id"}},
		{"array item unknown field", "PUT", roles, `{"assignments":[{"role_id":"a","zz":1}]}`, []string{"assignments[0].zz"}},
		{"several fields at once", "PUT", roles, `{"assignments":[{"role_id":1},{"role_id":"b","scope":{}}]}`, []string{"assignments[0].role_id", "assignments[1].scope.type"}},
		{"malformed JSON", "POST", roles, `{"role_id":`, []string{"body"}},
		{"not an object", "POST", roles, `[1,2]`, []string{"body"}},
		{"bad email", "POST", users, `{"email":"not-an-email"}`, []string{"email"}},
		{"email with a display name", "POST", users, `{"email":"Ada <ada@x.test>"}`, []string{"email"}},
		{"nested bad email", "POST", tenants, `{"id":"acme2","name":"A","admin":{"email":"nope"}}`, []string{"admin.email"}},
		{"pattern", "POST", tenants, `{"id":"A!","name":"A"}`, []string{"id"}},
		{"min properties", "PATCH", "/v1/tenants/acme", `{}`, []string{"body"}},
		{"limit too small", "GET", users + "?limit=0", "", []string{"limit"}},
		{"limit too big", "GET", users + "?limit=101", "", []string{"limit"}},
		{"limit not a number", "GET", users + "?limit=abc", "", []string{"limit"}},
		{"cursor not issued", "GET", users + "/usr_member/roles?cursor=abc", "", []string{"cursor"}},
		{"scope needs organization_id", "POST", roles, `{"role_id":"r","scope":{"type":"organization"}}`, []string{"scope.organization_id"}},
		{"global scope forbids organization_id", "POST", roles, `{"role_id":"r","scope":{"type":"global","organization_id":"org_1"}}`, []string{"scope.organization_id"}},
		{"expiry in the past", "POST", roles, `{"role_id":"r","expires_at":"2001-01-01T00:00:00Z"}`, []string{"expires_at"}},
		{"expiry before not_before", "POST", roles, `{"role_id":"r","not_before":"2040-01-01T00:00:00Z","expires_at":"2039-01-01T00:00:00Z"}`, []string{"expires_at"}},
		{"replace: handler rule names the item", "PUT", roles, `{"assignments":[{"role_id":"a"},{"role_id":"b","scope":{"type":"organization"}}]}`, []string{"assignments[1].scope.organization_id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := f.do(t, f.operator, tt.method, tt.target, tt.body)
			p := problemOf(t, rec, 400, "validation_error")
			require.Equal(t, tt.fields, fieldsOf(p), rec.Body.String())
			require.NotContains(t, rec.Body.String(), "Schema:", "schema dumps must not leak")
		})
	}
}

func TestErrors_bodyAndRoutes(t *testing.T) {
	f := newFixture(t)
	const roles = "/v1/tenants/acme/users/usr_member/roles"

	t.Run("wrong content type", func(t *testing.T) {
		rec := f.do(t, f.operator, "POST", roles, `role_id=r`, "Content-Type", "application/x-www-form-urlencoded")
		require.Equal(t, []string{"body"}, fieldsOf(problemOf(t, rec, 400, "validation_error")))
	})
	t.Run("missing body", func(t *testing.T) {
		rec := f.do(t, f.operator, "POST", roles, "")
		require.Equal(t, []string{"body"}, fieldsOf(problemOf(t, rec, 400, "validation_error")))
	})
	t.Run("too large by Content-Length", func(t *testing.T) {
		big := `{"role_id":"` + strings.Repeat("a", 1<<20) + `"}`
		problemOf(t, f.do(t, f.operator, "POST", roles, big), 413, "payload_too_large")
	})
	t.Run("too large and chunked", func(t *testing.T) {
		big := `{"role_id":"` + strings.Repeat("a", 1<<20) + `"}`
		req := httptest.NewRequest("POST", roles, io.MultiReader(strings.NewReader(big)))
		req.ContentLength = -1 // chunked: the limit is only found while reading
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+f.operator)
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		problemOf(t, rec, 413, "payload_too_large")
	})
	t.Run("just under 1 MiB passes the limit", func(t *testing.T) {
		body := `{"role_id":"r","reason":"` + strings.Repeat("a", 1<<20-40) + `"}`
		rec := f.do(t, f.operator, "POST", roles, body)
		// The body is read, then rejected by the schema (reason ≤ 500), not by the limit.
		require.Equal(t, []string{"reason"}, fieldsOf(problemOf(t, rec, 400, "validation_error")))
	})
	t.Run("unknown route", func(t *testing.T) {
		problemOf(t, f.do(t, f.operator, "GET", "/v2/nothing", ""), 404, "not_found")
	})
	t.Run("method not allowed", func(t *testing.T) {
		rec := f.do(t, f.operator, "PATCH", "/v1/tenants", "")
		problemOf(t, rec, 405, "not_found")
	})
	t.Run("request id echoed", func(t *testing.T) {
		rec := f.do(t, "", "GET", "/healthz", "", "X-Request-Id", "abc-123")
		require.Equal(t, "abc-123", rec.Header().Get("X-Request-Id"))
	})
}

func TestErrors_problemFor(t *testing.T) {
	secret := errors.New("dial tcp 10.0.0.3:5432: password=hunter2")
	tests := []struct {
		name   string
		err    error
		status int
		code   string
		fields []string
	}{
		{"rbac invalid", rbac.Invalid("scope.organization_id", "is required"), 400, "validation_error", []string{"scope.organization_id"}},
		{"rbac forbidden", rbac.Errorf(rbac.EForbidden, "no"), 403, "forbidden", nil},
		{"rbac not found wrapped", fmt.Errorf("get: %w", rbac.NotFound("role")), 404, "not_found", nil},
		{"rbac conflict", rbac.Errorf(rbac.EConflict, "taken"), 409, "conflict", nil},
		{"rbac precondition", rbac.Errorf(rbac.EPrecondition, "stale"), 412, "precondition_failed", nil},
		{"rbac rate limited", rbac.Errorf(rbac.ERateLimited, "slow down"), 429, "rate_limited", nil},
		{"rbac unauthorized", rbac.Errorf(rbac.EUnauthorized, "who"), 401, "unauthorized", nil},
		{"rbac internal", rbac.Errorf(rbac.EInternal, "boom"), 500, "internal", nil},
		{"plain error", secret, 500, "internal", nil},
		{"body limit", echo.ErrStatusRequestEntityTooLarge, 413, "payload_too_large", nil},
		{"body limit deep", &echo.HTTPError{Code: 400, Internal: fmt.Errorf("read: %w", echo.ErrStatusRequestEntityTooLarge)}, 413, "payload_too_large", nil},
		{"unsupported media type", echo.ErrUnsupportedMediaType, 400, "validation_error", []string{"body"}},
		{"echo 404", echo.ErrNotFound, 404, "not_found", nil},
		{"echo 500", echo.NewHTTPError(500, secret.Error()), 500, "internal", nil},
		{"binder syntax error", echo.NewHTTPError(400, "Syntax error").SetInternal(errors.New("x")), 400, "validation_error", []string{"body"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := problemFor(tt.err)
			require.Equal(t, tt.status, p.Status)
			require.Equal(t, tt.code, string(p.Code))
			require.Equal(t, "https://roster.dev/problems/"+tt.code, p.Type)
			require.Equal(t, http.StatusText(tt.status), p.Title)
			var fields []string
			if p.Errors != nil {
				for _, e := range *p.Errors {
					fields = append(fields, e.Field)
				}
			}
			require.Equal(t, tt.fields, fields)
			if p.Detail != nil {
				require.NotContains(t, *p.Detail, "hunter2")
			}
		})
	}
}

func TestFieldPath(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{nil, "body"},
		{[]string{"email"}, "email"},
		{[]string{"scope", "organization_id"}, "scope.organization_id"},
		{[]string{"assignments", "1", "role_id"}, "assignments[1].role_id"},
		{[]string{"0"}, "[0]"},
		{[]string{"a", "2", "3"}, "a[2][3]"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, fieldPath(tt.in), "%v", tt.in)
	}
}
