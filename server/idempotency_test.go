package server_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/server"
	"github.com/rosterhq/roster/server/servertest"
)

// withKey sends an Idempotency-Key.
func withKey(key string) client.RequestEditorFn {
	return func(_ context.Context, r *http.Request) error { r.Header.Set("Idempotency-Key", key); return nil }
}

// A write sent again with its Idempotency-Key answers the first answer
// again and writes nothing: a client that timed out can retry safely.
func TestIdempotency_replay(t *testing.T) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	body := client.RoleCreate{Name: "editor", DisplayName: "Editor", Permissions: []string{"docs:write"}}

	first, err := acme.Admin.CreateRoleWithResponse(bg, "acme", body, withKey("k-1"))
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, first.StatusCode(), "%s", first.Body)
	rev, events := env.Revision("acme"), env.AuditCount("acme")

	again, err := acme.Admin.CreateRoleWithResponse(bg, "acme", body, withKey("k-1"))
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, again.StatusCode(), "the first answer, not a 409 conflict: %s", again.Body)
	require.Equal(t, "true", again.HTTPResponse.Header.Get("Idempotent-Replayed"))
	require.Equal(t, first.HTTPResponse.Header.Get("Roster-Revision"), again.HTTPResponse.Header.Get("Roster-Revision"))
	require.Equal(t, first.HTTPResponse.Header.Get("ETag"), again.HTTPResponse.Header.Get("ETag"))
	require.JSONEq(t, string(first.Body), string(again.Body))
	require.Equal(t, rev, env.Revision("acme"), "a replay writes nothing")
	require.Equal(t, events, env.AuditCount("acme"))

	t.Run("another request with the key is 422", func(t *testing.T) {
		other := body
		other.DisplayName = "Other"
		res, err := acme.Admin.CreateRoleWithResponse(bg, "acme", other, withKey("k-1"))
		require.NoError(t, err)
		requireProblem(t, res.HTTPResponse, res.Body, http.StatusUnprocessableEntity, "idempotency_key_mismatch", "")
		require.Equal(t, rev, env.Revision("acme"))
	})
	t.Run("without a key the same request is a conflict", func(t *testing.T) {
		res, err := acme.Admin.CreateRoleWithResponse(bg, "acme", body)
		require.NoError(t, err)
		require.Equal(t, http.StatusConflict, res.StatusCode())
	})
	t.Run("a delete replays its 204, not a 404", func(t *testing.T) {
		u := acme.user(t, "gone@acme.test")
		for i := range 2 {
			res, err := acme.Admin.DeleteUserWithResponse(bg, "acme", u.Id, nil, withKey("delete-"+u.Id))
			require.NoError(t, err)
			require.Equal(t, http.StatusNoContent, res.StatusCode(), "attempt %d: %s", i, res.Body)
		}
	})
	t.Run("an error is not stored: the key still works", func(t *testing.T) {
		bad := client.RoleCreate{Name: "bad name", DisplayName: "B", Permissions: []string{}}
		res, err := acme.Admin.CreateRoleWithResponse(bg, "acme", bad, withKey("k-2"))
		require.NoError(t, err)
		require.Equal(t, http.StatusBadRequest, res.StatusCode())
		res, err = acme.Admin.CreateRoleWithResponse(bg, "acme", client.RoleCreate{Name: "viewer", DisplayName: "V", Permissions: []string{}}, withKey("k-2"))
		require.NoError(t, err)
		require.Equal(t, http.StatusCreated, res.StatusCode(), "%s", res.Body)
		require.Empty(t, res.HTTPResponse.Header.Get("Idempotent-Replayed"))
	})
	t.Run("keys belong to their caller", func(t *testing.T) {
		res, err := env.Operator().CreateRoleWithResponse(bg, "acme", client.RoleCreate{Name: "auditor", DisplayName: "A", Permissions: []string{}}, withKey("k-1"))
		require.NoError(t, err)
		require.Equal(t, http.StatusCreated, res.StatusCode(), "another caller's k-1 is its own: %s", res.Body)
	})
	t.Run("a malformed key is 400", func(t *testing.T) {
		res, err := acme.Admin.CreateRoleWithResponse(bg, "acme", body, withKey(strings.Repeat("k", 256)))
		require.NoError(t, err)
		requireProblem(t, res.HTTPResponse, res.Body, http.StatusBadRequest, "validation_error", "Idempotency-Key")
	})
}

// Repeats racing the first request write once: each gets the first answer
// (replayed) or, while it runs on the same replica, a 409.
func TestIdempotency_concurrentRepeats(t *testing.T) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	user := acme.user(t, "grace@acme.test")
	role := acme.role(t, "viewer", "docs:read")
	rev := env.Revision("acme")
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[string]int{}
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := acme.Admin.AssignUserRoleWithResponse(bg, "acme", user.Id, client.AssignmentCreate{RoleId: role.Id}, withKey("assign-once"))
			require.NoError(t, err)
			kind := http.StatusText(res.StatusCode())
			if res.HTTPResponse.Header.Get("Idempotent-Replayed") == "true" {
				kind += " replayed"
			}
			mu.Lock()
			statuses[kind]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	require.Equal(t, 1, statuses["Created"], "one request wrote: %v", statuses)
	require.Equal(t, 16, statuses["Created"]+statuses["Created replayed"]+statuses["Conflict"], "%v", statuses)
	require.Equal(t, rev+1, env.Revision("acme"), "one write")
}

// The answers are in the database: another replica, or a restarted one,
// replays them.
func TestIdempotency_acrossReplicasAndRestarts(t *testing.T) {
	st := openStore(t)
	a := replica(t, st, server.Config{})
	acme := newTenant(t, a, "acme")
	b := replica(t, st, server.Config{})
	body := client.UserCreate{Email: "ada@acme.test"}
	first, err := acme.Admin.CreateUserWithResponse(bg, "acme", body, withKey("import-row-1"))
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, first.StatusCode())
	rev := a.Revision("acme")

	onB := b.Client(acme.AdminToken)
	again, err := onB.CreateUserWithResponse(bg, "acme", body, withKey("import-row-1"))
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, again.StatusCode(), "%s", again.Body)
	require.Equal(t, "true", again.HTTPResponse.Header.Get("Idempotent-Replayed"))
	require.Equal(t, first.JSON201.Id, again.JSON201.Id, "the same user, not a second one")
	require.Equal(t, rev, b.Revision("acme"))

	restarted := replica(t, st, server.Config{})
	third, err := restarted.Client(acme.AdminToken).CreateUserWithResponse(bg, "acme", body, withKey("import-row-1"))
	require.NoError(t, err)
	require.Equal(t, first.JSON201.Id, third.JSON201.Id)
}

// loseFirstAnswer is a client transport that delivers the first write and
// then loses its answer, as a timeout or a dropped connection would after
// the server committed.
type loseFirstAnswer struct {
	next http.RoundTripper
	lost bool
}

func (l *loseFirstAnswer) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(req)
	if err == nil && req.Method == http.MethodPost && !l.lost {
		l.lost = true
		resp.Body.Close()
		return nil, errors.New("connection reset by peer (simulated, after the server answered)")
	}
	return resp, err
}

// The Go SDK's retries carry one Idempotency-Key: a write whose answer was
// lost after the commit is answered again on retry, not made twice.
func TestIdempotency_sdkRetryAfterLostAnswer(t *testing.T) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	lossy := &loseFirstAnswer{next: servertest.ValidatingTransport{T: t}}
	c, err := client.New(env.URL, acme.AdminToken, client.WithHTTPClient(&http.Client{Transport: lossy}), client.WithRetries(2))
	require.NoError(t, err)
	rev := env.Revision("acme")
	res, err := c.CreateUserWithResponse(bg, "acme", client.UserCreate{Email: "retry@acme.test"})
	require.NoError(t, err)
	require.True(t, lossy.lost, "the first answer was lost")
	require.Equal(t, http.StatusCreated, res.StatusCode(), "%s", res.Body)
	require.Equal(t, "true", res.HTTPResponse.Header.Get("Idempotent-Replayed"))
	require.Equal(t, rev+1, env.Revision("acme"), "one user made, once")
	list, err := acme.Admin.ListUsersWithResponse(bg, "acme", &client.ListUsersParams{Search: ptr("retry@")})
	require.NoError(t, err)
	require.Len(t, list.JSON200.Items, 1)
}

// Reads sent with POST (checks, AuthZEN) ignore a key: they write nothing
// to guard, and a stale decision must never be replayed.
func TestIdempotency_readsByPostAreNotReplayed(t *testing.T) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	u := acme.user(t, "grace@acme.test")
	role := acme.role(t, "viewer", "docs:read")
	check := client.CheckRequest{UserId: u.Id, Permission: "docs:read"}
	before, err := acme.Admin.CheckPermissionWithResponse(bg, "acme", nil, check, withKey("same-key"))
	require.NoError(t, err)
	require.False(t, before.JSON200.Allowed)
	_, err = acme.Admin.AssignUserRoleWithResponse(bg, "acme", u.Id, client.AssignmentCreate{RoleId: role.Id})
	require.NoError(t, err)
	after, err := acme.Admin.CheckPermissionWithResponse(bg, "acme", nil, check, withKey("same-key"))
	require.NoError(t, err)
	require.True(t, after.JSON200.Allowed, "a fresh decision, not the stored one")
	require.Empty(t, after.HTTPResponse.Header.Get("Idempotent-Replayed"))
}
