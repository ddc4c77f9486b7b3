package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/server/servertest"
)

// costBound is what one bad request of ~100 KB may take, race detector
// included; the best of three tries counts, so that a moment of load on the
// machine does not fail the test. Measured on 2 cores: at most ~50 ms each
// without -race and ~310 ms under it (the 10,000 items); before validation
// was made linear, the 10,000 unknown members alone took 7 min 20 s and
// 12 GB without -race.
const costBound = 500 * time.Millisecond

// repeatJoin joins n copies of format (with %d the copy's index, zero-padded
// so that sorted order is index order) with commas.
func repeatJoin(n int, format string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(format, i)
	}
	return strings.Join(parts, ",")
}

// TestInputCost_linear sends bodies that hold thousands of mistakes: each
// must be answered 400 in well under a second (validation cost grows
// linearly with the body), list at most 20 fields, and still name the first
// ones the way smaller mistakes are named. The first is the reported attack:
// a user with no permission and a `scopes: []` token, on its own tokens.
func TestInputCost_linear(t *testing.T) {
	env := servertest.New(t)
	admin := newAPITenant(t, env, "cost")
	nobody := callerWith(t, env, "cost", admin)
	scoped := mustCall(t, env, nobody, "POST", "/v1/tenants/cost/users/me/tokens", `{"name":"s","scopes":[]}`, 201)["token"].(string)
	const n = 10000
	firstKeys := make([]string, 20)
	for i := range firstKeys {
		firstKeys[i] = fmt.Sprintf("k%05d", i)
	}
	deep := strings.Repeat(`{"x":`, 9000) + "1" + strings.Repeat("}", 9000)
	assign := "/v1/tenants/cost/users/me/roles"

	tests := []struct {
		name, token, method, path, body string
		want                            []string // fields that must be among those named
	}{
		{"10,000 unknown members", scoped, "POST", "/v1/tenants/cost/users/me/tokens",
			`{"name":"t",` + repeatJoin(n, `"k%05d":1`) + `}`, firstKeys},
		{"10,000 bad permissions", admin, "POST", "/v1/tenants/cost/roles",
			`{"name":"x","display_name":"X","permissions":[` + repeatJoin(n, `"Bad%05d"`) + `]}`,
			[]string{"permissions", "permissions[0]", "permissions[1]"}},
		{"10,000 items each missing a member and holding an unknown one", admin, "PUT", assign,
			`{"assignments":[` + repeatJoin(n, `{"zz":%d}`) + `]}`,
			[]string{"assignments", "assignments[0].role_id", "assignments[0].zz"}},
		{"10,000 unknown members in a nested object", admin, "PUT", assign,
			`{"assignments":[{"role_id":"r","scope":{"type":"global",` + repeatJoin(n, `"k%05d":1`) + `}}]}`,
			[]string{"assignments[0].scope.k00000", "assignments[0].scope.k00019"}},
		{"an unknown member 9,000 levels deep", scoped, "POST", "/v1/tenants/cost/users/me/tokens",
			`{"name":"t","x":` + deep + `}`, []string{"x"}},
		{"metadata 9,000 levels deep", admin, "POST", "/v1/tenants/cost/roles",
			`{"name":"x","display_name":"X","permissions":[],"metadata":` + deep + `}`, []string{"metadata"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			best := time.Hour
			for try := 0; try < 3 && best >= costBound; try++ {
				start := time.Now()
				resp, body := env.Do(tt.method, tt.path, tt.token, tt.body)
				best = min(best, time.Since(start))
				requireProblem(t, resp, body, http.StatusBadRequest, "validation_error", "")
				p := problem(t, body)
				require.NotNil(t, p.Errors)
				fields := make([]string, 0, len(*p.Errors))
				for _, e := range *p.Errors {
					fields = append(fields, e.Field)
				}
				require.LessOrEqual(t, len(fields), 20, "at most 20 fields are listed")
				require.Subset(t, fields, tt.want)
			}
			t.Logf("%d bytes: %v at best", len(tt.body), best)
			require.Less(t, best, costBound, "a %d-byte body took %v at best", len(tt.body), best)
		})
	}
}
