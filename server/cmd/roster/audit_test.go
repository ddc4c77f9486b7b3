package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestAudit_follow: --follow prints the last events, then each new one
// once, oldest first, as NDJSON with -o json; cancelling ends it with 0.
func TestAudit_follow(t *testing.T) {
	c := newCLI(t, startServer(t))
	c.must("roles", "create", "before")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out safeBuffer
	done := make(chan int, 1)
	go func() {
		code, _ := runCommand(ctx, []string{"audit", "--follow", "--limit", "1", "--interval", "100ms", "-o", "json"},
			&cliEnv{getenv: env(c.env), stdin: strings.NewReader(""), stdout: &out, stderr: &out})
		done <- code
	}()
	want := []string{"role_before", "role_a", "role_b", "role_c"}
	waitFor := func(n int) {
		deadline := time.Now().Add(10 * time.Second)
		for strings.Count(out.String(), "\n") < n {
			if time.Now().After(deadline) {
				t.Fatalf("after 10 s, %d lines, want %d:\n%s", strings.Count(out.String(), "\n"), n, out.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor(1)
	c.must("roles", "create", "a")
	c.must("roles", "create", "b")
	waitFor(3)
	c.must("roles", "create", "c")
	waitFor(4)
	time.Sleep(300 * time.Millisecond) // a few more polls: nothing twice
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d after cancel, want 0", code)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), out.String())
	}
	for i, l := range lines {
		var ev struct {
			TargetID string `json:"target_id"`
		}
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("line %d is not JSON: %q", i+1, l)
		}
		if ev.TargetID != want[i] {
			t.Errorf("line %d: target %s, want %s", i+1, ev.TargetID, want[i])
		}
	}
}
