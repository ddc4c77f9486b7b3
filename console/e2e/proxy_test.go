package e2e

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestProxyCatchesOffSpecResponses shows that the browser tests' proxy
// fails a response the spec does not describe, and passes one it does.
func TestProxyCatchesOffSpecResponses(t *testing.T) {
	const rolesPath = "/v1/tenants/acme/roles"
	for _, tc := range []struct {
		name, ctype, body string
		status            int
		want              bool // a violation
	}{
		{"valid list", "application/json", `{"items": [], "next_cursor": null}`, 200, false},
		{"wrong type", "application/json", `{"items": "none", "next_cursor": null}`, 200, true},
		{"missing member", "application/json", `{"items": []}`, 200, true},
		{"undocumented status", "application/json", `{}`, 418, true},
		{"problem", "application/problem+json", `{"type": "t", "title": "Not Found", "status": 404, "code": "not_found"}`, 404, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.ctype)
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			defer backend.Close()
			s := &site{logs: &lockedBuffer{}}
			url := s.proxyTo(t, backend.URL)
			resp, err := http.Get(url + rolesPath)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.TrimSpace(string(b)) != tc.body {
				t.Errorf("the proxy changed the body: %s", b)
			}
			if got := len(s.Violations()) > 0; got != tc.want {
				t.Errorf("violation recorded: %v, want %v (%v)", got, tc.want, s.Violations())
			}
		})
	}
}
