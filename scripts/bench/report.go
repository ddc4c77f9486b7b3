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
	baseline := map[int]float64{} // concurrency -> echo req/s
	for _, o := range outcomes {
		if o.phase.baseline {
			baseline[o.phase.concurrency] = o.rps()
		}
	}
	fmt.Println()
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\tconcurrency\treq/s\tp50\tp99\terrors\twrong\tvs echo\t")
	for _, o := range outcomes {
		ratio := "-"
		if b := baseline[o.phase.concurrency]; !o.phase.baseline && b > 0 {
			ratio = fmt.Sprintf("%.2fx", o.rps()/b)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%s\t%s\t%d\t%d\t%s\t\n", o.phase.name, o.phase.concurrency, o.rps(),
			ms(percentile(o.latencies, 50)), ms(percentile(o.latencies, 99)), o.errors, o.wrong, ratio)
	}
	tw.Flush()
	fmt.Println("(req/s counts 200 answers; wrong = a 200 whose decision (\"allowed\", AuthZEN's \"decision\") differs from the dataset's;")
	fmt.Println(" vs echo = req/s over the echo baseline's at the same concurrency)")
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

// printTargets compares the figures with issue #3's targets. They are
// reported, not enforced: this is a benchmark, not a timed test.
func printTargets(outcomes []outcome, batch probeResult, vis visibilityResult) {
	fmt.Println("\ntargets (issue #3, on a 2-core machine; reported, not enforced):")
	mark := func(ok bool) string {
		if ok {
			return "met   "
		}
		return "MISSED"
	}
	echo64, check64 := find(outcomes, phaseEcho, 64), find(outcomes, phaseCheck, 64)
	if echo64 != nil && check64 != nil && echo64.rps() > 0 {
		ratio := check64.rps() / echo64.rps()
		fmt.Printf("  %s check throughput >= 0.6x echo at concurrency 64: %.2fx\n", mark(ratio >= 0.6), ratio)
		p99 := percentile(check64.latencies, 99)
		fmt.Printf("  %s check p99 < 5 ms at concurrency 64: %s\n", mark(p99 < 5*time.Millisecond && len(check64.latencies) > 0), ms(p99))
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
