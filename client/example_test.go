package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/internal/app"
)

// operatorToken is the platform operator's secret of the Roster the examples
// start, as ROSTER_BOOTSTRAP_TOKEN would set it.
const operatorToken = "example-operator-token-0123456789"

// startRoster runs a real Roster on a free loopback port with a throw-away
// SQLite database, and returns its base URL and a function that stops it.
func startRoster() (baseURL string, stop func()) {
	dir, err := os.MkdirTemp("", "roster-example-")
	must(err)
	m := app.New(app.Config{
		Addr:           "127.0.0.1:0",
		DB:             "sqlite:" + filepath.Join(dir, "roster.db"),
		BootstrapToken: operatorToken,
		Stderr:         io.Discard,
	})
	must(m.Run(context.Background()))
	return m.URL(), func() {
		must(m.Close())
		must(os.RemoveAll(dir))
	}
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// The whole path of a newcomer: the operator creates a tenant with an admin,
// and the admin creates a role and a user, assigns the role and lists it.
func Example() {
	baseURL, stop := startRoster()
	defer stop()
	ctx := context.Background()

	operator, err := client.New(baseURL, operatorToken)
	must(err)
	tenant, err := operator.CreateTenantWithResponse(ctx, client.TenantCreate{
		Id:    "acme",
		Name:  "Acme Corp",
		Admin: &client.TenantAdmin{Email: "ada@acme.test", FirstName: new("Ada")},
	})
	must(client.CheckResponse(tenant, err))
	fmt.Println("tenant:", tenant.JSON201.Tenant.Id, "admin:", tenant.JSON201.AdminUser.Email)

	// The admin's token (shown once) acts inside tenant acme only.
	admin, err := client.New(baseURL, *tenant.JSON201.AdminToken)
	must(err)

	role, err := admin.CreateRoleWithResponse(ctx, "acme", client.RoleCreate{
		Name:        "editor",
		DisplayName: "Editor",
		Permissions: []string{"documents:read", "documents:write"},
	})
	must(client.CheckResponse(role, err))
	fmt.Println("role:", role.JSON201.Id, role.JSON201.Permissions)

	user, err := admin.CreateUserWithResponse(ctx, "acme", client.UserCreate{Email: "grace@acme.test", FirstName: new("Grace")})
	must(client.CheckResponse(user, err))
	fmt.Println("user:", user.JSON201.Email, user.JSON201.Status)

	assigned, err := admin.AssignUserRoleWithResponse(ctx, "acme", user.JSON201.Id, client.AssignmentCreate{RoleId: role.JSON201.Id})
	must(client.CheckResponse(assigned, err))
	fmt.Println("assigned:", assigned.StatusCode(), assigned.JSON201.RoleId)

	for a, err := range client.All(ctx, func(ctx context.Context, cursor *string) ([]client.Assignment, *string, error) {
		res, err := admin.ListUserRolesWithResponse(ctx, "acme", user.JSON201.Id, &client.ListUserRolesParams{Cursor: cursor})
		if err := client.CheckResponse(res, err); err != nil {
			return nil, nil, err
		}
		return res.JSON200.Items, res.JSON200.NextCursor, nil
	}) {
		must(err)
		fmt.Println("holds:", a.RoleId, a.Scope.Type, a.Status, "assigned by admin:", a.AssignedBy == tenant.JSON201.AdminUser.Id)
	}
	// Output:
	// tenant: acme admin: ada@acme.test
	// role: role_editor [documents:read documents:write]
	// user: grace@acme.test active
	// assigned: 201 role_editor
	// holds: role_editor global active assigned by admin: true
}

// Every failed call answers problem+json; CheckResponse turns it into an
// *Error, and IsCode tests its stable code.
func ExampleIsCode() {
	baseURL, stop := startRoster()
	defer stop()
	ctx := context.Background()
	operator, err := client.New(baseURL, operatorToken)
	must(err)

	res, err := operator.GetTenantWithResponse(ctx, "no-such-tenant")
	err = client.CheckResponse(res, err)
	fmt.Println("not found:", client.IsCode(err, "not_found"))

	first, err := operator.CreateRoleWithResponse(ctx, "default", client.RoleCreate{
		Name: "editor", DisplayName: "Editor", Permissions: []string{"documents:read"},
	})
	must(client.CheckResponse(first, err))
	dup, err := operator.CreateRoleWithResponse(ctx, "default", client.RoleCreate{
		Name: "EDITOR", DisplayName: "Editor again", Permissions: []string{"documents:read"},
	})
	var e *client.Error
	if errors.As(client.CheckResponse(dup, err), &e) {
		fmt.Println("duplicate name:", e.Status, e.Code)
	}
	// Output:
	// not found: true
	// duplicate name: 409 conflict
}

// A validation error names each bad field by its dotted path.
func ExampleError() {
	baseURL, stop := startRoster()
	defer stop()
	operator, err := client.New(baseURL, operatorToken)
	must(err)

	res, err := operator.CreateRoleWithResponse(context.Background(), "default", client.RoleCreate{
		Name: "not a name", DisplayName: "Bad", Permissions: []string{"documents:read"},
	})
	var e *client.Error
	if errors.As(client.CheckResponse(res, err), &e) {
		fmt.Println(e.Status, e.Code)
		for _, f := range e.Fields {
			fmt.Println("field:", f.Field)
		}
	}
	// Output:
	// 400 validation_error
	// field: name
}

// All walks every page of a list; here one role per page of tenant
// `default`, which every installation starts with.
func ExampleAll() {
	baseURL, stop := startRoster()
	defer stop()
	ctx := context.Background()
	operator, err := client.New(baseURL, operatorToken)
	must(err)

	roles := client.All(ctx, func(ctx context.Context, cursor *string) ([]client.Role, *string, error) {
		res, err := operator.ListRolesWithResponse(ctx, "default", &client.ListRolesParams{Limit: new(1), Cursor: cursor})
		if err := client.CheckResponse(res, err); err != nil {
			return nil, nil, err
		}
		return res.JSON200.Items, res.JSON200.NextCursor, nil
	})
	for role, err := range roles {
		if err != nil {
			fmt.Println("error:", err)
			break
		}
		fmt.Println(role.Id, role.Type, role.Permissions)
	}
	// Output:
	// role_admin system [*:*]
	// role_member system []
}
