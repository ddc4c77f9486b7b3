package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/server"
	"github.com/rosterhq/roster/server/servertest"
)

// TestFastAnswer_sameAsTheHandler sends each check and AuthZEN evaluation
// twice: as plain JSON, which the fast path answers, and with one character
// of the subject escaped (the same request to any JSON reader), which the
// fast scan declines, so the validator and the generated handler answer it.
// Status, Content-Type and body must be the same, byte for byte.
func TestFastAnswer_sameAsTheHandler(t *testing.T) {
	f := newOwnerFixture(t)
	a := f.tn.Admin
	org := f.tn.org(t, "Berlin")
	local := f.tn.user(t, "local@own.test")
	grant, err := a.AssignUserRoleWithResponse(bg, f.tn.ID, local.Id, client.AssignmentCreate{RoleId: f.plainRole.Id, Scope: &client.Scope{Type: client.ScopeTypeOrganization, OrganizationId: &org}})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, grant.StatusCode(), "body: %s", grant.Body)
	tok, err := a.CreateUserTokenWithResponse(bg, f.tn.ID, f.other.Id, client.TokenCreate{Name: "plain caller"})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, tok.StatusCode(), "body: %s", tok.Body)
	plainCaller := f.env.Client(tok.JSON201.Token)

	checks := []struct {
		name   string
		caller *client.ClientWithResponses
		body   map[string]string
		status int
	}{
		{"allowed", a, map[string]string{"user_id": f.plain.Id, "permission": "todo:update"}, http.StatusOK},
		{"denied", a, map[string]string{"user_id": f.other.Id, "permission": "todo:update"}, http.StatusOK},
		{"allowed as owner", a, map[string]string{"user_id": f.owner.Id, "permission": "todo:update", "owner": f.owner.Email}, http.StatusOK},
		{"owner-only without the owner", a, map[string]string{"user_id": f.owner.Id, "permission": "todo:update", "owner": "nobody@own.test"}, http.StatusOK},
		{"in an organization", a, map[string]string{"user_id": local.Id, "permission": "todo:update", "organization_id": org}, http.StatusOK},
		{"outside the organization", a, map[string]string{"user_id": local.Id, "permission": "todo:update"}, http.StatusOK},
		{"wildcard asked", a, map[string]string{"user_id": f.plain.Id, "permission": "todo:*"}, http.StatusOK},
		{"me", a, map[string]string{"user_id": "me", "permission": "users:read"}, http.StatusOK},
		{"unknown user", a, map[string]string{"user_id": "usr_nobody", "permission": "todo:update"}, http.StatusBadRequest},
		{"unknown organization", a, map[string]string{"user_id": local.Id, "permission": "todo:update", "organization_id": "org_nowhere"}, http.StatusBadRequest},
		{"another user without checks:read", plainCaller, map[string]string{"user_id": f.plain.Id, "permission": "todo:update"}, http.StatusForbidden},
		{"oneself without checks:read", plainCaller, map[string]string{"user_id": f.other.Id, "permission": "todo:read"}, http.StatusOK},
		{"empty user id", a, map[string]string{"user_id": "", "permission": "todo:read"}, http.StatusBadRequest},
		{"empty owner", a, map[string]string{"user_id": f.owner.Id, "permission": "todo:update", "owner": ""}, http.StatusOK},
		{"empty organization", a, map[string]string{"user_id": local.Id, "permission": "todo:update", "organization_id": ""}, http.StatusOK},
	}
	for _, c := range checks {
		t.Run("check: "+c.name, func(t *testing.T) {
			plain, escaped := bodies(t, c.body, `"permission":"`)
			before := server.FastAnswers()
			fast, err := c.caller.CheckPermissionWithBodyWithResponse(bg, f.tn.ID, nil, "application/json", bytes.NewReader(plain))
			require.NoError(t, err)
			answeredFast(t, before, fast.StatusCode())
			before = server.FastAnswers()
			slow, err := c.caller.CheckPermissionWithBodyWithResponse(bg, f.tn.ID, nil, "application/json", bytes.NewReader(escaped))
			require.NoError(t, err)
			require.Equal(t, before, server.FastAnswers(), "the escaped request took the fast path")
			require.Equal(t, c.status, fast.StatusCode(), "body: %s", fast.Body)
			sameAnswer(t, fast.HTTPResponse, fast.Body, slow.HTTPResponse, slow.Body)
		})
	}

	// A query sends a permissions read through the validator and the
	// generated handler; min_revision=0 asks for nothing more.
	reads := []struct {
		name   string
		caller *client.ClientWithResponses
		user   string
		status int
	}{
		{"another user's", a, f.plain.Id, http.StatusOK},
		{"one with an owner-only grant", a, f.owner.Id, http.StatusOK},
		{"one with none outside an organization", a, local.Id, http.StatusOK},
		{"me", plainCaller, "me", http.StatusOK},
		{"unknown user", a, "usr_nobody", http.StatusNotFound},
		{"another user's without checks:read", plainCaller, f.plain.Id, http.StatusForbidden},
	}
	for _, c := range reads {
		t.Run("permissions: "+c.name, func(t *testing.T) {
			before := server.FastAnswers()
			fast, err := c.caller.GetUserPermissionsWithResponse(bg, f.tn.ID, c.user, nil)
			require.NoError(t, err)
			require.Empty(t, fast.HTTPResponse.Request.URL.RawQuery)
			answeredFast(t, before, fast.StatusCode())
			before = server.FastAnswers()
			slow, err := c.caller.GetUserPermissionsWithResponse(bg, f.tn.ID, c.user, &client.GetUserPermissionsParams{MinRevision: ptr(int64(0))})
			require.NoError(t, err)
			require.Equal(t, before, server.FastAnswers(), "the read with a query took the fast path")
			require.Equal(t, "min_revision=0", slow.HTTPResponse.Request.URL.RawQuery)
			require.Equal(t, c.status, fast.StatusCode(), "body: %s", fast.Body)
			sameAnswer(t, fast.HTTPResponse, fast.Body, slow.HTTPResponse, slow.Body)
		})
	}

	entity := func(kind, id string, props map[string]string) map[string]any {
		e := map[string]any{"type": kind, "id": id}
		if props != nil {
			e["properties"] = props
		}
		return e
	}
	evaluations := []struct {
		name    string
		subject string
		action  string
		props   map[string]string
		status  int
	}{
		{"permit", f.plain.Email, "update", nil, http.StatusOK},
		{"deny", f.other.Email, "update", nil, http.StatusOK},
		{"deny with a reason: unknown subject", "nobody@own.test", "update", nil, http.StatusOK},
		{"owner by ownerID", f.owner.Email, "update", map[string]string{"ownerID": f.owner.Id}, http.StatusOK},
		{"owner by owner_id", f.owner.Email, "update", map[string]string{"owner_id": f.ownerExt, "color": "red"}, http.StatusOK},
		{"another's resource", f.owner.Email, "update", map[string]string{"ownerID": f.plain.Email}, http.StatusOK},
		{"in an organization", local.Email, "update", map[string]string{"organization_id": org}, http.StatusOK},
		{"an unknown organization", local.Email, "update", map[string]string{"organization_id": "org_nowhere"}, http.StatusOK},
		{"an empty subject id", "", "update", nil, http.StatusBadRequest},
		{"an empty action", f.plain.Email, "", nil, http.StatusBadRequest},
		{"an empty owner", f.owner.Email, "update", map[string]string{"ownerID": "", "owner_id": f.owner.Id}, http.StatusOK},
	}
	for _, c := range evaluations {
		t.Run("AuthZEN: "+c.name, func(t *testing.T) {
			body := map[string]any{"subject": entity("user", c.subject, nil), "action": map[string]string{"name": c.action},
				"resource": entity("todo", "t1", c.props)}
			plain, escaped := bodies(t, body, `"type":"`) // json.Marshal sorts keys: the resource's type comes first
			before := server.FastAnswers()
			fast, err := a.AuthzenEvaluationWithBodyWithResponse(bg, f.tn.ID, "application/json", bytes.NewReader(plain))
			require.NoError(t, err)
			answeredFast(t, before, fast.StatusCode())
			before = server.FastAnswers()
			slow, err := a.AuthzenEvaluationWithBodyWithResponse(bg, f.tn.ID, "application/json", bytes.NewReader(escaped))
			require.NoError(t, err)
			require.Equal(t, before, server.FastAnswers(), "the escaped request took the fast path")
			require.Equal(t, c.status, fast.StatusCode(), "body: %s", fast.Body)
			sameAnswer(t, fast.HTTPResponse, fast.Body, slow.HTTPResponse, slow.Body)
		})
	}
}

// answeredFast checks that the fast path wrote a 200 (an error is the
// error handler's, whichever path found it).
func answeredFast(t *testing.T, before int64, status int) {
	t.Helper()
	if status == http.StatusOK {
		require.Equal(t, before+1, server.FastAnswers(), "the fast path did not answer")
	}
}

// bodies is v as JSON, and the same with the first character of the value
// after key written as a \u escape.
func bodies(t *testing.T, v any, key string) (plain, escaped []byte) {
	plain, err := json.Marshal(v)
	require.NoError(t, err)
	i := bytes.Index(plain, []byte(key))
	require.GreaterOrEqual(t, i, 0, "%s has no %s", plain, key)
	at := i + len(key)
	escaped = fmt.Appendf(nil, `%s\u%04x%s`, plain[:at], plain[at], plain[at+1:])
	return plain, escaped
}

func sameAnswer(t *testing.T, fast *http.Response, fastBody []byte, slow *http.Response, slowBody []byte) {
	t.Helper()
	require.Equal(t, slow.StatusCode, fast.StatusCode, "fast: %s\nslow: %s", fastBody, slowBody)
	require.Equal(t, slow.Header.Get("Content-Type"), fast.Header.Get("Content-Type"))
	require.Equal(t, string(slowBody), string(fastBody))
	require.False(t, strings.Contains(string(fastBody), `\u00`), "the escaped request must not show in an answer: %s", fastBody)
}

// Fast answers given concurrently each answer their own request: the body
// and answer buffers they reuse never carry one request's values into
// another's answer.
func TestFastAnswer_concurrentAnswersOwnRequest(t *testing.T) {
	env := servertest.New(t)
	tn := newTenant(t, env, "fast")
	const users = 6
	ids := make([]string, users)
	for i := range users {
		role := tn.role(t, fmt.Sprintf("r%d", i), fmt.Sprintf("res%d:read", i))
		ids[i] = tn.user(t, fmt.Sprintf("u%d@fast.test", i), role.Id).Id
	}
	a := tn.Admin
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range 60 {
				i := (g + n) % users
				perm := fmt.Sprintf("res%d:read", i)
				switch n % 3 {
				case 0:
					resp, err := a.CheckPermissionWithResponse(bg, tn.ID, nil, client.CheckRequest{UserId: ids[i], Permission: perm})
					if err != nil || resp.JSON200 == nil || !resp.JSON200.Allowed || resp.JSON200.Matched.Permission != perm {
						t.Errorf("check %s %s: %v %s", ids[i], perm, err, resp.Body)
					}
				case 1:
					resp, err := a.AuthzenEvaluationWithResponse(bg, tn.ID, client.AuthzenEvaluationRequest{
						Subject: client.AuthzenSubject{Type: "user", Id: ids[i]}, Action: client.AuthzenAction{Name: "read"},
						Resource: client.AuthzenResource{Type: fmt.Sprintf("res%d", (i+1)%users), Id: "x"}})
					if err != nil || resp.JSON200 == nil || resp.JSON200.Decision {
						t.Errorf("evaluation of %s on another's resource: %v %s", ids[i], err, resp.Body)
					}
				default:
					resp, err := a.GetUserPermissionsWithResponse(bg, tn.ID, ids[i], nil)
					if err != nil || resp.JSON200 == nil || len(resp.JSON200.Permissions) != 1 || resp.JSON200.Permissions[0] != perm {
						t.Errorf("permissions of %s: %v %s", ids[i], err, resp.Body)
					}
				}
			}
		}()
	}
	wg.Wait()
}
