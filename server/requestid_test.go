package server

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// Request ids made concurrently are distinct, well formed, and another
// process (another source) draws another prefix.
func TestRequestIDs_distinctUnderConcurrency(t *testing.T) {
	src := newIDSource()
	const goroutines, each = 8, 5000
	ids := make([][]string, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				ids[g] = append(ids[g], src.next())
			}
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, list := range ids {
		for _, id := range list {
			require.Len(t, id, 26)
			require.True(t, validRequestID(id), id)
			require.False(t, seen[id], "id %s made twice", id)
			seen[id] = true
		}
	}
	require.Len(t, seen, goroutines*each)
	require.NotEqual(t, src.prefix, newIDSource().prefix)
}
