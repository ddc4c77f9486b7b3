package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rosterhq/roster/client"
)

// TestDryRun runs plan's dry run against a stand-in for the bulk endpoint,
// since this server does not offer dry runs yet: a server that does gives
// the impact, one that refuses dry_run gives none and no error, and an
// operation the dry run rejects fails the plan naming it.
func TestDryRun(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		answer     string
		wantImpact int  // users in the impact; -1: no impact
		wantFailed int  // operation index of an opFailure; -1: none
		wantErr    bool // another error
	}{
		{"impact", 200, `{"committed": false, "revision": 3, "results": [{"status": 201}], "impact": [{"user_id": "usr_1", "gained": ["docs:read"], "lost": []}]}`, 1, -1, false},
		{"no dry run yet", 400, `{"type": "about:blank", "title": "Bad Request", "status": 400, "code": "validation_error", "detail": "dry_run: is not offered yet", "errors": [{"field": "dry_run", "message": "is not offered yet"}]}`, -1, -1, false},
		{"other 400", 400, `{"type": "about:blank", "title": "Bad Request", "status": 400, "code": "validation_error", "errors": [{"field": "operations", "message": "too many"}]}`, -1, -1, true},
		{"operation would fail", 200, `{"committed": false, "revision": 3, "results": [{"status": 400, "body": {"type": "about:blank", "title": "Bad Request", "status": 400, "code": "validation_error", "errors": [{"field": "permissions[0]", "message": "bad"}]}}]}`, -1, 0, false},
		{"results miscounted", 200, `{"committed": false, "revision": 3, "results": []}`, -1, -1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got struct {
				Atomic, DryRun bool
				Key            string
			}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var body struct {
					Atomic bool `json:"atomic"`
					DryRun bool `json:"dry_run"`
				}
				data, _ := io.ReadAll(r.Body)
				_ = json.Unmarshal(data, &body)
				got.Atomic, got.DryRun, got.Key = body.Atomic, body.DryRun, r.Header.Get("Idempotency-Key")
				ct := "application/json"
				if tt.status >= 400 {
					ct = "application/problem+json"
				}
				w.Header().Set("Content-Type", ct)
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.answer)
			}))
			defer srv.Close()
			c, err := client.New(srv.URL, "token")
			if err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			p := &planRun{cf: &clientFlags{name: "roster plan", tenant: "acme", output: "table"}, e: &cliEnv{getenv: env(nil), stderr: &stderr}, c: c,
				changes: []change{{Sign: "+", Text: "role bad", Op: op("POST", "/roles", map[string]any{"name": "bad"})}}}
			a, err := p.dryRun(context.Background())
			if !got.Atomic || !got.DryRun || !strings.HasPrefix(got.Key, "roster-apply-") {
				t.Errorf("request: atomic %v, dry_run %v, Idempotency-Key %q", got.Atomic, got.DryRun, got.Key)
			}
			var f *opFailure
			switch {
			case tt.wantFailed >= 0:
				if !errors.As(err, &f) || f.index != tt.wantFailed || !f.dryRun {
					t.Fatalf("err %v, want operation %d failing", err, tt.wantFailed)
				}
				p.failOp(err)
				wantContains(t, "stderr", stderr.String(), "the dry run says operation 1 would fail: + role bad", "  permissions[0]: bad")
			case tt.wantErr:
				if err == nil || errors.As(err, &f) {
					t.Errorf("err %v, want an error", err)
				}
			case err != nil:
				t.Fatal(err)
			case tt.wantImpact < 0 && a != nil:
				t.Errorf("impact %+v, want none", a)
			case tt.wantImpact >= 0 && (a == nil || len(a.Impact) != tt.wantImpact):
				t.Errorf("impact %+v, want %d users", a, tt.wantImpact)
			}
		})
	}
}
