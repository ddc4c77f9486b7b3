// Package console is Roster's web console: the single-page app that
// console/src holds, bundled by esbuild (console/build.mjs, `make gen`) into
// console/dist, which this package embeds so the binary serves it offline.
//
// The app is static: it signs in with a token kept in the tab's session
// storage and calls the public API from the browser. The server serves it
// without a token, under a Content-Security-Policy that allows only this
// server's own scripts, styles and API (no inline script or style).
package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
	"strings"
	"time"
)

//go:embed dist
var dist embed.FS

// CSP is the policy of every /console answer: the bundle is one script and
// one stylesheet from this server; the app talks only to this server's API.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; manifest-src 'self'; frame-ancestors 'none'; " +
	"base-uri 'none'; form-action 'none'"

// asset is one embedded file, with the ETag browsers revalidate it by (the
// bundle's file names carry no hash, so they must not be cached blindly).
type asset struct {
	body  []byte
	ctype string
	etag  string
}

// assets are the files under /console/, by name; "" is the page itself.
var assets = func() map[string]asset {
	types := map[string]string{
		"index.html":      "text/html; charset=utf-8",
		"app.js":          "text/javascript; charset=utf-8",
		"app.css":         "text/css; charset=utf-8",
		"THIRD_PARTY.txt": "text/plain; charset=utf-8",
	}
	m := make(map[string]asset, len(types)+1)
	for name, ctype := range types {
		b, err := dist.ReadFile("dist/" + name)
		if err != nil {
			panic("console: the bundle lacks " + name + ": run make gen") // a build mistake every test catches
		}
		sum := sha256.Sum256(b)
		m[name] = asset{body: b, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
	}
	m[""] = m["index.html"]
	return m
}()

// Handler serves GET and HEAD of /console, /console/ and /console/{asset};
// anything else under /console is 404.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name, ok := strings.CutPrefix(r.URL.Path, "/console")
		if ok && name != "" {
			name, ok = strings.CutPrefix(name, "/")
		}
		a, found := assets[name]
		if !ok || !found || name == "index.html" {
			http.NotFound(w, r)
			return
		}
		h.Set("Content-Type", a.ctype)
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", a.etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
	})
}
