package e2e

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/rosterhq/roster/console"
	"github.com/rosterhq/roster/server/servertest"
)

// TestServedOffline checks what /console serves: the page and its assets
// without a token, each under the strict policy, nothing from another
// origin and nothing inline for the policy to have to allow.
func TestServedOffline(t *testing.T) {
	env := servertest.New(t)
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := http.Get(env.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, string(b)
	}
	for _, tc := range []struct {
		path, ctype string
	}{
		{"/console", "text/html; charset=utf-8"},
		{"/console/", "text/html; charset=utf-8"},
		{"/console/app.js", "text/javascript; charset=utf-8"},
		{"/console/app.css", "text/css; charset=utf-8"},
		{"/console/THIRD_PARTY.txt", "text/plain; charset=utf-8"},
	} {
		resp, body := get(tc.path)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != tc.ctype {
			t.Errorf("GET %s: %d %q, want 200 %q", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), tc.ctype)
		}
		if got := resp.Header.Get("Content-Security-Policy"); got != console.CSP {
			t.Errorf("GET %s: Content-Security-Policy %q, want %q", tc.path, got, console.CSP)
		}
		if body == "" {
			t.Errorf("GET %s: empty body", tc.path)
		}
	}
	for _, directive := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(console.CSP, directive) {
			t.Errorf("the console's policy lacks %q", directive)
		}
	}
	if strings.Contains(console.CSP, "unsafe") {
		t.Errorf("the console's policy allows something unsafe: %s", console.CSP)
	}

	_, page := get("/console")
	for _, bad := range []*regexp.Regexp{
		regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`),         // a script with inline code
		regexp.MustCompile(`<script(?:(?:\s(?:defer|async))|\s)*>`), // a script without src
		regexp.MustCompile(`<style`),
		regexp.MustCompile(`\sstyle=`),
		regexp.MustCompile(`\son[a-z]+=`),
		regexp.MustCompile(`(?:src|href)="(?:https?:)?//`),
	} {
		if m := bad.FindString(page); m != "" {
			t.Errorf("/console holds %q: the page must load only this server's files, with nothing inline", m)
		}
	}

	for _, path := range []string{"/console/nope.js", "/console/index.html", "/console/app.js/x", "/consolex"} {
		if resp, _ := get(path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}

	// Compressed for browsers that ask; the bundle stays small.
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/console/app.js", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	gz, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("app.js is not served compressed")
	}
	if len(gz) > 200<<10 {
		t.Errorf("app.js is %d KiB gzipped, over the 200 KiB budget", len(gz)>>10)
	}
}
