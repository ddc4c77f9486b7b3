package eval

import "sync/atomic"

// cacheStats counts how per-user answers were found, across every Tenant of
// the process: counters for monitoring must only grow, which per-Tenant
// counts would not (engines are rebuilt and dropped). Each counter sits on
// its own cache line so that concurrent checks do not contend on one.
var cacheStats struct {
	hits   atomic.Uint64
	_      [56]byte
	misses atomic.Uint64
	_      [56]byte
}

// CacheStats returns how many per-user answers this process has served from
// the cache (hits) and evaluated afresh (misses) since it started.
func CacheStats() (hits, misses uint64) {
	return cacheStats.hits.Load(), cacheStats.misses.Load()
}
