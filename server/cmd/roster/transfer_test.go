package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/rosterhq/roster/client"
)

// Export a tenant, import it into an empty one: every user answers the
// same evaluation there (global and per organization); importing again
// changes nothing.
func TestExportImport_sameAnswers(t *testing.T) {
	url := startServer(t)
	ctx := context.Background()
	op, err := client.New(url, testOperatorToken)
	if err != nil {
		t.Fatal(err)
	}
	must := func(res client.Response, err error) {
		t.Helper()
		if err := client.CheckResponse(res, err); err != nil {
			t.Fatal(err)
		}
	}
	// The source has an administrator (role_admin moves through the
	// operator's POST /tenants/{id}/admins); the destination starts empty.
	must(op.CreateTenantWithResponse(ctx, client.TenantCreate{Id: "src", Name: "src", Admin: &client.TenantAdmin{Email: "boss@src.test"}}))
	must(op.CreateTenantWithResponse(ctx, client.TenantCreate{Id: "dst", Name: "dst"}))
	// The source: roles with inheritance and an owner-only grant, an
	// organization, users with global, scoped and timed assignments, a
	// disabled user, a group with members and a role.
	orgRes, err := op.CreateOrganizationWithResponse(ctx, "src", client.OrganizationCreate{Name: "Berlin"})
	must(orgRes, err)
	org := orgRes.JSON201.Id
	must(op.CreateRoleWithResponse(ctx, "src", client.RoleCreate{Name: "viewer", DisplayName: "Viewer", Permissions: []string{"docs:read"}}))
	must(op.CreateRoleWithResponse(ctx, "src", client.RoleCreate{Name: "editor", DisplayName: "Editor", Permissions: []string{"docs:write", "todo:update:own"},
		InheritsFrom: &[]string{"role_viewer"}}))
	must(op.CreateRoleWithResponse(ctx, "src", client.RoleCreate{Name: "auditor", DisplayName: "Auditor", Permissions: []string{"audit:read"}}))
	must(op.CreateRoleWithResponse(ctx, "src", client.RoleCreate{Name: "placeholder", DisplayName: "Nothing yet", Permissions: []string{}}))
	must(op.UpdateRoleWithResponse(ctx, "src", "role_member", nil, client.RoleUpdate{Permissions: &[]string{"profile:read"}}))
	later := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	users := map[string]string{}
	for _, u := range []struct {
		email string
		as    []client.AssignmentCreate
	}{
		{"ada@src.test", []client.AssignmentCreate{{RoleId: "role_editor"}}},
		{"bob@src.test", []client.AssignmentCreate{{RoleId: "role_viewer", Scope: &client.Scope{Type: client.ScopeTypeOrganization, OrganizationId: &org}}}},
		{"cy@src.test", []client.AssignmentCreate{{RoleId: "role_auditor", ExpiresAt: &later}}},
		{"dee@src.test", nil},
	} {
		res, err := op.CreateUserWithResponse(ctx, "src", client.UserCreate{Email: openapi_types.Email(u.email)})
		must(res, err)
		users[u.email] = res.JSON201.Id
		if u.as != nil {
			must(op.ReplaceUserRolesWithResponse(ctx, "src", res.JSON201.Id, client.AssignmentReplace{Assignments: u.as}))
		}
	}
	disabled := client.UserStatusDisabled
	must(op.UpdateUserWithResponse(ctx, "src", users["cy@src.test"], nil, client.UserUpdate{Status: &disabled}))
	g, err := op.CreateGroupWithResponse(ctx, "src", client.GroupCreate{Name: "auditors"})
	must(g, err)
	must(op.AddGroupMembersWithResponse(ctx, "src", g.JSON201.Id, client.LinkageRequest{Data: []client.ResourceIdentifier{{Type: client.ResourceIdentifierTypeUsers, Id: users["dee@src.test"]}}}))
	must(op.AssignGroupRoleWithResponse(ctx, "src", g.JSON201.Id, client.AssignmentCreate{RoleId: "role_auditor"}))

	c := newCLI(t, url)
	c.env["ROSTER_TENANT"] = "src"
	exported := c.must("export")
	file := filepath.Join(t.TempDir(), "src.ndjson")
	if err := os.WriteFile(file, []byte(exported), 0o600); err != nil {
		t.Fatal(err)
	}
	c.env["ROSTER_TENANT"] = "dst"
	c.must("import", file)

	answers := func(tenant string) map[string][]string {
		out := map[string][]string{}
		ul, err := op.ListUsersWithResponse(ctx, tenant, &client.ListUsersParams{})
		must(ul, err)
		ol, err := op.ListOrganizationsWithResponse(ctx, tenant, nil)
		must(ol, err)
		for _, u := range ul.JSON200.Items {
			p, err := op.GetUserPermissionsWithResponse(ctx, tenant, u.Id, nil)
			must(p, err)
			out[string(u.Email)] = p.JSON200.Permissions
			for _, o := range ol.JSON200.Items {
				p, err := op.GetUserPermissionsWithResponse(ctx, tenant, u.Id, &client.GetUserPermissionsParams{OrganizationId: &o.Id})
				must(p, err)
				out[string(u.Email)+" in "+o.Name] = p.JSON200.Permissions
			}
			out[string(u.Email)+" status"] = []string{string(u.Status)}
		}
		return out
	}
	want, got := answers("src"), answers("dst")
	if len(want) != 5*3 {
		t.Fatalf("the source answers %d things, want 15 (5 users): %v", len(want), want)
	}
	for k, w := range want {
		if !slices.Equal(w, got[k]) {
			t.Errorf("%s: source %v, imported %v", k, w, got[k])
		}
	}

	// Importing again changes nothing: the same revision.
	tn, err := op.GetTenantWithResponse(ctx, "dst")
	must(tn, err)
	code, _, stderr := c.run("import", file)
	if code != 0 {
		t.Fatalf("the second import failed: %s", stderr)
	}
	tn2, err := op.GetTenantWithResponse(ctx, "dst")
	must(tn2, err)
	if tn.JSON200.Revision != tn2.JSON200.Revision {
		t.Fatalf("a second import moved the revision from %d to %d (%s)", tn.JSON200.Revision, tn2.JSON200.Revision, stderr)
	}
	if !strings.Contains(stderr, "records") {
		t.Errorf("no progress on stderr: %q", stderr)
	}
	// And the export of the copy is the export of the source, but for the tenant.
	c.env["ROSTER_TENANT"] = "dst"
	if again := c.must("export"); !sameLines(exported, again) {
		t.Errorf("the copy exports differently:\n%s\nvs\n%s", exported, again)
	}
}

func sameLines(a, b string) bool {
	norm := func(s string) []string {
		var out []string
		for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
			var v record
			_ = json.Unmarshal([]byte(l), &v)
			for i := range v.Grants {
				if v.Grants[i].Role == "role_admin" {
					v.Grants[i].Reason = "" // POST /tenants/{id}/admins gives its own
				}
			}
			b, _ := json.Marshal(v)
			out = append(out, string(bytes.ReplaceAll(b, []byte("src.test"), []byte("x"))))
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(norm(a), norm(b))
}
