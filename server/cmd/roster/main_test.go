package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestParseServe(t *testing.T) {
	tests := []struct {
		name                      string
		args                      []string
		env                       map[string]string
		wantAddr, wantDB, wantFmt string
		wantToken                 string
		wantVerify                time.Duration
	}{
		{name: "defaults", wantAddr: ":8080", wantDB: "sqlite:roster.db", wantFmt: "json", wantVerify: 10 * time.Minute},
		{
			name:     "environment",
			env:      map[string]string{"ROSTER_ADDR": ":9000", "ROSTER_DB": "sqlite:/tmp/r.db", "ROSTER_BOOTSTRAP_TOKEN": "tok", "ROSTER_VERIFY_INTERVAL": "1h"},
			wantAddr: ":9000", wantDB: "sqlite:/tmp/r.db", wantFmt: "json", wantToken: "tok", wantVerify: time.Hour,
		},
		{
			name:     "flags beat environment",
			args:     []string{"--addr", "127.0.0.1:7000", "-db=sqlite:x.db", "--log-format", "text", "--verify-interval", "0"},
			env:      map[string]string{"ROSTER_ADDR": ":9000", "ROSTER_DB": "sqlite:/tmp/r.db", "ROSTER_VERIFY_INTERVAL": "1h"},
			wantAddr: "127.0.0.1:7000", wantDB: "sqlite:x.db", wantFmt: "text", wantVerify: -1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseServe(tt.args, env(tt.env), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if o.cfg.Addr != tt.wantAddr || o.cfg.DB != tt.wantDB || o.logFormat != tt.wantFmt || o.cfg.BootstrapToken != tt.wantToken {
				t.Errorf("got addr %q db %q format %q token %q; want %q %q %q %q",
					o.cfg.Addr, o.cfg.DB, o.logFormat, o.cfg.BootstrapToken, tt.wantAddr, tt.wantDB, tt.wantFmt, tt.wantToken)
			}
			if o.cfg.VerifyInterval != tt.wantVerify {
				t.Errorf("verify interval %v, want %v (negative: off)", o.cfg.VerifyInterval, tt.wantVerify)
			}
		})
	}
}

func TestRun_usage(t *testing.T) {
	tests := []struct {
		args     []string
		wantCode int
		wantOut  string
	}{
		{nil, 2, "Usage:"},
		{[]string{"help"}, 0, "Usage:"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"serve", "--log-format", "xml"}, 2, "--log-format must be json or text"},
		{[]string{"serve", "--nope"}, 2, "flag provided but not defined: -nope"},
		{[]string{"serve", "extra"}, 2, "unexpected arguments"},
		{[]string{"serve", "--verify-interval", "soon"}, 2, "--verify-interval must be a duration"},
		{[]string{"serve", "--verify-interval", "-5m"}, 2, "--verify-interval must be a duration"},
		{[]string{"serve", "--cors-origins", "*"}, 2, "no wildcard"},
		{[]string{"serve", "-h"}, 0, "-addr"},
		{[]string{"serve", "-h"}, 0, "ROSTER_BOOTSTRAP_TOKEN"},
		{[]string{"help", "serve"}, 0, "ROSTER_VERIFY_INTERVAL"},
		{[]string{"help", "frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"migrate", "--db"}, 2, "flag needs an argument"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		code := run(context.Background(), func() {}, tt.args, env(nil), &out)
		if code != tt.wantCode || !strings.Contains(out.String(), tt.wantOut) {
			t.Errorf("roster %q: exit %d, output %q; want exit %d, output containing %q",
				tt.args, code, out.String(), tt.wantCode, tt.wantOut)
		}
	}
}

// TestRun_shortBootstrapToken: `roster serve` with an operator secret under
// 32 characters exits 1 saying why, before it listens.
func TestRun_shortBootstrapToken(t *testing.T) {
	var out bytes.Buffer
	db := "sqlite:" + filepath.Join(t.TempDir(), "roster.db")
	code := run(context.Background(), func() {}, []string{"serve", "--addr", "127.0.0.1:0", "--db", db},
		env(map[string]string{"ROSTER_BOOTSTRAP_TOKEN": "dev-secret-token"}), &out)
	if code != 1 || !strings.Contains(out.String(), "ROSTER_BOOTSTRAP_TOKEN must be at least 32 characters") {
		t.Errorf("exit %d, output %q; want exit 1 and the reason", code, out.String())
	}
	if strings.Contains(out.String(), "roster listening") || strings.Contains(out.String(), "dev-secret-token") {
		t.Errorf("output %q: listened, or showed the secret", out.String())
	}
}

// TestRun_serveUntilSignal serves on a free port and stops as on SIGTERM:
// the context ends, and run shuts down and answers 0.
func TestRun_serveUntilSignal(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "roster.db")
	if code := run(context.Background(), func() {}, []string{"migrate", "--db", db}, env(nil), io.Discard); code != 0 {
		t.Fatalf("migrate: exit %d", code)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out safeBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, func() {}, []string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--log-format", "text"},
			env(map[string]string{"ROSTER_BOOTSTRAP_TOKEN": "super-secret-token-for-the-serve-test"}), &out)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "roster listening") {
		if time.Now().After(deadline) {
			t.Fatalf("no startup line after 10 s; output: %s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve: exit %d, want 0; output: %s", code, out.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop after the signal")
	}
	log := out.String()
	if !strings.Contains(log, db) || !strings.Contains(log, "roster stopped") {
		t.Errorf("log lacks the database or the stop line: %s", log)
	}
	if strings.Contains(log, "super-secret-token-for-the-serve-test") {
		t.Errorf("log shows the bootstrap token: %s", log)
	}
}

// safeBuffer is a bytes.Buffer that a server goroutine writes while the test reads.
type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
