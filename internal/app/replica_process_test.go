package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rosterhq/roster/internal/app"
	"github.com/rosterhq/roster/internal/store/pgtest"
)

// A replica is this test binary run again as `roster serve`: a separate
// process with its own connection pool, engines and token cache, as in
// production, without building the real binary first.
const (
	envReplicaDB   = "ROSTER_TEST_REPLICA_DB"
	envReplicaPoll = "ROSTER_TEST_REPLICA_POLL"
	// envReplicaVerify sets the replica's verification interval (empty:
	// the default).
	envReplicaVerify = "ROSTER_TEST_REPLICA_VERIFY"
	replicaToken     = "op-replica-test-secret-0123456789"
	// envReplicaCrashKey: the replica kills itself (SIGKILL) right after
	// committing a write sent with this Idempotency-Key, before answering.
	envReplicaCrashKey = "ROSTER_TEST_REPLICA_CRASH_KEY"
)

func TestMain(m *testing.M) {
	if dsn := os.Getenv(envReplicaDB); dsn != "" {
		os.Exit(serveReplica(dsn))
	}
	os.Exit(pgtest.Main(m))
}

// serveReplica runs one Roster on dsn until SIGTERM, printing its URL first.
func serveReplica(dsn string) int {
	poll, _ := time.ParseDuration(os.Getenv(envReplicaPoll))
	verify, _ := time.ParseDuration(os.Getenv(envReplicaVerify))
	cfg := app.Config{Addr: "127.0.0.1:0", DB: dsn, BootstrapToken: replicaToken, PollInterval: poll, VerifyInterval: verify}
	if crash := os.Getenv(envReplicaCrashKey); crash != "" {
		cfg.AfterIdempotentCommit = func(key string) {
			if key == crash {
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {} // the signal is on its way: answer nothing
			}
		}
	}
	m := app.New(cfg)
	if err := m.Run(context.Background()); err != nil {
		fmt.Println("ERROR", err)
		return 1
	}
	fmt.Println("URL", m.URL())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	select {
	case <-sig:
	case err := <-m.Err():
		fmt.Fprintln(os.Stderr, "serve:", err)
	}
	if err := m.Close(); err != nil {
		return 1
	}
	return 0
}

// replica is a running replica process.
type replica struct {
	t    *testing.T
	name string
	url  string
	cmd  *exec.Cmd
}

// startReplicas starts one process per name at once (so they also race to
// migrate) and waits until each serves. poll is each one's poll interval
// ("" for the default, "-1s" for none).
func startReplicas(t *testing.T, dsn string, polls map[string]string) map[string]*replica {
	t.Helper()
	return startReplicasEnv(t, dsn, polls)
}

// startReplicasEnv is startReplicas with extra environment (NAME=value)
// for every replica.
func startReplicasEnv(t *testing.T, dsn string, polls map[string]string, env ...string) map[string]*replica {
	t.Helper()
	out := map[string]*replica{}
	urls := map[string]chan string{}
	for name, poll := range polls {
		// application_name lets the test find (and cut) one replica's connections.
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		cmd.Env = append(append(os.Environ(), envReplicaDB+"="+dsn+sep+"application_name=replica-"+name, envReplicaPoll+"="+poll), env...)
		cmd.Stderr = os.Stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		r := &replica{t: t, name: name, cmd: cmd}
		out[name] = r
		t.Cleanup(r.stop)
		ch := make(chan string, 1)
		urls[name] = ch
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if line := sc.Text(); strings.HasPrefix(line, "URL ") || strings.HasPrefix(line, "ERROR ") {
					ch <- line
				}
			}
			close(ch)
			_, _ = io.Copy(io.Discard, stdout)
		}()
	}
	for name, ch := range urls {
		select {
		case line := <-ch:
			url, ok := strings.CutPrefix(line, "URL ")
			if !ok {
				t.Fatalf("replica %s: %s", name, line)
			}
			out[name].url = url
		case <-time.After(30 * time.Second):
			t.Fatalf("replica %s did not start", name)
		}
	}
	return out
}

func (r *replica) stop() {
	if r.cmd.ProcessState != nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = r.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = r.cmd.Process.Kill()
		<-done
	}
}

var replicaHTTP = &http.Client{Timeout: 10 * time.Second}

// call sends a JSON request and decodes a JSON answer into out (if not nil),
// returning the status and the Roster-Revision header.
func (r *replica) call(token, method, path string, body, out any) (int, string) {
	r.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			r.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, r.url+path, rd)
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := replicaHTTP.Do(req)
	if err != nil {
		r.t.Fatalf("%s %s %s: %v", r.name, method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			r.t.Fatalf("%s %s %s: %v: %s", r.name, method, path, err, data)
		}
	}
	return resp.StatusCode, resp.Header.Get("Roster-Revision")
}

// must is call that fails the test unless the status is want.
func (r *replica) must(want int, token, method, path string, body, out any) string {
	r.t.Helper()
	got, rev := r.call(token, method, path, body, out)
	if got != want {
		r.t.Fatalf("%s: %s %s: status %d, want %d", r.name, method, path, got, want)
	}
	return rev
}

// allowed asks r whether user holds perm, at minRev when it is not "".
func (r *replica) allowed(token, tenant, user, perm, minRev string) bool {
	r.t.Helper()
	path := "/v1/tenants/" + tenant + "/check"
	if minRev != "" {
		path += "?min_revision=" + minRev
	}
	var res struct {
		Allowed bool `json:"allowed"`
	}
	r.must(http.StatusOK, token, http.MethodPost, path, map[string]string{"user_id": user, "permission": perm}, &res)
	return res.Allowed
}

// within polls cond until it holds, failing after limit; it returns how
// long that took.
func within(t *testing.T, limit time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
	took := time.Since(start)
	t.Logf("%s: %v", what, took.Round(time.Millisecond))
	return took
}
