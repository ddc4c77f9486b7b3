package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/server/servertest"
)

// seed makes, in tenant default, role_viewer (documents:read), role_editor
// (documents:write, inheriting role_viewer) and a user ada@acme.test holding
// role_editor directly. It returns the user's id.
func seed(t *testing.T, s *site) string {
	t.Helper()
	ctx := context.Background()
	c := s.env.Operator()
	for _, r := range []client.RoleCreate{
		{Name: "viewer", DisplayName: "Viewer", Permissions: []client.PermissionPattern{"documents:read"}},
		{Name: "editor", DisplayName: "Editor", Permissions: []client.PermissionPattern{"documents:write"}, InheritsFrom: &[]string{"role_viewer"}},
	} {
		res, err := c.CreateRoleWithResponse(ctx, "default", r)
		if err != nil || res.StatusCode() != http.StatusCreated {
			t.Fatalf("creating role %s: %v", r.Name, err)
		}
	}
	u, err := c.CreateUserWithResponse(ctx, "default", client.UserCreate{Email: openapi_types.Email("ada@acme.test")})
	if err != nil || u.JSON201 == nil {
		t.Fatalf("creating the user: %v", err)
	}
	reason := "onboarding"
	a, err := c.AssignUserRoleWithResponse(ctx, "default", u.JSON201.Id, client.AssignmentCreate{RoleId: "role_editor", Reason: &reason})
	if err != nil || a.StatusCode() != http.StatusCreated {
		t.Fatalf("assigning: %v", err)
	}
	return u.JSON201.Id
}

// probe sends one request straight to the server (not through the
// validating proxy: it asks whether the server offers an operation that
// this build's spec may not describe yet) and returns the status and body.
func probe(t *testing.T, s *site, method, path, reqBody string) (int, map[string]any) {
	t.Helper()
	var r io.Reader
	if reqBody != "" {
		r = strings.NewReader(reqBody)
	}
	req, err := http.NewRequest(method, s.env.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+servertest.OperatorToken)
	if reqBody != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}
