package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/auth"
	"github.com/rosterhq/roster/internal/rbac"
	"github.com/rosterhq/roster/internal/store/gormstore"
	"github.com/rosterhq/roster/server"
	"github.com/rosterhq/roster/server/servertest"
)

// clock is a settable clock for server.Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// openStore is a migrated SQLite store with the test operator token.
func openStore(t *testing.T) *gormstore.Store {
	t.Helper()
	ctx := context.Background()
	st, err := gormstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "roster.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	require.NoError(t, st.Migrate(ctx))
	_, err = st.EnsureOperatorToken(ctx, auth.Hash(servertest.OperatorToken), true)
	require.NoError(t, err)
	return st
}

// replica serves one more handler over st (its own engines and token
// cache, as another process would have) and returns an Env for it.
func replica(t *testing.T, st *gormstore.Store, cfg server.Config) *servertest.Env {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Store == nil {
		cfg.Store = st
	}
	srv := httptest.NewServer(server.New(cfg))
	t.Cleanup(srv.Close)
	return &servertest.Env{T: t, URL: srv.URL, Store: st}
}

// Minting never reaches beyond the caller, through HTTP and the real store.
func TestTokens_mintNeverExceedsCaller(t *testing.T) {
	env := servertest.New(t)
	admin := newAPITenant(t, env, "mint")
	const base = "/v1/tenants/mint/users/"
	adminID := mustCall(t, env, admin, "GET", base+"me", "", 200)["id"].(string)
	// The minter may manage tokens and read users, nothing else.
	minter := callerWith(t, env, "mint", admin, "tokens:write", "users:read")
	scoped := mustCall(t, env, admin, "POST", base+"me/tokens", `{"name":"s","scopes":["users:read","tokens:write"]}`, 201)["token"].(string)
	weakRole := mustCall(t, env, admin, "POST", "/v1/tenants/mint/roles", `{"name":"weak","display_name":"W","permissions":["users:read"]}`, 201)["id"].(string)
	weakID := mustCall(t, env, admin, "POST", "/v1/tenants/mint/users", `{"email":"weak@mint.test","roles":["`+weakRole+`"]}`, 201)["id"].(string)

	tests := []struct {
		name, token, user, body string
		status                  int
	}{
		{"scoped token cannot mint an unscoped one", scoped, "me", `{"name":"a"}`, 403},
		{"scoped token cannot widen itself", scoped, "me", `{"name":"a","scopes":["roles:read"]}`, 403},
		{"scoped token cannot mint *:*", scoped, "me", `{"name":"a","scopes":["*:*"]}`, 403},
		{"scoped token may narrow itself", scoped, "me", `{"name":"a","scopes":["users:read"]}`, 201},
		{"for another user: unscoped is refused", minter, weakID, `{"name":"a"}`, 400},
		{"for a weaker user: beyond the minter", minter, weakID, `{"name":"a","scopes":["users:write"]}`, 403},
		{"for a weaker user: wildcard beyond the minter", minter, weakID, `{"name":"a","scopes":["users:*"]}`, 403},
		{"for a weaker user: within the minter", minter, weakID, `{"name":"a","scopes":["users:read"]}`, 201},
		{"for a stronger user: even within the minter", minter, adminID, `{"name":"a","scopes":["users:read"]}`, 403},
		{"scoped token for another user: within", scoped, adminID, `{"name":"a","scopes":["users:read"]}`, 201},
		{"scoped token for another user: unscoped", scoped, adminID, `{"name":"a"}`, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rev := env.Revision("mint")
			status, b := call(t, env, tt.token, "POST", base+tt.user+"/tokens", tt.body)
			require.Equal(t, tt.status, status, "%s", b)
			if status == 403 {
				require.Equal(t, rev, env.Revision("mint"), "a refused mint wrote")
			}
		})
	}
	// What the minter made for the admin's scoped token acts as the admin
	// narrowed to users:read: it reads users, and cannot write them although
	// the admin can.
	tok := mustCall(t, env, scoped, "POST", base+"me/tokens", `{"name":"b","scopes":["users:read"]}`, 201)["token"].(string)
	mustCall(t, env, tok, "GET", base+adminID, "", 200)
	status, _ := call(t, env, tok, "PATCH", base+adminID, `{"first_name":"X"}`)
	require.Equal(t, http.StatusForbidden, status)
}

// Revocation, disabling and deleting the user take effect on the very next
// request, although the token cache has just seen the token.
func TestTokens_revocationIsImmediate(t *testing.T) {
	env := servertest.New(t)
	admin := newAPITenant(t, env, "rev")
	const base = "/v1/tenants/rev/users/"
	userID := mustCall(t, env, admin, "POST", "/v1/tenants/rev/users", `{"email":"u@rev.test"}`, 201)["id"].(string)
	mint := func() (id, secret string) {
		res := mustCall(t, env, admin, "POST", base+userID+"/tokens", `{"name":"t"}`, 201)
		return res["id"].(string), res["token"].(string)
	}
	warm := func(secret string) { // twice: the second is served from the cache
		mustCall(t, env, secret, "GET", base+"me", "", 200)
		mustCall(t, env, secret, "GET", base+"me", "", 200)
	}
	unauthorized := func(secret, why string) {
		status, b := call(t, env, secret, "GET", base+"me", "")
		require.Equal(t, http.StatusUnauthorized, status, "%s: %s", why, b)
	}

	id, secret := mint()
	warm(secret)
	mustCall(t, env, admin, "DELETE", base+userID+"/tokens/"+id, "", 204)
	unauthorized(secret, "revoked by an admin")

	id, secret = mint()
	warm(secret)
	mustCall(t, env, secret, "DELETE", base+"me/tokens/"+id, "", 204)
	unauthorized(secret, "revoked by itself")

	_, secret = mint()
	warm(secret)
	mustCall(t, env, admin, "PATCH", base+userID, `{"status":"disabled"}`, 200)
	unauthorized(secret, "user disabled")
	mustCall(t, env, admin, "PATCH", base+userID, `{"status":"active"}`, 200)
	mustCall(t, env, secret, "GET", base+"me", "", 200) // the token itself was never revoked

	mustCall(t, env, admin, "DELETE", base+userID, "", 204)
	unauthorized(secret, "user deleted")
}

// On another replica, whose cache the change feed does not reach at once,
// a revocation takes effect within 1 s (openapi.yaml, tag "Tokens").
func TestTokens_revocationReachesOtherReplicasWithinASecond(t *testing.T) {
	st := openStore(t)
	clk := &clock{t: time.Now()}
	one := replica(t, st, server.Config{Now: clk.Now})
	two := replica(t, st, server.Config{Now: clk.Now})
	admin := newAPITenant(t, one, "rep")
	res := mustCall(t, one, admin, "POST", "/v1/tenants/rep/users/me/tokens", `{"name":"t"}`, 201)
	id, secret := res["id"].(string), res["token"].(string)
	mustCall(t, two, secret, "GET", "/v1/tenants/rep/users/me", "", 200) // cached on two

	mustCall(t, one, admin, "DELETE", "/v1/tenants/rep/users/me/tokens/"+id, "", 204)
	status, _ := call(t, one, secret, "GET", "/v1/tenants/rep/users/me", "")
	require.Equal(t, http.StatusUnauthorized, status, "on the replica that revoked it")
	clk.Add(time.Second)
	status, _ = call(t, two, secret, "GET", "/v1/tenants/rep/users/me", "")
	require.Equal(t, http.StatusUnauthorized, status, "on another replica, 1 s later")
}

// Secrets are shown once, at creation, and never in a list.
func TestTokens_secretsNeverListed(t *testing.T) {
	env := servertest.New(t)
	admin := newAPITenant(t, env, "lst")
	secret := mustCall(t, env, admin, "POST", "/v1/tenants/lst/users/me/tokens", `{"name":"t"}`, 201)["token"].(string)
	require.True(t, strings.HasPrefix(secret, auth.SecretPrefix))
	_, body := env.Do("GET", "/v1/tenants/lst/users/me/tokens", admin, "")
	require.NotContains(t, string(body), secret)
	require.NotContains(t, string(body), admin)
	require.NotContains(t, string(body), auth.Hash(secret))
	var list struct{ Items []map[string]any }
	require.NoError(t, json.Unmarshal(body, &list))
	require.Len(t, list.Items, 2) // the admin's own and the new one
	for _, it := range list.Items {
		require.NotContains(t, it, "token")
		require.NotContains(t, it, "hash")
		require.NotContains(t, it, "secret")
	}
}

// Nothing the server logs — request lines, errors, warnings — carries a
// secret, whether it was valid, invalid, or just minted.
func TestTokens_secretsNeverLogged(t *testing.T) {
	var buf lockedBuffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	env := replica(t, openStore(t), server.Config{Logger: log})
	admin := newAPITenant(t, env, "log")
	minted := mustCall(t, env, admin, "POST", "/v1/tenants/log/users/me/tokens", `{"name":"t"}`, 201)["token"].(string)
	mustCall(t, env, minted, "GET", "/v1/tenants/log/users/me", "", 200)
	const wrong = "rst_this-secret-is-wrong-but-still-a-secret"
	status, _ := call(t, env, wrong, "GET", "/v1/tenants/log/users/me", "")
	require.Equal(t, 401, status)
	status, _ = call(t, env, minted, "GET", "/v1/tenants/other/users/me", "")
	require.Equal(t, 404, status)
	status, _ = call(t, env, minted, "POST", "/v1/tenants/log/users", `{"email":"not an email"}`)
	require.Equal(t, 400, status)

	logs := buf.String()
	require.Contains(t, logs, `"msg":"request"`, "the test must see request logs to mean anything")
	for _, s := range []string{servertest.OperatorToken, admin, minted, wrong, "Bearer"} {
		require.NotContains(t, logs, s)
	}
}

// last_used_at is kept to the minute, and a busy token costs at most one
// write per minute, never a revision or an audit event.
func TestTokens_lastUsedToTheMinute(t *testing.T) {
	st := openStore(t)
	clk := &clock{t: time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC)}
	counting := &touchCounter{Store: st}
	env := replica(t, st, server.Config{Store: counting, Now: clk.Now})
	admin := newAPITenant(t, env, "lu")
	rev, audits := env.Revision("lu"), env.AuditCount("lu")
	touches := counting.n.Load()
	for range 20 {
		mustCall(t, env, admin, "GET", "/v1/tenants/lu/users/me", "", 200)
		clk.Add(time.Second)
	}
	require.Equal(t, touches+1, counting.n.Load(), "20 requests in a minute, more than one write")
	require.Equal(t, rev, env.Revision("lu"))
	require.Equal(t, audits, env.AuditCount("lu"))

	var list struct {
		Items []struct {
			LastUsedAt *time.Time `json:"last_used_at"`
		}
	}
	_, body := env.Do("GET", "/v1/tenants/lu/users/me/tokens", admin, "")
	require.NoError(t, json.Unmarshal(body, &list))
	require.Len(t, list.Items, 1)
	require.NotNil(t, list.Items[0].LastUsedAt)
	require.True(t, list.Items[0].LastUsedAt.Equal(time.Date(2030, 1, 2, 3, 4, 0, 0, time.UTC)), "%v", list.Items[0].LastUsedAt)

	clk.Add(time.Minute)
	before := counting.n.Load()
	mustCall(t, env, admin, "GET", "/v1/tenants/lu/users/me", "", 200)
	mustCall(t, env, admin, "GET", "/v1/tenants/lu/users/me", "", 200)
	require.Equal(t, before+1, counting.n.Load(), "a new minute, one write")
}

type touchCounter struct {
	rbac.Store
	n atomic.Int64
}

func (c *touchCounter) TouchToken(ctx context.Context, id string, at time.Time) error {
	c.n.Add(1)
	return c.Store.TouchToken(ctx, id, at)
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
