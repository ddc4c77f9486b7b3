package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rosterhq/roster/internal/app"
	"github.com/rosterhq/roster/internal/logbuf"
	"github.com/rosterhq/roster/internal/logjson"
)

// The servers under test run as child processes of the benchmark, this same
// binary started again with envChild naming the role: so each has a process
// of its own whose CPU time can be read (/proc/PID/stat) and divided by the
// requests it answered, and the load generator's garbage collector does
// not run in the server's process, as it does not in production.
const (
	envChild      = "ROSTER_BENCH_CHILD" // "roster" or "echo"
	envChildDSN   = "ROSTER_BENCH_DSN"
	envChildToken = "ROSTER_BOOTSTRAP_TOKEN"
)

// runChild serves the role envChild names, if any, and reports whether it
// did: main returns at once when it did.
func runChild() bool {
	role := os.Getenv(envChild)
	if role == "" {
		return false
	}
	var err error
	switch role {
	case "roster":
		err = serveRoster(os.Getenv(envChildDSN))
	case "echo":
		err = serveEcho()
	default:
		err = fmt.Errorf("unknown %s %q", envChild, role)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench child:", err)
		os.Exit(1)
	}
	return true
}

// serveRoster runs the application itself on the seeded database, as
// `roster serve` would: the same store, engines, revision poller, middleware,
// token authentication, http.Server limits (internal/app) and JSON log at
// INFO on stderr, batched, one access-log line per request, the same
// garbage collector target (app.TuneGC), so the figures cannot
// drift from what is deployed (the parent sends stderr to a file). The only
// departures: the periodic engine verification is off (a background repair
// whose cost `roster serve` spreads over 10 minutes, and a round landing
// inside one phase would skew that phase alone), and a pprof endpoint on a
// second loopback port, for -profile.
func serveRoster(dsn string) error {
	out := logbuf.New(os.Stderr, 100*time.Millisecond) // as server/cmd/roster's serve
	defer out.Close()
	log := slog.New(logbuf.FlushAt(logjson.New(out, nil), out, slog.LevelWarn))
	app.TuneGC(os.Getenv) // as serve
	m := app.New(app.Config{
		Addr:           "127.0.0.1:0",
		DB:             dsn,
		BootstrapToken: os.Getenv(envChildToken),
		VerifyInterval: -1,
		Logger:         log,
		Stderr:         io.Discard,
	})
	if err := m.Run(context.Background()); err != nil {
		return err
	}
	pprofURL, err := servePprof()
	if err != nil {
		return err
	}
	fmt.Printf("url=%s pprof=%s\n", m.URL(), pprofURL)
	return waitForParent(m.Err())
}

// serveEcho serves the framework's ceiling: a bare echo that reads the
// request body and answers a fixed JSON body, with no middleware and no
// server limits.
func serveEcho() error {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.POST(baselinePath, func(c echo.Context) error {
		if _, err := io.Copy(io.Discard, c.Request().Body); err != nil {
			return err
		}
		return c.JSONBlob(http.StatusOK, baselineBody)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- http.Serve(ln, e) }()
	fmt.Printf("url=http://%s pprof=\n", ln.Addr())
	return waitForParent(errc)
}

// servePprof serves net/http/pprof on a loopback port of its own, away from
// the application's routes.
func servePprof() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.Handle("/debug/pprof/allocs", pprof.Handler("allocs"))
	go func() { _ = http.Serve(ln, mux) }()
	return "http://" + ln.Addr().String(), nil
}

// waitForParent returns when the parent closes stdin (it ended, however it
// ended) or the server fails.
func waitForParent(serveErr <-chan error) error {
	closed := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(closed)
	}()
	select {
	case <-closed:
		return nil
	case err := <-serveErr:
		return err
	}
}

// child is a server under test running in its own process.
type child struct {
	name     string
	URL      string
	pprofURL string
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	logPath  string // its stderr
}

// startChild starts this binary again as role and waits for its address.
func startChild(role, dir string, env ...string) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	c := &child{name: role, logPath: filepath.Join(dir, role+".log")}
	logFile, err := os.Create(c.logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	c.cmd = exec.Command(self)
	c.cmd.Env = append(os.Environ(), append(env, envChild+"="+role)...)
	c.cmd.Stderr = logFile
	if c.stdin, err = c.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := c.cmd.Start(); err != nil {
		return nil, err
	}
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			line <- sc.Text()
		}
		close(line)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case l, ok := <-line:
		if !ok {
			c.close()
			return nil, fmt.Errorf("%s server did not start: %s", role, c.logTail())
		}
		for _, f := range strings.Fields(l) {
			if k, v, _ := strings.Cut(f, "="); k == "url" {
				c.URL = v
			} else if k == "pprof" {
				c.pprofURL = v
			}
		}
	case <-time.After(2 * time.Minute):
		c.close()
		return nil, fmt.Errorf("%s server did not start within 2 minutes", role)
	}
	return c, nil
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// close ends the child (closing its stdin) and waits for it.
func (c *child) close() {
	_ = c.stdin.Close()
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}

// logTail is the end of the child's stderr, for error messages.
func (c *child) logTail() string {
	b, _ := os.ReadFile(c.logPath)
	return truncateStart(string(b), 2000)
}

// logLines counts the lines of the child's stderr holding s, once those
// written up to now are out (the log is written in batches at most 100 ms
// apart).
func (c *child) logLines(s string) (int, error) {
	time.Sleep(300 * time.Millisecond)
	f, err := os.Open(c.logPath)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), s) {
			n++
		}
	}
	return n, sc.Err()
}

// profile fetches a CPU profile of the child over d into path, and one of
// the allocations made meanwhile into path's name with .allocs before the
// extension.
func (c *child) profile(path string, d time.Duration) error {
	if c.pprofURL == "" {
		return errors.New("no pprof endpoint")
	}
	allocs := make(chan error, 1)
	go func() {
		allocs <- c.fetchProfile(strings.TrimSuffix(path, ".pprof")+".allocs.pprof", "allocs", d)
	}()
	err := c.fetchProfile(path, "profile", d)
	if aerr := <-allocs; err == nil {
		err = aerr
	}
	return err
}

func (c *child) fetchProfile(path, kind string, d time.Duration) error {
	resp, err := http.Get(fmt.Sprintf("%s/debug/pprof/%s?seconds=%d", c.pprofURL, kind, int(d.Seconds())))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("pprof: %s", resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func truncateStart(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
