package servertest

import (
	"io"
	"net/http"
	"strings"
)

// Do sends a raw request (for bodies the typed client cannot produce, such
// as malformed JSON) and validates the response against the spec.
func (e *Env) Do(method, path, token, body string) (*http.Response, []byte) {
	e.T.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.URL+path, r)
	if err != nil {
		e.T.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Transport: ValidatingTransport{T: e.T}}).Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.T.Fatal(err)
	}
	return resp, b
}
