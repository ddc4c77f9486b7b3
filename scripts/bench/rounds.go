package main

import (
	"path/filepath"
	"runtime"
	"slices"
	"time"
)

// The machine's speed drifts (a shared virtual machine's CPUs, frequency
// scaling): on a quiet 2-core VM the echo baseline alone varied by a
// quarter between runs a minute apart. Phases run one after another would
// carry that drift into their ratios, so each concurrency's phases run in
// interleaved rounds (echo, check, AuthZEN, permissions, then again), and
// each phase's figures are the sum of its rounds: every ratio compares
// load measured over the same stretch of time.

// roundLength is how long one round of a phase runs: each phase's
// duration is split into rounds of about this length (at least one).
const roundLength = 500 * time.Millisecond

// loadRounds is how many rounds a phase of duration d is split into.
func loadRounds(d time.Duration) int { return max(1, int(d/roundLength)) }

// roundWarmup is the unmeasured start of every round after the first
// (new connections; the first round has the phase's full warm-up).
const roundWarmup = 200 * time.Millisecond

// runLoad runs the phases at each concurrency in interleaved rounds, one
// outcome per phase and concurrency, in the order of the phases.
func runLoad(phases []phase, concurrency []int, duration, warmup time.Duration) []outcome {
	var outcomes []outcome
	for _, c := range concurrency {
		acc := make([]outcome, len(phases))
		rounds := loadRounds(duration)
		for r := range rounds {
			for i, ph := range phases {
				ph.concurrency, ph.duration, ph.warmup = c, duration/time.Duration(rounds), roundWarmup
				if r == 0 {
					ph.warmup = warmup
				}
				runtime.GC() // start every round with the previous one's garbage gone
				acc[i] = acc[i].merge(ph.run())
			}
		}
		for i := range acc {
			slices.Sort(acc[i].latencies)
		}
		outcomes = append(outcomes, acc...)
	}
	return outcomes
}

// profileLoad runs each Roster phase once more at each concurrency, for
// duration, saving a CPU profile of the Roster process into dir; these runs
// are not part of the figures.
func profileLoad(phases []phase, concurrency []int, duration, warmup time.Duration, dir string) []outcome {
	var out []outcome
	for _, c := range concurrency {
		for _, ph := range phases {
			if ph.baseline {
				continue
			}
			ph.concurrency, ph.duration, ph.warmup = c, duration, warmup
			ph.profile = filepath.Join(dir, profileName(ph.name, c))
			runtime.GC()
			out = append(out, ph.run())
		}
	}
	return out
}

// merge adds round p's figures to o's.
func (o outcome) merge(p outcome) outcome {
	if o.phase.name == "" {
		o.phase = p.phase
	}
	o.sent += p.sent
	o.ok += p.ok
	o.errors += p.errors
	o.wrong += p.wrong
	if o.firstErr == "" {
		o.firstErr = p.firstErr
	}
	o.latencies = append(o.latencies, p.latencies...)
	o.elapsed += p.elapsed
	o.serverCPU += p.serverCPU
	o.clientCPU += p.clientCPU
	if o.profErr == nil {
		o.profErr = p.profErr
	}
	return o
}
