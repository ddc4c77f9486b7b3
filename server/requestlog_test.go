package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/server"
	"github.com/rosterhq/roster/server/servertest"
)

// logSink collects the JSON log lines of a server.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *logSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// request waits for the request line carrying id: it is written once the
// handler returns, which may be after the client has read a large answer.
func (s *logSink) request(t *testing.T, id string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		sc := bufio.NewScanner(strings.NewReader(s.String()))
		for sc.Scan() {
			var line map[string]any
			require.NoError(t, json.Unmarshal(sc.Bytes(), &line), "not a JSON log line: %s", sc.Bytes())
			if line["msg"] == "request" && line["request_id"] == id {
				return line
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no request line with request_id %q in:\n%s", id, s.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func loggedEnv(t *testing.T) (*servertest.Env, *logSink) {
	sink := &logSink{}
	env := servertest.New(t, func(c *server.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(sink, nil))
	})
	return env, sink
}

func withRequestID(id string) client.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("X-Request-Id", id)
		return nil
	}
}

func TestRequestLog_OneLinePerRequest(t *testing.T) {
	env, sink := loggedEnv(t)
	tn := newTenant(t, env, "acme")

	resp, err := tn.Admin.GetUserWithResponse(bg, tn.ID, "me", withRequestID("req-7f3a.b_c:1"))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode())
	require.Equal(t, "req-7f3a.b_c:1", resp.HTTPResponse.Header.Get("X-Request-Id"), "a sane client id is echoed")

	line := sink.request(t, "req-7f3a.b_c:1")
	require.Equal(t, "INFO", line["level"])
	require.Equal(t, "GET", line["method"])
	require.Equal(t, "/v1/tenants/:tenant_id/users/:user_id", line["route"], "the route template, not the path")
	require.Equal(t, 200.0, line["status"])
	require.Equal(t, "acme", line["tenant"])
	ms, ok := line["duration_ms"].(float64)
	require.True(t, ok, "duration_ms is a number: %v", line)
	require.GreaterOrEqual(t, ms, 0.0)
	require.Less(t, ms, 60_000.0, "milliseconds, not nanoseconds")
	require.NotContains(t, line, "duration")

	// No id, or one unfit for a log: the server makes one and echoes it.
	for _, sent := range []string{"", "two words", "quote\"d", strings.Repeat("x", 200)} {
		resp, _ := get(t, env, "/healthz", "X-Request-Id", sent)
		id := resp.Header.Get("X-Request-Id")
		require.NotEmpty(t, id, "sent %q", sent)
		require.NotEqual(t, sent, id)
		line := sink.request(t, id)
		require.Equal(t, "/healthz", line["route"])
		require.NotContains(t, line, "tenant")
	}

	// Problems are logged with their status too.
	resp404, _ := env.Do(http.MethodGet, "/v1/tenants/acme/roles/nope", tn.AdminToken, "")
	require.Equal(t, http.StatusNotFound, resp404.StatusCode)
	line = sink.request(t, resp404.Header.Get("X-Request-Id"))
	require.Equal(t, 404.0, line["status"])
	require.Equal(t, "/v1/tenants/:tenant_id/roles/:role_id", line["route"])
}

func TestRequestLog_NeverHoldsSecrets(t *testing.T) {
	env, sink := loggedEnv(t)
	tn := newTenant(t, env, "acme") // answers with the admin's token secret

	created, err := tn.Admin.CreateUserTokenWithResponse(bg, tn.ID, "me", client.TokenCreate{Name: "ci"})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, created.StatusCode(), "body: %s", created.Body)
	secret := created.JSON201.Token
	require.NotEmpty(t, secret)

	// The new token in use, and a wrong one refused.
	resp, err := env.Client(secret).GetUserWithResponse(bg, tn.ID, "me", withRequestID("with-token"))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode())
	const wrong = "rst_wrong-secret-that-must-not-be-logged"
	bad, _ := env.Do(http.MethodGet, "/v1/tenants/acme/users/me", wrong, "")
	require.Equal(t, http.StatusUnauthorized, bad.StatusCode)
	sink.request(t, "with-token")
	sink.request(t, bad.Header.Get("X-Request-Id"))

	logs := sink.String()
	require.NotEmpty(t, logs)
	for name, s := range map[string]string{
		"operator token": servertest.OperatorToken, "admin token": tn.AdminToken,
		"created token": secret, "refused token": wrong,
	} {
		require.NotContains(t, logs, s, "the %s appears in the log", name)
		if _, body, ok := strings.Cut(s, "_"); ok && len(body) >= 8 {
			require.NotContains(t, logs, body, "the %s's secret part appears in the log", name)
		}
	}
	require.NotContains(t, strings.ToLower(logs), "bearer")
	require.NotContains(t, strings.ToLower(logs), "authorization")
}
