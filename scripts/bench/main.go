// Command bench is Roster's load benchmark (`make bench`; issues #3,
// "Performance", and #20, "Read path close to the limit"). It seeds one
// tenant of a realistic shape into a fresh SQLite file, runs the
// application on it (internal/app, what `roster serve` runs, with its JSON
// access log) in a process of its own, next to a bare echo handler (the
// framework's ceiling on this machine) in another, and measures over
// keep-alive HTTP on loopback:
//
//   - POST /check (half allowed, half denied), the same checks as AuthZEN
//     evaluations (POST .../access/v1/evaluation) and GET
//     /users/{id}/permissions at concurrency 16 and 64, in rounds
//     interleaved with the echo baseline's (rounds.go): requests/s, p50,
//     p99, the ratios of throughput and p99 to the baseline's, AuthZEN's
//     throughput to /check's, and the CPU time per request of the server's
//     process and of the load generator;
//   - POST /check/batch with 1000 checks;
//   - a role assignment through the API followed by a check with
//     min_revision = the write's Roster-Revision: the check must see it;
//   - an identity provider's initial sync through SCIM into a fresh tenant
//     (10,000 users and 100 groups by default; target 30 s on SQLite).
//
// Every answer is compared with the benchmark's own model of the tenant, so a
// fast wrong answer counts as a failure. The process exits 1 if any request
// failed or answered wrongly; the targets are reported, not enforced.
//
//	go run ./scripts/bench                 # the full run, about three minutes
//	go run ./scripts/bench -quick          # a smoke run of a few seconds
//	go run ./scripts/bench -reads-only -concurrency 64 -profile /tmp/prof
//	                                       # the read phases, then CPU and allocation profiles of Roster
//	go run ./scripts/bench -duration 10s -users 20000
//	go run ./scripts/bench -db postgres    # the same on PostgreSQL (make bench DB=postgres)
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// The load phases, run in this order at each concurrency (the decision
// phases, check and AuthZEN, are listed in decisionAPIs).
const (
	phaseEcho        = "echo baseline POST"
	phaseCheck       = "POST /check"
	phaseAuthzen     = "POST AuthZEN evaluation"
	phasePermissions = "GET /users/{id}/permissions"
)

type options struct {
	duration    time.Duration
	users       int
	quick       bool
	concurrency []int
	seed        uint64
	seedWorkers int
	batches     int
	writes      int
	db          string
	writers     int
	bulkUsers   int
	dryHolders  int
	scimUsers   int
	scimGroups  int
	readsOnly   bool
	profileDir  string
}

func parseFlags() options {
	var o options
	var conc string
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "measured time of each load phase (each also gets a short warm-up)")
	flag.IntVar(&o.users, "users", 10000, "users in the tenant (-quick has 300)")
	flag.BoolVar(&o.quick, "quick", false, "smoke run: a tiny tenant and short phases")
	flag.StringVar(&conc, "concurrency", "16,64", "comma-separated numbers of concurrent workers, one run of every phase each")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of the dataset (the load's random picks are not seeded)")
	flag.IntVar(&o.seedWorkers, "seed-workers", 4, "goroutines creating users while seeding")
	flag.IntVar(&o.batches, "batches", 50, "measured POST /check/batch requests of 1000 checks")
	flag.IntVar(&o.writes, "writes", 100, "write-to-visibility iterations")
	flag.StringVar(&o.db, "db", "sqlite", "backend: sqlite (a temp file) or postgres ($"+envPostgres+", else a throwaway local server)")
	flag.IntVar(&o.writers, "writers", 32, "concurrent writers in the write-throughput phase")
	flag.IntVar(&o.bulkUsers, "bulk-users", 10000, "users (two roles each) created by each of the bulk phase's two POST /bulk (-quick has 500)")
	flag.IntVar(&o.dryHolders, "dry-run-holders", 10000, "holders of the role the dry-run phase takes a permission off (-quick has 500)")
	flag.IntVar(&o.scimUsers, "scim-users", 10000, "users of the SCIM initial sync (-quick has 300)")
	flag.IntVar(&o.scimGroups, "scim-groups", 100, "groups of the SCIM initial sync (-quick has 10)")
	flag.BoolVar(&o.readsOnly, "reads-only", false, "run the read load phases only (no batch, writes, bulk, dry run or SCIM)")
	flag.StringVar(&o.profileDir, "profile", "", "after the load phases, run each Roster phase once more saving a CPU profile of the Roster process into this directory")
	flag.Parse()
	if o.db != "sqlite" && o.db != "postgres" {
		fmt.Fprintf(os.Stderr, "bench: -db must be sqlite or postgres, not %q\n", o.db)
		os.Exit(2)
	}
	for _, f := range strings.Split(conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "bench: bad -concurrency %q\n", conc)
			os.Exit(2)
		}
		o.concurrency = append(o.concurrency, n)
	}
	if o.quick {
		o.duration, o.batches, o.writes = min(o.duration, 500*time.Millisecond), min(o.batches, 5), min(o.writes, 10)
		o.bulkUsers = min(o.bulkUsers, 500)
		o.dryHolders = min(o.dryHolders, 500)
		o.scimUsers, o.scimGroups = min(o.scimUsers, 300), min(o.scimGroups, 10)
	}
	return o
}

func main() {
	if runChild() {
		return
	}
	o := parseFlags()
	failed, err := run(o)
	stopPostgres()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if failed {
		fmt.Println("\nFAIL: some requests failed or answered wrongly (see above)")
		os.Exit(1)
	}
}

// run does the whole benchmark and prints the report; failed is true when a
// request errored or an answer was wrong.
func run(o options) (failed bool, err error) {
	ctx := context.Background()
	sz := fullSize(o.users)
	if o.quick {
		sz = quickSize()
	}
	fmt.Println("Roster load benchmark")
	fmt.Printf("machine: %s/%s, %d CPUs (GOMAXPROCS %d), %s, %s\n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), cpuModel(), runtime.Version())
	fmt.Println("Roster, the echo baseline and the load generator are three processes sharing these CPUs; all traffic is on 127.0.0.1")

	// 1. Seed.
	dir, err := os.MkdirTemp("", "roster-bench-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(dir)
	st, dsn, err := openStore(ctx, dir, o.db)
	if err != nil {
		return false, err
	}

	p := makePlan(sz, o.seed)
	start := time.Now()
	s, err := seed(ctx, st, p, o.seedWorkers)
	// Seeding is done with its own store, closed before the application
	// opens the database: the server under test then starts on it as a
	// restarted `roster serve` would, with nothing shared with the seeder.
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return false, err
	}
	globalDirect, scopedDirect, groupGrants, memberships := p.counts()
	fmt.Printf("\ndataset: %d users, %d roles (inheritance depth up to %d), %d direct assignments (%d global, %d organization-scoped),\n",
		sz.Users, sz.Roles, p.maxDepth(), globalDirect+scopedDirect, globalDirect, scopedDirect)
	fmt.Printf("         %d groups (%d memberships, %d group roles), %d organizations; revision %d\n",
		sz.Groups, memberships, groupGrants, sz.Orgs, s.revision)
	fmt.Printf("seeded through rbac.Store into %s in %s (%d goroutines for users)\n", o.db, round(time.Since(start)), o.seedWorkers)
	for _, t := range s.timings {
		fmt.Printf("  %-40s %s\n", t.stage, round(t.took))
	}

	// 2. Serve Roster and the baseline, each in a process of its own.
	roster, operator, err := startRoster(dsn, dir)
	if err != nil {
		return false, err
	}
	defer roster.close()
	baseline, err := startChild("echo", dir)
	if err != nil {
		return false, err
	}
	defer baseline.close()

	a := newAPI(roster.URL)
	rng := rand.New(rand.NewPCG(o.seed, uint64(time.Now().UnixNano())))
	verified := verifyPermissions(a, s.checkerToken, p, s, rng, min(200, sz.Users))
	fmt.Printf("\nreference check: GET permissions of %d random users against the dataset: %d agree",
		min(200, sz.Users), len(verified.latencies))
	if verified.errors > 0 {
		failed = true
		fmt.Printf(", %d do not; first: %s", verified.errors, verified.firstErr)
	}
	fmt.Println()

	// 3-4. Load phases.
	pl := requestPools(p, s, rng, roster.URL, baseline.URL)
	phases := []phase{{name: phaseEcho, pool: pl.echoes, baseline: true, server: baseline}}
	for i := range decisionAPIs {
		d := &decisionAPIs[i]
		phases = append(phases, phase{name: d.name, pool: pl.decisions[i], token: s.checkerToken, decision: d, server: roster})
	}
	phases = append(phases, phase{name: phasePermissions, pool: pl.perms, token: s.checkerToken, server: roster})
	warmup := min(time.Second, o.duration/5)
	fmt.Printf("\nload: each phase %s in %d rounds interleaved with the other phases' (the first after a %s warm-up, the others %s);\n",
		o.duration, loadRounds(o.duration), warmup, roundWarmup)
	fmt.Println("      one keep-alive connection per worker")
	logBefore, _ := roster.logLines(accessLogMark)
	cpuBefore := sampleCPU(roster, baseline)
	outcomes := runLoad(phases, o.concurrency, o.duration, warmup)
	cpuAfter := sampleCPU(roster, baseline)
	rss, peak := memory("self")
	if printLoadTable(outcomes) {
		failed = true
	}
	var profiled []outcome
	if o.profileDir != "" {
		if err := os.MkdirAll(o.profileDir, 0o755); err != nil {
			return false, err
		}
		profiled = profileLoad(phases, o.concurrency, o.duration, warmup, o.profileDir)
	}
	printAccessLog(roster, logBefore, append(outcomes, profiled...))
	printProfiles(profiled)
	if share := othersShare(cpuBefore, cpuAfter); share >= 0 {
		fmt.Printf("other processes used %.0f%% of the machine's CPU time during the phases", 100*share)
		if share > 0.05 {
			fmt.Print(" (the figures above are noisy: rerun on a quiet machine)")
		}
		fmt.Println()
	}
	fmt.Printf("\nload generator's RSS after loading: %s (peak %s; Go heap in use after a GC: %s); Roster's RSS: %s\n",
		rss, peak, heapInUse(), childRSS(roster))
	if o.readsOnly {
		printTargets(outcomes, probeResult{}, visibilityResult{})
		return failed, nil
	}

	// 5. Batch and write-to-visibility.
	batch := batchProbe(a, s.checkerToken, p, s, rng, o.batches, 1000)
	fmt.Printf("\nPOST /check/batch, 1000 checks, %d requests one at a time: p50 %s, p99 %s, errors %d\n",
		len(batch.latencies), ms(percentile(batch.latencies, 50)), ms(percentile(batch.latencies, 99)), batch.errors)
	if batch.errors > 0 {
		failed = true
		fmt.Println("  first error:", batch.firstErr)
	}

	vis := visibilityProbe(a, p, s, rng, min(o.writes, sz.Users))
	fmt.Printf("\nwrite-to-visibility, %d iterations: POST /users/{id}/roles, then POST /check?min_revision=<its Roster-Revision>\n", vis.tried)
	fmt.Printf("  write:             p50 %s, p99 %s\n", ms(percentile(vis.writes.latencies, 50)), ms(percentile(vis.writes.latencies, 99)))
	fmt.Printf("  check after write: p50 %s, p99 %s\n", ms(percentile(vis.checks.latencies, 50)), ms(percentile(vis.checks.latencies, 99)))
	fmt.Printf("  the check saw the write (allowed=true): %d/%d\n", vis.visible, vis.tried)
	for _, r := range []probeResult{vis.writes, vis.checks} {
		if r.errors > 0 {
			failed = true
			fmt.Println("  first error:", r.firstErr)
		}
	}

	// 6. Write throughput.
	wr, err := writeThroughput(roster.URL, s, o.writers, o.duration)
	if err != nil {
		return failed, err
	}
	fmt.Printf("\nwrite throughput (%s): %d writers, POST /users/{id}/roles (each a new assignment, one tenant) for %s:\n",
		o.db, wr.writers, round(wr.took))
	fmt.Printf("  %.0f assignments/s, p50 %s, p99 %s, errors %d\n", wr.perSecond(),
		ms(percentile(wr.latencies, 50)), ms(percentile(wr.latencies, 99)), wr.errors)
	if wr.errors > 0 {
		failed = true
		fmt.Println("  first error:", wr.firstErr)
	}

	// 7. Bulk.
	bulk, err := bulkLoad(roster.URL, s, o.bulkUsers)
	if err != nil {
		return failed, err
	}
	fmt.Printf("\nbulk (%s): POST /bulk creating %d users with 2 roles each, one request:\n", o.db, o.bulkUsers)
	for _, b := range bulk {
		mode := "non-atomic"
		if b.atomic {
			mode = "atomic"
		}
		fmt.Printf("  %-10s %s (%.0f users/s), operations not 201: %d\n", mode, round(b.took), float64(b.users)/b.took.Seconds(), b.failed)
		if b.failed > 0 {
			failed = true
		}
	}

	// 8. What-if (bulk_dryrun's figure).
	dry, err := dryRunPhase(roster.URL, s, o.dryHolders, 5)
	if err != nil {
		return failed, err
	}
	verdict := "met"
	if dry.latencies[len(dry.latencies)-1] > dryRunTarget {
		verdict = "MISSED"
	}
	fmt.Printf("\ndry run (%s): POST /bulk dry_run taking one permission off a role held by %d users, %d runs:\n", o.db, dry.holders, len(dry.latencies))
	fmt.Printf("  p50 %s, max %s (target: at most %s at 10,000 holders: %s); impact entries %d\n", ms(percentile(dry.latencies, 50)),
		ms(dry.latencies[len(dry.latencies)-1]), dryRunTarget, verdict, dry.impact)
	if dry.wrong {
		failed = true
		fmt.Println("  an answer was not the expected impact (every holder losing exactly the permission, nothing committed)")
	}

	// 9. SCIM initial sync.
	sync, err := scimSync(roster.URL, operator, o.scimUsers, o.scimGroups, scimWorkers)
	if err != nil {
		return failed, err
	}
	sync.print(o.db)
	if sync.errors > 0 {
		failed = true
	}

	printTargets(outcomes, batch, vis)
	return failed, nil
}
