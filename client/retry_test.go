package client

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// A write that gets no usable answer is sent again with the same
// Idempotency-Key and the same body; a read gets no key; a 4xx is final.
func TestWithRetries(t *testing.T) {
	type seen struct{ key, body string }
	cases := []struct {
		name     string
		method   string
		answers  []int // the server's statuses in turn; 0 drops the connection
		attempts int
		status   int
	}{
		{"503 then 201", http.MethodPost, []int{503, 201}, 2, 201},
		{"a dropped connection then 201", http.MethodPost, []int{0, 201}, 2, 201},
		{"429 twice then 200", http.MethodPut, []int{429, 429, 200}, 3, 200},
		{"a 409 is an answer", http.MethodPost, []int{409, 201}, 1, 409},
		{"gives up after the retries", http.MethodPost, []int{503, 503, 503, 503, 503}, 4, 503},
		{"a read is retried without a key", http.MethodGet, []int{502, 200}, 2, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var got []seen
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				got = append(got, seen{r.Header.Get("Idempotency-Key"), string(b)})
				n := len(got)
				mu.Unlock()
				status := tc.answers[min(n, len(tc.answers))-1]
				if status == 0 {
					hj, _ := w.(http.Hijacker)
					conn, _, _ := hj.Hijack()
					conn.Close()
					return
				}
				if status == 429 {
					w.Header().Set("Retry-After", "0")
				}
				w.WriteHeader(status)
			}))
			defer srv.Close()
			r := &retrying{next: srv.Client(), retries: 3, sleep: func(context.Context, time.Duration) error { return nil }}
			var body io.Reader
			if tc.method != http.MethodGet {
				body = strings.NewReader(`{"name":"x"}`) // http.NewRequest can send it again (GetBody)
			}
			req, err := http.NewRequest(tc.method, srv.URL, body)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := r.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status || len(got) != tc.attempts {
				t.Fatalf("status %d after %d attempts, want %d after %d", resp.StatusCode, len(got), tc.status, tc.attempts)
			}
			for _, s := range got {
				if tc.method == http.MethodGet {
					if s.key != "" {
						t.Fatalf("a read sent Idempotency-Key %q", s.key)
					}
					continue
				}
				if s.key == "" || s.key != got[0].key || s.body != `{"name":"x"}` {
					t.Fatalf("attempts differ: %+v", got)
				}
			}
		})
	}
}
