package server_test

import (
	"net/http"
	"testing"

	openapi_types "github.com/oapi-codegen/runtime/types"
	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/server/servertest"
)

// A user's username (the SCIM userName) in the native API: set at create
// or by PATCH, read back, a filter of the list, unique ignoring case.
func TestUsername(t *testing.T) {
	env := servertest.New(t)
	tn := newTenant(t, env, "names")
	create := func(email, username string) *client.CreateUserResponse {
		t.Helper()
		r, err := tn.Admin.CreateUserWithResponse(bg, tn.ID, client.UserCreate{Email: openapi_types.Email(email), Username: &username})
		require.NoError(t, err)
		return r
	}
	ann := create("ann@names.test", "Ann.Lee")
	require.Equal(t, http.StatusCreated, ann.StatusCode(), "%s", ann.Body)
	require.Equal(t, "Ann.Lee", *ann.JSON201.Username)

	clash := create("other@names.test", "ANN.LEE")
	requireProblem(t, clash.HTTPResponse, clash.Body, http.StatusConflict, "conflict", "")

	empty := create("empty@names.test", "")
	requireProblem(t, empty.HTTPResponse, empty.Body, http.StatusBadRequest, "validation_error", "username")

	list, err := tn.Admin.ListUsersWithResponse(bg, tn.ID, &client.ListUsersParams{Username: ptr("ann.lee")})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, list.StatusCode(), "%s", list.Body)
	require.Len(t, list.JSON200.Items, 1, "the filter ignores case")
	require.Equal(t, ann.JSON201.Id, list.JSON200.Items[0].Id)

	bob := tn.user(t, "bob@names.test")
	require.Nil(t, bob.Username, "absent when unset")
	up, err := tn.Admin.UpdateUserWithResponse(bg, tn.ID, bob.Id, nil, client.UserUpdate{Username: ptr("bob")})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, up.StatusCode(), "%s", up.Body)
	require.Equal(t, "bob", *up.JSON200.Username)
	taken, err := tn.Admin.UpdateUserWithResponse(bg, tn.ID, bob.Id, nil, client.UserUpdate{Username: ptr("ann.lee")})
	require.NoError(t, err)
	requireProblem(t, taken.HTTPResponse, taken.Body, http.StatusConflict, "conflict", "")

	// The SCIM view of the same user.
	got, err := tn.Admin.ScimGetUserWithResponse(bg, tn.ID, bob.Id, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, got.StatusCode(), "%s", got.Body)
	require.Equal(t, "bob", *got.ApplicationscimJSON200.UserName)
}
