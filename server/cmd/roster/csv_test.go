package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rosterhq/roster/client"
)

const peopleCSV = `email,first_name,last_name,external_user_id,status,roles,groups
ann@src.test,Ann,Lee,E1,,editor;viewer@Berlin,auditors;newbies
bo@src.test,Bo,,E2,disabled,viewer,newbies
# a comment line
cy@src.test, Cy ,Ng,,,auditor@Paris,
`

// A CSV of users loads into a tenant with its roles (global and per
// organization), groups (existing and new) and statuses; rerunning it
// changes nothing; and the tenant then exports and imports into another
// with the same answers.
func TestImportCSV_sameAnswers(t *testing.T) {
	url := startServer(t)
	c := newCLI(t, url)
	c.must("tenants", "create", "src")
	c.must("tenants", "create", "dst")
	c.env["ROSTER_TENANT"] = "src"
	c.must("roles", "create", "viewer", "--permissions", "docs:read")
	c.must("roles", "create", "editor", "--permissions", "docs:write", "--inherits", "viewer")
	c.must("roles", "create", "auditor", "--permissions", "audit:read")
	c.must("groups", "create", "auditors")
	c.must("groups", "roles", "add", "auditors", "auditor")
	dir := t.TempDir()
	file := filepath.Join(dir, "people.csv")
	if err := os.WriteFile(file, []byte(peopleCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	c.must("import", file)

	op, err := client.New(url, testOperatorToken)
	if err != nil {
		t.Fatal(err)
	}
	got := tenantAnswers(t, op, "src")
	want := map[string][]string{
		"ann@src.test":           {"audit:read", "docs:read", "docs:write"},
		"ann@src.test in Berlin": {"audit:read", "docs:read", "docs:write"},
		"ann@src.test in Paris":  {"audit:read", "docs:read", "docs:write"},
		"ann@src.test status":    {"active"},
		"bo@src.test":            {},
		"bo@src.test in Berlin":  {},
		"bo@src.test in Paris":   {},
		"bo@src.test status":     {"disabled"},
		"cy@src.test":            {},
		"cy@src.test in Berlin":  {},
		"cy@src.test in Paris":   {"audit:read"},
		"cy@src.test status":     {"active"},
	}
	for k, w := range want {
		if !slices.Equal(w, got[k]) {
			t.Errorf("%s: %v, want %v", k, got[k], w)
		}
	}
	var cy struct {
		FirstName string `json:"first_name"`
		LastName  string `json:"last_name"`
	}
	c.mustJSON(&cy, "users", "get", "cy@src.test")
	if cy.FirstName != "Cy" || cy.LastName != "Ng" {
		t.Errorf("cy: %+v", cy)
	}
	var members []struct{ Email string }
	c.mustJSON(&members, "groups", "members", "list", "newbies")
	if len(members) != 2 {
		t.Errorf("newbies: %+v, want ann and bo", members)
	}

	// A rerun, from stdin without the extension: the same revision.
	rev := func() int64 {
		var tn struct{ Revision int64 }
		c.mustJSON(&tn, "tenants", "get", "src")
		return tn.Revision
	}
	before := rev()
	c.stdin = peopleCSV
	if code, _, errOut := c.run("import", "-"); code != 0 || !strings.Contains(errOut, "records") {
		t.Fatalf("rerun: exit %d, stderr %q", code, errOut)
	}
	if after := rev(); after != before {
		t.Errorf("a rerun moved the revision from %d to %d", before, after)
	}

	// Export, import into dst: the same answers.
	exported := filepath.Join(dir, "src.ndjson")
	if err := os.WriteFile(exported, []byte(c.must("export")), 0o600); err != nil {
		t.Fatal(err)
	}
	c.env["ROSTER_TENANT"] = "dst"
	c.must("import", exported)
	if copied := tenantAnswers(t, op, "dst"); !mapsEqual(got, copied) {
		t.Errorf("the copy answers differently:\n%v\nvs\n%v", got, copied)
	}
}

// tenantAnswers is every user's permissions, globally and in each
// organization, and status, keyed by email and organization name.
func tenantAnswers(t *testing.T, op *client.Client, tenant string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	out := map[string][]string{}
	for u, err := range allUsers(ctx, op, tenant) {
		if err != nil {
			t.Fatal(err)
		}
		orgs := []*client.Organization{nil}
		for o, err := range allOrganizations(ctx, op, tenant) {
			if err != nil {
				t.Fatal(err)
			}
			orgs = append(orgs, &o)
		}
		for _, o := range orgs {
			key, params := u.Email, &client.GetUserPermissionsParams{}
			if o != nil {
				key, params.OrganizationId = u.Email+" in "+o.Name, &o.Id
			}
			p, err := op.GetUserPermissionsWithResponse(ctx, tenant, u.Id, params)
			if err := client.CheckResponse(p, err); err != nil {
				t.Fatal(err)
			}
			out[key] = p.JSON200.Permissions
		}
		out[u.Email+" status"] = []string{string(u.Status)}
	}
	return out
}

func mapsEqual(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || !slices.Equal(v, w) {
			return false
		}
	}
	return true
}

func TestCSVRecords_errors(t *testing.T) {
	tests := []struct{ name, in, wantErr string }{
		{"empty", "", "the CSV is empty"},
		{"unknown column", "email,role\n", `unknown column "role"`},
		{"no email column", "first_name\nAnn\n", "no email column"},
		{"duplicate column", "email,Email\n", "twice"},
		{"bad email", "email\nnot-an-email\n", `line 2: email "not-an-email"`},
		{"same user twice", "email\na@b.test\nA@b.test\n", "line 3: A@b.test again (first on line 2)"},
		{"bad status", "email,status\na@b.test,gone\n", `line 2: status "gone"`},
		{"role without name", "email,roles\na@b.test,@Berlin\n", "names no role"},
		{"ragged row", "email,roles\na@b.test\n", "wrong number of fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := csvRecords([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestIsCSV(t *testing.T) {
	tests := []struct {
		name, data string
		want       bool
	}{
		{"people.csv", `{"kind":"user"}`, true},
		{"PEOPLE.CSV", "", true},
		{"tenant.ndjson", "email\n", false},
		{"tenant.jsonl", "email\n", false},
		{"-", "  \n{\"kind\":\"role\"}\n", false},
		{"-", "email,roles\n", true},
		{"export.txt", "email\n", true},
	}
	for _, tt := range tests {
		if got := isCSV(tt.name, []byte(tt.data)); got != tt.want {
			t.Errorf("isCSV(%q, %q) = %v, want %v", tt.name, tt.data, got, tt.want)
		}
	}
}
