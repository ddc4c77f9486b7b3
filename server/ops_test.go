package server_test

import (
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/server/servertest"
)

// get fetches an operations route with no token (none of them needs one)
// and without the spec-validating transport (they are not in the spec).
func get(t *testing.T, env *servertest.Env, path string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, env.URL+path, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

func TestOpenAPI_ServesTheRepositorySpecByteForByte(t *testing.T) {
	env := servertest.New(t)
	want, err := os.ReadFile("../openapi.yaml")
	require.NoError(t, err)

	resp, body := get(t, env, "/openapi.yaml")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "application/yaml", resp.Header.Get("Content-Type"))
	require.True(t, string(want) == string(body), "GET /openapi.yaml differs from ../openapi.yaml: run `make gen`")
}

// assetRef finds every src and href in the page.
var assetRef = regexp.MustCompile(`(?:src|href)="([^"]*)"`)

func TestDocs_RendersTheSpecOffline(t *testing.T) {
	env := servertest.New(t)

	for _, path := range []string{"/docs", "/docs/"} {
		resp, page := get(t, env, path)
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		require.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
		csp := resp.Header.Get("Content-Security-Policy")
		require.Contains(t, csp, "default-src 'self'")
		require.NotContains(t, csp, "http", "the page may load nothing from elsewhere")

		refs := assetRef.FindAllStringSubmatch(string(page), -1)
		require.NotEmpty(t, refs)
		for _, m := range refs {
			ref := m[1]
			require.True(t, strings.HasPrefix(ref, "/docs/") && !strings.Contains(ref, "//"),
				"%s must reference only this server's /docs/ assets, not %q", path, ref)
			resp, body := get(t, env, ref)
			require.Equal(t, http.StatusOK, resp.StatusCode, ref)
			require.NotEmpty(t, body, ref)
		}
	}

	resp, script := get(t, env, "/docs/docs.js")
	require.Equal(t, "text/javascript; charset=utf-8", resp.Header.Get("Content-Type"))
	require.Contains(t, string(script), `url: "/openapi.yaml"`)
	require.Contains(t, string(script), "validatorUrl: null", "the online validator badge would call out")
	require.NotRegexp(t, `https?://`, string(script))

	resp, css := get(t, env, "/docs/swagger-ui.css")
	require.Equal(t, "text/css; charset=utf-8", resp.Header.Get("Content-Type"))
	require.NotRegexp(t, `url\((["']?)(https?:)?//`, string(css), "the stylesheet may not load remote fonts or images")

	resp, bundle := get(t, env, "/docs/swagger-ui-bundle.js", "Accept-Encoding", "gzip")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "gzip", resp.Header.Get("Content-Encoding"), "1.7 MB of script goes compressed")
	require.NotEmpty(t, bundle)

	resp, license := get(t, env, "/docs/LICENSE")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(license), "Apache License")

	for _, path := range []string{"/docs/index.html.bak", "/docs/../server.go", "/docs/nope.js"} {
		resp, _ := get(t, env, path)
		require.Equal(t, http.StatusNotFound, resp.StatusCode, path)
	}
}

func TestOps_NeedNoToken(t *testing.T) {
	env := servertest.New(t)
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/docs", "/openapi.yaml"} {
		resp, _ := get(t, env, path)
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		resp, _ = get(t, env, path, "Authorization", "Bearer rst_not-a-real-token")
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s with a bad token", path)
	}
}
