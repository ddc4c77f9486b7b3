package app

import (
	"runtime/debug"
	"strconv"
)

// GCPercent is the garbage collector's target (GOGC) `roster serve` runs
// with when the GOGC environment variable is not set. A server's live heap
// is mostly the evaluation engines, and each request allocates little and
// briefly; at Go's default of 100, collection was about 8% of the server's
// CPU under a stream of cached checks, at 200 half that, for a heap allowed
// to grow to three times the live data instead of two (make bench prints
// Roster's RSS).
const GCPercent = 200

// TuneGC sets GCPercent unless getenv("GOGC") is set, and returns the
// target in force, as GOGC spells it.
func TuneGC(getenv func(string) string) string {
	if v := getenv("GOGC"); v != "" {
		return v
	}
	debug.SetGCPercent(GCPercent)
	return strconv.Itoa(GCPercent)
}
