package app

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTuneGC(t *testing.T) {
	old := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(old) })

	require.Equal(t, "50", TuneGC(func(string) string { return "50" }), "GOGC set: left to it")
	require.Equal(t, 100, debug.SetGCPercent(100), "GOGC set: the target is unchanged")

	require.Equal(t, "200", TuneGC(func(string) string { return "" }))
	require.Equal(t, GCPercent, debug.SetGCPercent(100))
}
