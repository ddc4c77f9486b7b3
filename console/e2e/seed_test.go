package e2e

import (
	"context"
	"net/http"
	"testing"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/rosterhq/roster/client"
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
