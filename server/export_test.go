package server

import "testing"

// SetMaxImpact lowers the number of impact entries a dry run lists, for
// the test's duration (no server test runs in parallel).
func SetMaxImpact(t testing.TB, n int) {
	old := maxImpact
	maxImpact = n
	t.Cleanup(func() { maxImpact = old })
}

// FastAnswers is how many answers the fast path has written so far.
func FastAnswers() int64 { return fastAnswers.Load() }
