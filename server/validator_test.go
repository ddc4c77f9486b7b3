package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/gen"
)

// TestValidator_readsPathsAsGorillaMux holds the validator's route table to
// the router it replaces: for every operation of the spec and path values
// plain, escaped and odd, the table's route and parameters are gorilla/mux's
// whenever gorilla/mux finds that route, and the table declines (leaving the
// request to gorilla/mux) where the path does not have the template's shape.
func TestValidator_readsPathsAsGorillaMux(t *testing.T) {
	spec, err := gen.GetSwagger()
	require.NoError(t, err)
	gorilla, err := gorillamux.NewRouter(spec)
	require.NoError(t, err)
	table := specRoutes(spec)
	require.NotEmpty(t, table)

	values := []string{"acme", "me", "user_01HZ", "a%20b", "a%2Fb", "%C3%A9t%C3%A9", "a+b", "a;b", "%25", "x.y", "a%3Fb"}
	checked := 0
	for key, r := range table {
		require.Equal(t, key.method, r.route.Method)
		for _, v := range values {
			path := fillTemplate(r.route.Path, v)
			req := httptest.NewRequest(key.method, "http://roster.test"+path, nil)
			params, ok := r.params(req.URL.EscapedPath())
			require.True(t, ok, "%s %s", key.method, path)
			route, want, err := gorilla.FindRoute(req)
			require.NoError(t, err, "%s %s", key.method, path)
			if route.Path != r.route.Path {
				continue // another template matched first in gorilla's order (a literal segment like "me")
			}
			require.Equal(t, want, params, "%s %s", key.method, path)
			checked++
		}
		for _, bad := range []string{r.route.Path + "/", r.route.Path + "/x", "/" + r.route.Path, "/"} {
			req := httptest.NewRequest(key.method, "http://roster.test"+fillTemplate(bad, "x"), nil)
			_, ok := r.params(req.URL.EscapedPath())
			require.False(t, ok, "%s %s", key.method, bad)
		}
	}
	require.Greater(t, checked, len(table)*len(values)/2)

	// A segment left empty is not a parameter to gorilla/mux either.
	req := httptest.NewRequest(http.MethodGet, "http://roster.test/v1/tenants//users", nil)
	_, ok := table[operationKey(http.MethodGet, "/v1/tenants/:tenant_id/users")].params(req.URL.EscapedPath())
	require.False(t, ok)
}

// fillTemplate puts v in every {parameter} of a spec path.
func fillTemplate(path, v string) string {
	var b strings.Builder
	for {
		i := strings.Index(path, "{")
		if i < 0 {
			return b.String() + path
		}
		j := strings.Index(path, "}")
		b.WriteString(path[:i] + v)
		path = path[j+1:]
	}
}

// TestValidator_neverSkipsWhatTheSpecRejects: every request the validator
// lets through unchecked (sureWithoutBody) is one the spec's validator
// accepts, for every operation and path values plain, long, escaped and odd;
// and the reads a service sends most are among those it skips.
func TestValidator_neverSkipsWhatTheSpecRejects(t *testing.T) {
	spec, err := gen.GetSwagger()
	require.NoError(t, err)
	gorilla, err := gorillamux.NewRouter(spec)
	require.NoError(t, err)
	opts := validatorOptions()
	table := specRoutes(spec)

	values := []string{"acme", "me", "usr_01HZ", strings.Repeat("u", 63), strings.Repeat("u", 64), strings.Repeat("u", 80),
		strings.Repeat("u", 81), strings.Repeat("é", 63), strings.Repeat("é", 64), "a%20b", "%41", "a.b-c_d~e", "a+b", "a:b", "a@b"}
	suffixes := []string{"", "?", "?limit=5", "?x=1", "?at=yesterday"}
	skipped := map[string]bool{}
	for key, r := range table {
		for _, v := range values {
			for _, q := range suffixes {
				target := "http://roster.test" + fillTemplate(r.route.Path, v) + q
				req := httptest.NewRequest(key.method, target, nil)
				if !r.sureWithoutBody(req) {
					continue
				}
				skipped[r.route.Operation.OperationID] = true
				route, params, err := gorilla.FindRoute(req)
				require.NoError(t, err)
				err = openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: &opts.Options})
				require.NoError(t, err, "skipped validating %s %s, which the spec rejects", key.method, target)
			}
		}
		withBody := httptest.NewRequest(key.method, "http://roster.test"+fillTemplate(r.route.Path, "x"), strings.NewReader("{}"))
		require.False(t, r.sureWithoutBody(withBody), "%s %s with a body", key.method, r.route.Path)
	}
	for _, op := range []string{"GetUserPermissions", "GetUser", "GetRole", "GetEvaluatedRoles"} {
		require.True(t, skipped[op], "%s is not judged without the validator", op)
	}
	for _, op := range []string{"ListUsers", "CreateUser", "CheckPermission"} {
		require.False(t, skipped[op], "%s was judged without the validator", op)
	}
}
