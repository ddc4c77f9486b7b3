package main

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// expect is what a response's "allowed" field must be, when it matters.
type expect int8

const (
	anyAnswer expect = iota
	wantAllowed
	wantDenied
)

// request is one prepared request; workers pick them at random from a pool
// built before the clock starts, so the hot loop only sends and reads.
type request struct {
	method string
	url    string
	body   []byte // nil for GET
	want   expect
}

// phase is one measured run: `concurrency` workers sending requests from
// pool back to back, each on its own keep-alive connection, for warmup (not
// recorded: connections, caches) and then duration.
type phase struct {
	name        string
	concurrency int
	warmup      time.Duration
	duration    time.Duration
	token       string // Roster's; the baseline takes none
	baseline    bool
	decision    *decisionAPI // how to read the answers of a pool with expectations
	pool        []request
	server      *child // the process answering, whose CPU time is measured
	profile     string // where to save a CPU profile of server over the measured window; "" for none
}

// outcome is what a phase measured.
type outcome struct {
	phase     phase
	sent      int             // requests sent, warm-up included
	ok        int             // 200 responses in the measured window
	errors    int             // transport failures and non-200 answers
	wrong     int             // 200 answers whose decision was not the expected one
	firstErr  string          // the first error or wrong answer, for the report
	latencies []time.Duration // of the ok responses (a reservoir if there were very many)
	elapsed   time.Duration
	serverCPU time.Duration // CPU time of the server process over the measured window
	clientCPU time.Duration // the same of this process, the load generator
	profErr   error         // why -profile's profile is missing
}

// cpuPerRequest is d over the requests of the measured window.
func (o outcome) cpuPerRequest(d time.Duration) time.Duration {
	n := o.ok + o.errors + o.wrong
	if n == 0 {
		return 0
	}
	return d / time.Duration(n)
}

func (o outcome) rps() float64 { return float64(o.ok) / o.elapsed.Seconds() }

// reservoirSize bounds the latencies one worker keeps (Algorithm R beyond it),
// so memory stays flat however long a phase runs.
const reservoirSize = 1 << 16

// run executes the phase. Every request carries a 10 s client timeout, and
// no worker starts a request after the phase's end, so a phase is bounded.
func (ph phase) run() outcome {
	start := time.Now()
	measureFrom := start.Add(ph.warmup)
	end := measureFrom.Add(ph.duration)

	results := make([]workerResult, ph.concurrency)
	var wg sync.WaitGroup
	var cpu [2][2]float64 // at measureFrom and end: server's, this process's ticks
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i, at := range []time.Time{measureFrom, end} {
			time.Sleep(time.Until(at))
			cpu[i] = [2]float64{processTicks(strconv.Itoa(ph.server.pid())), processTicks("self")}
		}
	}()
	var profErr error
	if ph.profile != "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Until(measureFrom))
			profErr = ph.server.profile(ph.profile, ph.duration)
		}()
	}
	for w := range ph.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[w] = ph.worker(uint64(w), measureFrom, end)
		}()
	}
	wg.Wait()

	out := outcome{phase: ph, elapsed: ph.duration, profErr: profErr,
		serverCPU: time.Duration(cpu[1][0]-cpu[0][0]) * clockTick,
		clientCPU: time.Duration(cpu[1][1]-cpu[0][1]) * clockTick}
	var firstAt time.Time
	for _, r := range results {
		out.sent += r.sent
		out.ok += r.ok
		out.errors += r.errors
		out.wrong += r.wrong
		out.latencies = append(out.latencies, r.latencies...)
		if r.firstErr != "" && (firstAt.IsZero() || r.firstAt.Before(firstAt)) {
			out.firstErr, firstAt = r.firstErr, r.firstAt
		}
	}
	slices.Sort(out.latencies)
	return out
}

type workerResult struct {
	ok, errors, wrong int
	sent              int // requests sent, warm-up included
	seen              int // ok responses offered to the reservoir
	latencies         []time.Duration
	firstErr          string
	firstAt           time.Time
}

func (r *workerResult) fail(format string, args ...any) {
	if r.firstErr == "" {
		r.firstErr, r.firstAt = fmt.Sprintf(format, args...), time.Now()
	}
}

func (r *workerResult) record(rng *rand.Rand, d time.Duration) {
	r.seen++
	if len(r.latencies) < reservoirSize {
		r.latencies = append(r.latencies, d)
	} else if i := rng.IntN(r.seen); i < reservoirSize {
		r.latencies[i] = d
	}
}

// worker sends requests one after another until end on its own client:
// one keep-alive connection, as a service calling Roster would hold.
func (ph phase) worker(id uint64, measureFrom, end time.Time) workerResult {
	transport := &http.Transport{
		MaxIdleConns:        ph.concurrency,
		MaxIdleConnsPerHost: ph.concurrency,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second}
	rng := rand.New(rand.NewPCG(id, uint64(time.Now().UnixNano())))

	// Requests of one worker never overlap, so they can share header maps.
	postHeader := http.Header{"Authorization": {"Bearer " + ph.token}, "Content-Type": {"application/json"}}
	getHeader := http.Header{"Authorization": {"Bearer " + ph.token}}
	var buf bytes.Buffer
	var res workerResult

	for {
		started := time.Now()
		if !started.Before(end) {
			return res
		}
		measured := !started.Before(measureFrom)
		r := &ph.pool[rng.IntN(len(ph.pool))]

		var body io.Reader
		header := getHeader
		if r.body != nil {
			body, header = bytes.NewReader(r.body), postHeader
		}
		req, err := http.NewRequest(r.method, r.url, body)
		if err != nil {
			panic(err) // the pool is built by this program: a bad URL is a bug here
		}
		req.Header = header

		resp, err := client.Do(req)
		if err == nil {
			buf.Reset()
			_, err = buf.ReadFrom(resp.Body)
			resp.Body.Close()
		}
		took := time.Since(started)
		res.sent++
		if !measured {
			continue
		}
		switch {
		case err != nil:
			res.errors++
			res.fail("%s %s: %v", r.method, r.url, err)
		case resp.StatusCode != http.StatusOK:
			res.errors++
			res.fail("%s %s: %s: %s", r.method, r.url, resp.Status, truncate(buf.String(), 300))
		case r.want != anyAnswer && !ph.expected(buf.Bytes(), r.want):
			res.wrong++
			res.fail("%s %s %s: expected %s=%v, got %s", r.method, r.url, r.body, ph.decision.field, r.want == wantAllowed, truncate(buf.String(), 300))
		default:
			res.ok++
			res.record(rng, took)
		}
	}
}

// expected reports whether an answer holds the decision want.
func (ph phase) expected(body []byte, want expect) bool {
	got, ok := ph.decision.decode(body)
	return ok && got == (want == wantAllowed)
}

// percentile of sorted latencies, by the nearest-rank method.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(float64(len(sorted))*p/100)) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
