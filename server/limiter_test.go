package server

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/rbac"
)

var limiterT0 = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// spend takes every request key's budget holds at now, and counts them.
func spend(b *buckets, key string, now time.Time) int {
	for n := 0; ; n++ {
		if ok, _ := b.allow(key, now); !ok {
			return n
		}
	}
}

// Keys expire: a bucket left alone until it is full again is forgotten at
// the next sweep, one still refilling is kept (forgetting it would hand
// its owner a fresh budget).
func TestBuckets_expire(t *testing.T) {
	b := newBuckets(5, 10, 0) // full again 2 s after being emptied
	for i := range 1000 {
		spend(b, fmt.Sprint("k", i), limiterT0)
	}
	spend(b, "recent", limiterT0.Add(1500*time.Millisecond))
	b.allow("new", limiterT0.Add(2*time.Second))
	require.Len(t, b.m, 2, "the 1000 full buckets are gone")
	require.Contains(t, b.m, "recent")
	require.Equal(t, 2, spend(b, "recent", limiterT0.Add(2*time.Second)), "0.5 s at 5 per second, not a fresh 10")
}

// The failure buckets are capped: once full of keys still refilling, new
// keys share one overflow budget instead of growing the map or resetting
// someone's budget, until a sweep makes room.
func TestBuckets_cap(t *testing.T) {
	b := newBuckets(5, 10, 3)
	for _, k := range []string{"a", "b", "c"} {
		spend(b, k, limiterT0)
	}
	require.Equal(t, 10, spend(b, "d", limiterT0))
	ok, _ := b.allow("e", limiterT0)
	require.False(t, ok, "e shares the overflow budget d spent")
	require.Len(t, b.m, 4, "three keys and the overflow bucket")
	ok, _ = b.allow("a", limiterT0)
	require.False(t, ok, "a kept its own, spent, budget")

	later := limiterT0.Add(2 * time.Second)
	ok, _ = b.allow("e", later)
	require.True(t, ok)
	require.Len(t, b.m, 1, "the sweep made room and e has a bucket of its own")
	require.Contains(t, b.m, "e")
}

// The key of a user's budget is the user, not the token; the operator's
// is one key.
func TestUserKey(t *testing.T) {
	tests := []struct {
		tok  rbac.Token
		want string
	}{
		{rbac.Token{ID: "tok_1", TenantID: "acme", UserID: "usr_a"}, "acme/usr_a"},
		{rbac.Token{ID: "tok_2", TenantID: "acme", UserID: "usr_a"}, "acme/usr_a"},
		{rbac.Token{ID: "tok_3", TenantID: "beta", UserID: "usr_a"}, "beta/usr_a"},
		{rbac.Token{ID: "tok_op"}, "operator"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, userKey(tt.tok), tt.tok.ID)
	}
}

// The client address is the connection's peer unless a trusted proxy
// extractor is configured: X-Forwarded-For and X-Real-IP are whatever the
// client wants them to be. IPv6 counts per /64.
func TestClientKey(t *testing.T) {
	tests := []struct {
		name      string
		extractor echo.IPExtractor
		remote    string
		xff       string
		want      string
	}{
		{"IPv4 peer", nil, "192.0.2.1:1234", "", "192.0.2.1"},
		{"forged headers ignored", nil, "192.0.2.1:1234", "198.51.100.7", "192.0.2.1"},
		{"IPv4-mapped IPv6", nil, "[::ffff:192.0.2.1]:1234", "", "192.0.2.1"},
		{"IPv6 per /64", nil, "[2001:db8:1:2:3:4:5:6]:1234", "", "2001:db8:1:2::/64"},
		{"trusted proxy reports the client", echo.ExtractIPFromXFFHeader(), "127.0.0.1:1234", "198.51.100.7", "198.51.100.7"},
		{"untrusted proxy is the client", echo.ExtractIPFromXFFHeader(), "192.0.2.1:1234", "198.51.100.7", "192.0.2.1"},
		{"trusted proxy, IPv6 client", echo.ExtractIPFromXFFHeader(), "127.0.0.1:1234", "2001:db8::9", "2001:db8::/64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := echo.New()
			e.IPExtractor = tt.extractor
			req := httptest.NewRequest("GET", "/v1/tenants", nil)
			req.RemoteAddr = tt.remote
			if tt.xff != "" {
				req.Header.Set(echo.HeaderXForwardedFor, tt.xff)
				req.Header.Set(echo.HeaderXRealIP, tt.xff)
			}
			require.Equal(t, tt.want, clientKey(e.NewContext(req, httptest.NewRecorder())))
		})
	}
}
