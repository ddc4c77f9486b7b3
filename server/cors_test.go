package server_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/server"
	"github.com/rosterhq/roster/server/servertest"
)

// A browser app on a listed origin can call Roster: its preflight is
// answered without a token, and its answers name the origin and expose
// Roster's headers. Other origins, and every origin when CORS is off (the
// default), get no CORS headers, so the browser keeps the answer from the
// page.
func TestCORS(t *testing.T) {
	const app = "https://app.example.test"
	on := replica(t, openStore(t), server.Config{CORSOrigins: []string{app}})
	off := servertest.New(t)
	hc := &http.Client{Transport: servertest.ValidatingTransport{T: t}}
	send := func(env *servertest.Env, method, origin string, header ...string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(method, env.URL+"/v1/tenants", nil)
		require.NoError(t, err)
		req.Header.Set("Origin", origin)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		c := hc
		if method == "OPTIONS" {
			// A preflight is the browser's question, not an operation of
			// the API: the spec has nothing to check it against.
			c = http.DefaultClient
		}
		resp, err := c.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	preflight := []string{"Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "authorization"}

	resp := send(on, "OPTIONS", app, preflight...)
	require.Equal(t, http.StatusNoContent, resp.StatusCode, "a preflight needs no token")
	require.Equal(t, app, resp.Header.Get("Access-Control-Allow-Origin"))
	require.Contains(t, resp.Header.Get("Access-Control-Allow-Headers"), "Authorization")

	resp = send(on, "GET", app, "Authorization", "Bearer "+servertest.OperatorToken)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, app, resp.Header.Get("Access-Control-Allow-Origin"))
	require.Contains(t, resp.Header.Get("Access-Control-Expose-Headers"), "Roster-Revision")

	for name, r := range map[string]*http.Response{
		"another origin's preflight": send(on, "OPTIONS", "https://evil.example.test", preflight...),
		"another origin's request":   send(on, "GET", "https://evil.example.test", "Authorization", "Bearer "+servertest.OperatorToken),
		"CORS off":                   send(off, "OPTIONS", app, preflight...),
	} {
		require.Empty(t, r.Header.Get("Access-Control-Allow-Origin"), name)
	}
}

func TestParseCORSOrigins(t *testing.T) {
	got, err := server.ParseCORSOrigins(" https://a.example.test , http://localhost:5173/ ,")
	require.NoError(t, err)
	require.Equal(t, []string{"https://a.example.test", "http://localhost:5173"}, got)
	for _, bad := range []string{"*", "a.example.test", "https://a.example.test/app", "ftp://a.example.test", "https://"} {
		_, err := server.ParseCORSOrigins(bad)
		require.Error(t, err, bad)
	}
	none, err := server.ParseCORSOrigins("")
	require.NoError(t, err)
	require.Empty(t, none)
}
