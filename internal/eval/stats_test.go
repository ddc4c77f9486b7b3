package eval

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The counters are per process and other tests run beside this one, so it
// asserts lower bounds on what its own checks add.
func TestCacheStats_CountsHitsAndMisses(t *testing.T) {
	tn := fixture()
	hits0, misses0 := CacheStats()

	tn.Check("alice", "docs:read", "", t0)  // first answer for alice: computed
	tn.Check("alice", "docs:write", "", t0) // same scope: from the cache
	tn.Check("alice", "docs:read", "", t0)

	hits, misses := CacheStats()
	require.GreaterOrEqual(t, misses-misses0, uint64(1))
	require.GreaterOrEqual(t, hits-hits0, uint64(2))
}
