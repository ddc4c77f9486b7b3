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
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rosterhq/roster/internal/app"
	"github.com/rosterhq/roster/internal/auth"
	"github.com/rosterhq/roster/internal/store/gormstore"
)

// openStore creates a fresh database, migrated, for seeding: a SQLite file
// in dir, or a PostgreSQL database (see postgresDSN). dsn is where it is, for
// startRoster.
func openStore(ctx context.Context, dir, db string) (st *gormstore.Store, dsn string, err error) {
	dsn = "sqlite:" + filepath.Join(dir, "roster.db")
	if db == "postgres" {
		if dsn, err = postgresDSN(); err != nil {
			return nil, "", err
		}
	}
	if st, err = gormstore.Open(ctx, dsn); err != nil {
		return nil, "", err
	}
	if err := st.Migrate(ctx); err != nil {
		_ = st.Close()
		return nil, "", err
	}
	return st, dsn, nil
}

// startRoster runs the application itself on the seeded database, as
// `roster serve` would: the same store, engines, revision poller, middleware,
// token authentication and http.Server limits (internal/app), so the figures
// cannot drift from what is deployed. The only departures:
//   - the operator secret is a random one, used only to make the SCIM
//     phase's fresh tenant;
//   - logs below WARN are dropped, as a log shipper's cost is not the
//     service's (the request log is INFO), while a 5xx or an engine repair
//     still shows on stderr;
//   - the periodic engine verification is off: it is a background repair
//     whose cost `roster serve` spreads over 10 minutes, and a round landing
//     inside one phase of a long run would skew that phase alone.
//
// The rate limit is off, as `roster serve`'s default is.
func startRoster(ctx context.Context, dsn string) (m *app.Main, operator string, err error) {
	operator, _ = auth.NewSecret()
	m = app.New(app.Config{
		Addr:           "127.0.0.1:0",
		DB:             dsn,
		BootstrapToken: operator,
		VerifyInterval: -1,
		Logger:         slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Stderr:         io.Discard,
	})
	if err := m.Run(ctx); err != nil {
		return nil, "", err
	}
	go func() {
		if err := <-m.Err(); err != nil {
			fmt.Fprintln(os.Stderr, "bench: roster stopped:", err)
		}
	}()
	return m, operator, nil
}

// baselinePath is where the echo baseline answers.
const baselinePath = "/baseline"

// baselineBody is about the size of a check's answer.
var baselineBody = []byte(`{"allowed":true,"matched":{"role_id":"role_r042","permission":"res17:read"},"revision":12345}`)

// baseline is the echo baseline's server on a loopback port.
type baseline struct {
	URL string
	srv *http.Server
}

// startBaseline serves the framework's ceiling: a bare echo that reads the
// request body and answers a fixed JSON body, with no middleware and no
// server limits (it is not Roster, and only this process talks to it).
func startBaseline() (*baseline, error) {
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
		return nil, err
	}
	srv := &http.Server{Handler: e}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "bench: baseline stopped:", err)
		}
	}()
	return &baseline{URL: "http://" + ln.Addr().String(), srv: srv}, nil
}

func (b *baseline) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = b.srv.Shutdown(ctx)
}

// memory reads the process's resident set (VmRSS) and its peak (VmHWM)
// from /proc/self/status, as "123.4 MiB"; "n/a" where there is no /proc.
func memory() (rss, peak string) {
	rss, peak = "n/a", "n/a"
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		switch key {
		case "VmRSS":
			rss = kibToMiB(val)
		case "VmHWM":
			peak = kibToMiB(val)
		}
	}
	return
}

func kibToMiB(v string) string {
	fields := strings.Fields(v) // "123456 kB"
	if len(fields) == 0 {
		return "n/a"
	}
	kib, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MiB", kib/1024)
}

// heapInUse is the Go heap in use after a collection: the live data of the
// server (snapshot, caches) and of the load generator (its request pools).
func heapInUse() string {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return fmt.Sprintf("%.1f MiB", float64(m.HeapInuse)/(1<<20))
}

// cpuTimes samples the machine's CPU time, busy and total, and this
// process's, all in clock ticks (/proc/stat, /proc/self/stat); ok is false
// where there is no /proc.
type cpuTimes struct {
	busy, total, self float64
	ok                bool
}

func sampleCPU() cpuTimes {
	stat, err1 := os.ReadFile("/proc/stat")
	self, err2 := os.ReadFile("/proc/self/stat")
	if err1 != nil || err2 != nil {
		return cpuTimes{}
	}
	line, _, _ := strings.Cut(string(stat), "\n") // "cpu  user nice system idle iowait irq softirq steal …"
	fields := strings.Fields(line)
	var t cpuTimes
	for i, f := range fields[1:min(len(fields), 9)] { // guest time is already in user time
		v, _ := strconv.ParseFloat(f, 64)
		t.total += v
		switch i {
		case 0, 1, 2, 7: // user, nice, system, steal (the hypervisor's other guests)
			t.busy += v
		}
		// idle and iowait are not busy; irq and softirq are left out as
		// loopback traffic is largely this process's own softirq work.
	}
	// After the ")" that ends the command name: state is field 3, utime 14, stime 15.
	_, rest, _ := strings.Cut(string(self), ") ")
	if sf := strings.Fields(rest); len(sf) > 12 {
		utime, _ := strconv.ParseFloat(sf[11], 64)
		stime, _ := strconv.ParseFloat(sf[12], 64)
		t.self = utime + stime
	}
	t.ok = t.total > 0
	return t
}

// othersShare is the share of the machine's CPU time that other processes
// used between two samples, -1 if unknown.
func othersShare(from, to cpuTimes) float64 {
	if !from.ok || !to.ok || to.total <= from.total {
		return -1
	}
	others := (to.busy - from.busy) - (to.self - from.self)
	return max(others, 0) / (to.total - from.total)
}
