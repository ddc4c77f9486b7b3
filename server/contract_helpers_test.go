package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	openapi_types "github.com/oapi-codegen/runtime/types"
	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/server/servertest"
)

var bg = context.Background()

func ptr[T any](v T) *T { return &v }

// problem decodes a problem+json body.
func problem(t *testing.T, body []byte) client.Problem {
	t.Helper()
	var p client.Problem
	require.NoError(t, json.Unmarshal(body, &p), "not a problem body: %s", body)
	return p
}

// requireProblem asserts status, code and (when field != "") the first named field.
func requireProblem(t *testing.T, resp *http.Response, body []byte, status int, code, field string) {
	t.Helper()
	require.Equal(t, status, resp.StatusCode, "body: %s", body)
	require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
	p := problem(t, body)
	require.Equal(t, code, string(p.Code), "body: %s", body)
	require.Equal(t, status, p.Status)
	if field != "" {
		require.NotNil(t, p.Errors, "no field named: %s", body)
		fields := []string{}
		for _, e := range *p.Errors {
			fields = append(fields, e.Field)
		}
		require.Contains(t, fields, field, "body: %s", body)
	}
}

func revisionHeader(t *testing.T, resp *http.Response) int64 {
	t.Helper()
	v := resp.Header.Get("Roster-Revision")
	require.NotEmpty(t, v, "write answered without Roster-Revision")
	n, err := strconv.ParseInt(v, 10, 64)
	require.NoError(t, err)
	return n
}

// tenant is a tenant made through the API with an admin, and clients for it.
type tenant struct {
	ID         string
	Admin      *client.ClientWithResponses
	AdminToken string
	AdminUser  client.User
}

func newTenant(t *testing.T, env *servertest.Env, id string) tenant {
	t.Helper()
	resp, err := env.Operator().CreateTenantWithResponse(bg, client.TenantCreate{Id: id, Name: "Tenant " + id,
		Admin: &client.TenantAdmin{Email: openapi_types.Email("admin@" + id + ".test"), FirstName: ptr("Ada")}})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode(), "body: %s", resp.Body)
	require.NotNil(t, resp.JSON201.AdminToken)
	require.NotNil(t, resp.JSON201.AdminUser)
	return tenant{ID: id, Admin: env.Client(*resp.JSON201.AdminToken), AdminToken: *resp.JSON201.AdminToken,
		AdminUser: *resp.JSON201.AdminUser}
}

func (tn tenant) role(t *testing.T, name string, perms ...string) client.Role {
	t.Helper()
	resp, err := tn.Admin.CreateRoleWithResponse(bg, tn.ID, client.RoleCreate{Name: name, DisplayName: name, Permissions: perms})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode(), "body: %s", resp.Body)
	return *resp.JSON201
}

func (tn tenant) user(t *testing.T, email string, roles ...string) client.User {
	t.Helper()
	body := client.UserCreate{Email: openapi_types.Email(email)}
	if len(roles) > 0 {
		body.Roles = &roles
	}
	resp, err := tn.Admin.CreateUserWithResponse(bg, tn.ID, body)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode(), "body: %s", resp.Body)
	return *resp.JSON201
}
