package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// printLoadTable prints one row per phase, and the first error of each phase
// that had one; it reports whether any phase had errors or wrong answers.
func printLoadTable(outcomes []outcome) (failed bool) {
	fmt.Println()
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\tconcurrency\treq/s\tp50\tp99\terrors\twrong\tvs echo\tp99 vs echo\tserver CPU/req\tclient CPU/req\t")
	for _, o := range outcomes {
		ratio, p99Ratio := "-", "-"
		if b := find(outcomes, phaseEcho, o.phase.concurrency); !o.phase.baseline && b != nil && b.rps() > 0 {
			ratio = fmt.Sprintf("%.2fx", o.rps()/b.rps())
			p99Ratio = fmt.Sprintf("%.2fx", float64(percentile(o.latencies, 99))/float64(percentile(b.latencies, 99)))
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t\n", o.phase.name, o.phase.concurrency, o.rps(),
			ms(percentile(o.latencies, 50)), ms(percentile(o.latencies, 99)), o.errors, o.wrong, ratio, p99Ratio,
			us(o.cpuPerRequest(o.serverCPU)), us(o.cpuPerRequest(o.clientCPU)))
	}
	tw.Flush()
	fmt.Println("(req/s counts 200 answers; wrong = a 200 whose decision (\"allowed\", AuthZEN's \"decision\") differs from the dataset's;")
	fmt.Println(" vs echo = req/s, and p99 latency, over the echo baseline's at the same concurrency; CPU/req = user+system CPU time")
	fmt.Println(" of the server's process (Roster's or the echo baseline's) and of the load generator's, over the requests sent)")
	printAuthzenRatios(outcomes)
	for _, o := range outcomes {
		if o.errors+o.wrong > 0 {
			failed = true
			fmt.Printf("first error of %s at %d: %s\n", o.phase.name, o.phase.concurrency, o.firstErr)
		}
	}
	return failed
}

// authzenTarget is the least AuthZEN evaluation throughput, as a fraction of
// POST /check's at the same concurrency: the two ask the same engine the
// same question, so AuthZEN may cost its larger body and little else.
const authzenTarget = 0.90

// authzenRatio is AuthZEN evaluation req/s over POST /check req/s at
// concurrency c; ok is false if either phase did not run or answered nothing.
func authzenRatio(outcomes []outcome, c int) (ratio float64, ok bool) {
	check, az := find(outcomes, phaseCheck, c), find(outcomes, phaseAuthzen, c)
	if check == nil || az == nil || check.rps() == 0 {
		return 0, false
	}
	return az.rps() / check.rps(), true
}

// printAuthzenRatios prints AuthZEN's throughput over /check's, once per
// concurrency (naming it when the run had several).
func printAuthzenRatios(outcomes []outcome) {
	var levels []int
	for _, o := range outcomes {
		if o.phase.name == phaseAuthzen {
			levels = append(levels, o.phase.concurrency)
		}
	}
	fmt.Println()
	for _, c := range levels {
		ratio, ok := authzenRatio(outcomes, c)
		if !ok {
			continue
		}
		at := ""
		if len(levels) > 1 {
			at = fmt.Sprintf(" at concurrency %d", c)
		}
		fmt.Printf("AuthZEN evaluation ÷ POST /check%s: %.2fx (target ≥ %.2f)\n", at, ratio, authzenTarget)
	}
}

// find is the outcome of the named phase at concurrency c, nil if none.
func find(outcomes []outcome, name string, c int) *outcome {
	for i := range outcomes {
		if o := &outcomes[i]; o.phase.name == name && o.phase.concurrency == c {
			return o
		}
	}
	return nil
}

// Targets of the read path (issue #20) at concurrency 64, as fractions of
// the echo baseline measured in the same run.
const (
	checkTarget       = 0.80 // POST /check req/s ÷ echo req/s, at least
	permissionsTarget = 0.75 // GET permissions req/s ÷ echo req/s, at least
	p99Target         = 1.15 // POST /check p99 ÷ echo p99, at most
)

// printTargets compares the figures with the targets. They are reported,
// not enforced: this is a benchmark, not a timed test.
func printTargets(outcomes []outcome, batch probeResult, vis visibilityResult) {
	fmt.Println("\ntargets (issues #3 and #20, on a 2-core machine; reported, not enforced):")
	mark := func(ok bool) string {
		if ok {
			return "met   "
		}
		return "MISSED"
	}
	echo64, check64, perms64 := find(outcomes, phaseEcho, 64), find(outcomes, phaseCheck, 64), find(outcomes, phasePermissions, 64)
	if echo64 != nil && check64 != nil && echo64.rps() > 0 {
		ratio := check64.rps() / echo64.rps()
		fmt.Printf("  %s POST /check throughput >= %.2fx echo at concurrency 64: %.2fx\n", mark(ratio >= checkTarget), checkTarget, ratio)
		if perms64 != nil {
			ratio := perms64.rps() / echo64.rps()
			fmt.Printf("  %s GET permissions throughput >= %.2fx echo at concurrency 64: %.2fx\n", mark(ratio >= permissionsTarget), permissionsTarget, ratio)
		}
		p99 := float64(percentile(check64.latencies, 99)) / float64(percentile(echo64.latencies, 99))
		fmt.Printf("  %s POST /check p99 <= %.2fx echo's p99 at concurrency 64: %.2fx (%s vs %s)\n", mark(p99 <= p99Target), p99Target, p99,
			ms(percentile(check64.latencies, 99)), ms(percentile(echo64.latencies, 99)))
		if ratio, ok := authzenRatio(outcomes, 64); ok {
			fmt.Printf("  %s AuthZEN evaluation throughput >= %.2fx POST /check at concurrency 64: %.2fx\n",
				mark(ratio >= authzenTarget), authzenTarget, ratio)
		}
	} else {
		fmt.Println("  (no run at concurrency 64: the throughput, p99 and AuthZEN targets are not evaluated)")
	}
	if len(batch.latencies) > 0 {
		p99 := percentile(batch.latencies, 99)
		fmt.Printf("  %s batch of 1000 checks < 20 ms (p99): %s\n", mark(p99 < 20*time.Millisecond), ms(p99))
	}
	if len(vis.checks.latencies) > 0 {
		p99 := percentile(vis.checks.latencies, 99)
		fmt.Printf("  %s a write is visible to the next check with min_revision: %d/%d\n", mark(vis.visible == vis.tried), vis.visible, vis.tried)
		fmt.Printf("  %s check after a write < 2 ms (p99, HTTP round trip included): %s\n", mark(p99 < 2*time.Millisecond), ms(p99))
	}
}

// accessLogMark is in every access-log line of the JSON log (slog's "msg").
const accessLogMark = `"msg":"request"`

// printAccessLog says how many access-log lines Roster wrote during the
// load phases, against the requests it was sent: the log is part of what
// is measured, and one line per request is the contract.
func printAccessLog(roster *child, before int, outcomes []outcome) {
	sent := 0
	for _, o := range outcomes {
		if !o.phase.baseline {
			sent += o.sent
		}
	}
	after, err := roster.logLines(accessLogMark)
	if err != nil {
		fmt.Println("access log: unreadable:", err)
		return
	}
	fmt.Printf("Roster's access log (JSON at INFO, as `roster serve` writes it, to a file): %d lines for the %d requests of the load phases\n",
		after-before, sent)
}

// profileName is the file of a phase's CPU profile.
func profileName(phase string, concurrency int) string {
	slug := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, phase)
	return fmt.Sprintf("%s-c%d.pprof", strings.Trim(slug, "-"), concurrency)
}

// printProfiles lists the CPU profiles -profile saved.
func printProfiles(outcomes []outcome) {
	for _, o := range outcomes {
		switch {
		case o.phase.profile == "":
		case o.profErr != nil:
			fmt.Printf("profile of %s at %d: %v\n", o.phase.name, o.phase.concurrency, o.profErr)
		default:
			fmt.Printf("profile of %s at %d: %s (go tool pprof -top %s)\n", o.phase.name, o.phase.concurrency, o.phase.profile, o.phase.profile)
		}
	}
}

// us formats a duration in microseconds.
func us(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond)) }

// ms formats a latency in milliseconds, to the microsecond.
func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond)) }

func round(d time.Duration) time.Duration { return d.Round(time.Millisecond) }

// cpuModel is the first "model name" of /proc/cpuinfo, or "unknown CPU".
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if key, val, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(key) == "model name" {
			return strings.TrimSpace(val)
		}
	}
	return "unknown CPU"
}
