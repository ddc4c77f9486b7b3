package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/server/servertest"
)

// What the service provider says it offers is what it does: PATCH,
// filters and ETags (meta.version, honoured in If-Match); not bulk, sort,
// password changes or /Me.
func TestSCIM_discoveryAndETags(t *testing.T) {
	env := servertest.New(t)
	tn := newTenant(t, env, "disco")
	c := newScimClient(env, tn.ID, provisioner(t, env, tn.ID, tn.AdminToken))
	c.run(t, []scimStep{
		{name: "service provider config", method: "GET", path: "/ServiceProviderConfig", status: 200, want: map[string]any{
			"patch.supported": true, "filter.supported": true, "filter.maxResults": 1000.0, "etag.supported": true,
			"bulk.supported": false, "sort.supported": false, "changePassword.supported": false,
			"authenticationSchemes.0.type": "oauthbearertoken"}},
		{name: "resource types", method: "GET", path: "/ResourceTypes", status: 200, want: map[string]any{
			"totalResults": 2.0, "Resources.0.endpoint": "/Users", "Resources.1.endpoint": "/Groups"}},
		{name: "schemas", method: "GET", path: "/Schemas", status: 200, want: map[string]any{
			"totalResults": 3.0, "Resources.0.id": "urn:ietf:params:scim:schemas:core:2.0:User"}},
		{name: "a user", method: "POST", path: "/Users", body: `{"userName":"e@disco.test"}`, status: 201,
			want: map[string]any{"meta.version": `"1"`}, save: map[string]string{"u": "id"}},
	})
	for _, tt := range []struct {
		ifMatch string
		status  int
	}{{`"7"`, http.StatusPreconditionFailed}, {`"1"`, http.StatusOK}} {
		req, err := http.NewRequest("PATCH", env.URL+"/v1/tenants/disco/scim/v2/Users/"+c.vars["u"],
			strings.NewReader(`{"Operations":[{"op":"replace","path":"name.givenName","value":"E"}]}`))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+c.token)
		req.Header.Set("Content-Type", "application/scim+json")
		req.Header.Set("If-Match", tt.ifMatch)
		resp, err := (&http.Client{Transport: servertest.ValidatingTransport{T: t}}).Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, tt.status, resp.StatusCode, "If-Match %s", tt.ifMatch)
	}
	// Routes SCIM defines that Roster does not offer answer SCIM's 404.
	for _, path := range []string{"/Me", "/Bulk"} {
		resp, err := http.Get(env.URL + "/v1/tenants/disco/scim/v2" + path)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusNotFound, resp.StatusCode)
		var e map[string]any
		require.NoError(t, json.Unmarshal(b, &e), "%s", b)
		require.Equal(t, "404", e["status"], "%s", b)
	}
}
