package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	openapi_types "github.com/oapi-codegen/runtime/types"
	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/server/servertest"
)

// The AuthZEN 1.0 certification scenario (openid/authzen,
// certification/authorization-api-1_0-scenario.md): its fixture loaded
// through Roster's API — alice reads and writes records, bob only reads —
// and its Basic Core, Batch Core, Search Core (subject and action) and
// Discovery cases.

// azFixture is tenant "cert" with alice and bob, known to AuthZEN by their
// external ids.
type azFixture struct {
	env  *servertest.Env
	tn   tenant
	base string // the tenant's AuthZEN paths
}

func newAZFixture(t *testing.T) azFixture {
	env := servertest.New(t)
	tn := newTenant(t, env, "cert")
	reader := tn.role(t, "record-reader", "record:read")
	writer := tn.role(t, "record-writer", "record:write")
	tn.userWithExternalID(t, "alice@cert.test", "alice", reader.Id, writer.Id)
	tn.userWithExternalID(t, "bob@cert.test", "bob", reader.Id)
	return azFixture{env: env, tn: tn, base: "/v1/tenants/cert/access/v1/"}
}

func (tn tenant) userWithExternalID(t *testing.T, email, externalID string, roles ...string) client.User {
	t.Helper()
	resp, err := tn.Admin.CreateUserWithResponse(bg, tn.ID, client.UserCreate{Email: openapi_types.Email(email), ExternalUserId: &externalID, Roles: &roles})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode(), "body: %s", resp.Body)
	return *resp.JSON201
}

func subject(id string) client.AuthzenSubject { return client.AuthzenSubject{Type: "user", Id: id} }
func record(id string) client.AuthzenResource { return client.AuthzenResource{Type: "record", Id: id} }
func action(name string) client.AuthzenAction { return client.AuthzenAction{Name: name} }

// decide asks one evaluation through the typed client.
func (f azFixture) decide(t *testing.T, body client.AuthzenEvaluationRequest) bool {
	t.Helper()
	resp, err := f.tn.Admin.AuthzenEvaluationWithResponse(bg, f.tn.ID, body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode(), "body: %s", resp.Body)
	return resp.JSON200.Decision
}

func TestAuthzen_basicCore(t *testing.T) {
	f := newAZFixture(t)
	cases := []struct {
		name string
		body client.AuthzenEvaluationRequest
		want bool
	}{
		{"2.2.1 permit", client.AuthzenEvaluationRequest{Subject: subject("alice"), Action: action("read"), Resource: record("record-1")}, true},
		{"2.2.2 deny", client.AuthzenEvaluationRequest{Subject: subject("bob"), Action: action("write"), Resource: record("record-1")}, false},
		{"2.2.3 with context", client.AuthzenEvaluationRequest{Subject: subject("alice"), Action: action("read"), Resource: record("record-1"),
			Context: &client.AuthzenContext{"time": "2025-06-27T18:03-07:00", "ip": "192.168.1.1"}}, true},
		{"2.2.8 additional properties", client.AuthzenEvaluationRequest{
			Subject:  client.AuthzenSubject{Type: "user", Id: "alice", Properties: &client.AuthzenProperties{"department": "Sales", "role": "manager"}},
			Action:   client.AuthzenAction{Name: "read", Properties: &client.AuthzenProperties{"method": "GET"}},
			Resource: client.AuthzenResource{Type: "record", Id: "record-1", Properties: &client.AuthzenProperties{"status": "active", "owner": "bob"}}}, true},
		{"bob reads", client.AuthzenEvaluationRequest{Subject: subject("bob"), Action: action("read"), Resource: record("record-1")}, true},
		{"alice by her email, ignoring case", client.AuthzenEvaluationRequest{Subject: subject("Alice@Cert.Test"), Action: action("write"), Resource: record("r")}, true},
		{"an unknown subject is denied", client.AuthzenEvaluationRequest{Subject: subject("mallory"), Action: action("read"), Resource: record("record-1")}, false},
		{"a subject type other than user is denied", client.AuthzenEvaluationRequest{Subject: client.AuthzenSubject{Type: "service", Id: "alice"}, Action: action("read"), Resource: record("record-1")}, false},
		{"a type that makes no permission is denied", client.AuthzenEvaluationRequest{Subject: subject("alice"), Action: action("read"), Resource: client.AuthzenResource{Type: "Record Type", Id: "x"}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, f.decide(t, c.body))
		})
	}

	t.Run("2.2.9 unknown fields are ignored", func(t *testing.T) {
		resp, b := f.env.Do("POST", f.base+"evaluation", f.tn.AdminToken,
			`{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"},"foo":"bar","futureField":{"nested":true}}`)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
		require.JSONEq(t, `{"decision":true}`, string(b))
	})

	t.Run("2.4 errors are 400 with a message string", func(t *testing.T) {
		for name, body := range map[string]string{
			"missing subject":       `{"action":{"name":"read"},"resource":{"type":"record","id":"record-1"}}`,
			"missing action":        `{"subject":{"type":"user","id":"alice"},"resource":{"type":"record","id":"record-1"}}`,
			"missing resource":      `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"}}`,
			"subject without type":  `{"subject":{"id":"alice"},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"}}`,
			"subject without id":    `{"subject":{"type":"user"},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"}}`,
			"action without name":   `{"subject":{"type":"user","id":"alice"},"action":{},"resource":{"type":"record","id":"record-1"}}`,
			"resource without type": `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{"id":"record-1"}}`,
			"resource without id":   `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{"type":"record"}}`,
			"malformed JSON":        `{"subject":`,
			"subject a string":      `{"subject":"alice","action":{"name":"read"},"resource":{"type":"record","id":"record-1"}}`,
			"action.name a number":  `{"subject":{"type":"user","id":"alice"},"action":{"name":123},"resource":{"type":"record","id":"record-1"}}`,
		} {
			resp, b := f.env.Do("POST", f.base+"evaluation", f.tn.AdminToken, body)
			requireAuthzenError(t, resp, b, http.StatusBadRequest, name)
		}
		req, err := http.NewRequest("POST", f.env.URL+f.base+"evaluation", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+f.tn.AdminToken)
		req.Header.Set("Content-Type", "application/json")
		resp := do(t, req)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, "an empty body")
		req, err = http.NewRequest("POST", f.env.URL+f.base+"evaluation",
			strings.NewReader(`subject=alice&action=read`))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+f.tn.AdminToken)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp = do(t, req)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, "another content type")

		resp, b := f.env.Do("POST", f.base+"evaluation", "", `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"}}`)
		requireAuthzenError(t, resp, b, http.StatusUnauthorized, "no token")
	})

	t.Run("2.5 X-Request-ID is echoed", func(t *testing.T) {
		const id = "bfe9eb29-ab87-4ca3-be83-a1d5d8305716"
		resp, err := f.tn.Admin.AuthzenEvaluationWithResponse(bg, f.tn.ID,
			client.AuthzenEvaluationRequest{Subject: subject("alice"), Action: action("read"), Resource: record("record-1")},
			func(_ context.Context, r *http.Request) error { r.Header.Set("X-Request-ID", id); return nil })
		require.NoError(t, err)
		require.Equal(t, id, resp.HTTPResponse.Header.Get("X-Request-ID"))
	})

	t.Run("2.6 the same request, the same decision", func(t *testing.T) {
		for range 5 {
			require.True(t, f.decide(t, client.AuthzenEvaluationRequest{Subject: subject("alice"), Action: action("write"), Resource: record("record-1")}))
		}
	})
}

// requireAuthzenError asserts an AuthZEN error answer: the status and an
// error message string as the body.
func requireAuthzenError(t *testing.T, resp *http.Response, body []byte, status int, name string) {
	t.Helper()
	require.Equal(t, status, resp.StatusCode, "%s: %s", name, body)
	var msg string
	require.NoError(t, json.Unmarshal(body, &msg), "%s: not a message string: %s", name, body)
	require.NotEmpty(t, msg, name)
}

func do(t *testing.T, req *http.Request) *http.Response {
	t.Helper()
	resp, err := (&http.Client{Transport: servertest.ValidatingTransport{T: t}}).Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp
}
