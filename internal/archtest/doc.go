// Package archtest holds no code, only a test: that each package imports
// what its doc.go says it may, and nothing else (as go-cleanarch does for
// Wild Workouts). It imports nothing.
package archtest
