package app_test

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"
	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/internal/store/pgtest"
	"github.com/rosterhq/roster/server/servertest"
)

// TestIdempotency_killedBetweenCommitAndAnswer: a replica process commits a
// keyed write and is killed (SIGKILL) before it answers; the client sees
// the connection drop, retries the same request with the same key on the
// restarted server, and gets the first answer replayed: one user, one audit
// event, never two. On SQLite (a file) and PostgreSQL.
func TestIdempotency_killedBetweenCommitAndAnswer(t *testing.T) {
	for name, dsn := range map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "roster.db") },
		"postgres": func(t *testing.T) string { return pgtest.NewDatabase(t) },
	} {
		t.Run(name, func(t *testing.T) { killedBetweenCommitAndAnswer(t, dsn(t)) })
	}
}

func killedBetweenCommitAndAnswer(t *testing.T, dsn string) {
	ctx := context.Background()
	const key = "import-row-17"
	crashing := startReplicasEnv(t, dsn, map[string]string{"a": "-1s"}, envReplicaCrashKey+"="+key)["a"]
	op := typedClient(t, crashing.url, replicaToken)
	created, err := op.CreateTenantWithResponse(ctx, client.TenantCreate{Id: "acme", Name: "Acme",
		Admin: &client.TenantAdmin{Email: "admin@acme.test"}})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, created.StatusCode(), "body: %s", created.Body)
	admin := *created.JSON201.AdminToken

	withKey := func(_ context.Context, req *http.Request) error {
		req.Header.Set("Idempotency-Key", key)
		return nil
	}
	body := client.UserCreate{Email: openapi_types.Email("linus@acme.test"), FirstName: ptr("Linus")}
	first, err := typedClient(t, crashing.url, admin).CreateUserWithResponse(ctx, "acme", body, withKey)
	require.Error(t, err, "the server died before answering, yet answered %v", first)
	require.NoError(t, waitExit(crashing, 10*time.Second), "the replica was killed")

	restarted := startReplicasEnv(t, dsn, map[string]string{"b": "-1s"})["b"]
	c := typedClient(t, restarted.url, admin)
	retry, err := c.CreateUserWithResponse(ctx, "acme", body, withKey)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, retry.StatusCode(), "body: %s", retry.Body)
	require.Equal(t, "true", retry.HTTPResponse.Header.Get("Idempotent-Replayed"), "the answer of the first attempt")

	users, err := c.ListUsersWithResponse(ctx, "acme", &client.ListUsersParams{Search: ptr("linus@")})
	require.NoError(t, err)
	require.Len(t, users.JSON200.Items, 1, "one user, not two")
	require.Equal(t, users.JSON200.Items[0].Id, retry.JSON201.Id)
	action := "user.create"
	events, err := c.ListAuditEventsWithResponse(ctx, "acme", &client.ListAuditEventsParams{Action: &action})
	require.NoError(t, err)
	n := 0
	for _, e := range events.JSON200.Items {
		if e.TargetId == retry.JSON201.Id {
			n++
		}
	}
	require.Equal(t, 1, n, "one audit event for the user")
}

// typedClient is a generated client for url sending token, whose every
// answer is checked against the spec.
func typedClient(t *testing.T, url, token string) *client.ClientWithResponses {
	c, err := client.NewClientWithResponses(url, client.WithHTTPClient(&http.Client{
		Timeout:   10 * time.Second,
		Transport: servertest.ValidatingTransport{T: t, Next: http.DefaultTransport},
	}), client.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}))
	require.NoError(t, err)
	return c
}

// waitExit waits for the replica's process to end.
func waitExit(r *replica, d time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- r.cmd.Wait() }()
	select {
	case <-done:
		return nil
	case <-time.After(d):
		return context.DeadlineExceeded
	}
}
