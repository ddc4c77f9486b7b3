package server

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/gen"
)

// TestFastAnswer_encodesAsEncodingJSON: the hand-written encoders write
// what json.Encoder writes for the generated types, whatever the values.
func TestFastAnswer_encodesAsEncodingJSON(t *testing.T) {
	at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	reason := map[string]any{"reason": `no user of this tenant is "<a&b>"`}
	checks := []gen.CheckResult{
		{Allowed: false, Revision: 0},
		{Allowed: false, Revision: 9223372036854775807},
		{Allowed: true, Matched: &gen.CheckMatch{Permission: "docs:read", RoleId: "role_editor"}, Revision: 42},
		{Allowed: true, Matched: &gen.CheckMatch{Permission: "*:*", RoleId: "role_admin"}, Revision: 1},
		{Allowed: true, Matched: &gen.CheckMatch{Permission: "a<b>&c", RoleId: `r"\` + "\n"}, Revision: 1},
		{Allowed: true, Matched: &gen.CheckMatch{Permission: "dócs:réad", RoleId: "role_\u2028"}, Revision: 1},
		{Allowed: true, Matched: &gen.CheckMatch{Permission: "", RoleId: ""}, Revision: 1},
		{Allowed: false, AsOf: &at, Revision: 7},
	}
	for _, c := range checks {
		require.Equal(t, encoded(t, c), string(appendCheckResult(nil, c)))
	}
	sets := []gen.PermissionSet{
		{Permissions: []string{}, Revision: 3},
		{Permissions: []string{"docs:read", "*:*", "todo:update:own"}, Revision: 12},
		{Permissions: []string{"docs:read", "a<b>"}, Revision: 12},
		{Permissions: nil, Revision: 1},
		{Permissions: []string{"docs:read"}, AsOf: &at, Revision: 2},
	}
	for _, s := range sets {
		require.Equal(t, encoded(t, s), string(appendPermissionSet(nil, s)))
	}
	decisions := []gen.AuthzenDecision{{Decision: true}, {Decision: false}, {Decision: false, Context: &reason}}
	for _, d := range decisions {
		require.Equal(t, encoded(t, d), string(appendAuthzenDecision(nil, d)))
	}
}

func encoded(t *testing.T, v any) string {
	var buf bytes.Buffer
	require.NoError(t, json.NewEncoder(&buf).Encode(v))
	return buf.String()
}
