package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

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

// startRoster starts the application on the seeded database in a child
// process (serveRoster), with a random operator secret, used only to make
// the SCIM phase's fresh tenant. The rate limit is off, as `roster serve`'s
// default is.
func startRoster(dsn, dir string) (c *child, operator string, err error) {
	operator, _ = auth.NewSecret()
	c, err = startChild("roster", dir, envChildDSN+"="+dsn, envChildToken+"="+operator)
	return c, operator, err
}

// baselinePath is where the echo baseline answers.
const baselinePath = "/baseline"

// baselineBody is about the size of a check's answer.
var baselineBody = []byte(`{"allowed":true,"matched":{"role_id":"role_r042","permission":"res17:read"},"revision":12345}`)

// memory reads a process's resident set (VmRSS) and its peak (VmHWM) from
// /proc/PID/status ("self" for this one), as "123.4 MiB"; "n/a" where there
// is no /proc.
func memory(pid string) (rss, peak string) {
	rss, peak = "n/a", "n/a"
	f, err := os.Open("/proc/" + pid + "/status")
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

// childRSS is a server's resident set and its peak.
func childRSS(c *child) string {
	rss, peak := memory(strconv.Itoa(c.pid()))
	return rss + " (peak " + peak + ")"
}

// heapInUse is the Go heap in use after a collection: the load generator's
// live data (its request pools).
func heapInUse() string {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return fmt.Sprintf("%.1f MiB", float64(m.HeapInuse)/(1<<20))
}

// cpuTimes samples the machine's CPU time, busy and total, and that of this
// process and the servers under test, all in clock ticks (/proc/stat,
// /proc/PID/stat); ok is false where there is no /proc.
type cpuTimes struct {
	busy, total, ours float64
	ok                bool
}

func sampleCPU(servers ...*child) cpuTimes {
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
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
	t.ours = processTicks("self")
	for _, c := range servers {
		t.ours += processTicks(strconv.Itoa(c.pid()))
	}
	t.ok = t.total > 0
	return t
}

// clockTick is the unit of /proc's CPU times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// processTicks is the user and system CPU time of process pid ("self" for
// this one) in clock ticks, 0 if unknown.
func processTicks(pid string) float64 {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	// After the ")" that ends the command name: state is field 3, utime 14, stime 15.
	_, rest, _ := strings.Cut(string(b), ") ")
	sf := strings.Fields(rest)
	if len(sf) <= 12 {
		return 0
	}
	utime, _ := strconv.ParseFloat(sf[11], 64)
	stime, _ := strconv.ParseFloat(sf[12], 64)
	return utime + stime
}

// othersShare is the share of the machine's CPU time that other processes
// used between two samples, -1 if unknown.
func othersShare(from, to cpuTimes) float64 {
	if !from.ok || !to.ok || to.total <= from.total {
		return -1
	}
	others := (to.busy - from.busy) - (to.ours - from.ours)
	return max(others, 0) / (to.total - from.total)
}
