package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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
