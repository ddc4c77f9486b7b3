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
	fmt.Println("(req/s counts 200 answers; wrong = a 200 whose \"allowed\" differs from the dataset's; vs echo = req/s over the echo baseline's at the same concurrency)")
	for _, o := range outcomes {
		if o.errors+o.wrong > 0 {
			failed = true
			fmt.Printf("first error of %s at %d: %s\n", o.phase.name, o.phase.concurrency, o.firstErr)
		}
	}
	return failed
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
	var echo64, check64 *outcome
	for i := range outcomes {
		o := &outcomes[i]
		if o.phase.concurrency != 64 {
			continue
		}
		switch o.phase.name {
		case phaseEcho:
			echo64 = o
		case phaseCheck:
			check64 = o
		}
	}
	if echo64 != nil && check64 != nil && echo64.rps() > 0 {
		ratio := check64.rps() / echo64.rps()
		fmt.Printf("  %s check throughput >= 0.6x echo at concurrency 64: %.2fx\n", mark(ratio >= 0.6), ratio)
		p99 := percentile(check64.latencies, 99)
		fmt.Printf("  %s check p99 < 5 ms at concurrency 64: %s\n", mark(p99 < 5*time.Millisecond && len(check64.latencies) > 0), ms(p99))
	} else {
		fmt.Println("  (no run at concurrency 64: the throughput and p99 targets are not evaluated)")
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
