package logjson

import (
	"bytes"
	"context"
	"log/slog"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestHandler_writesWhatSlogWrites logs the same records through this
// handler and slog's JSON handler and compares the bytes: request lines,
// every kind on and off the fast path, odd strings, odd floats, groups and
// derived loggers.
func TestHandler_writesWhatSlogWrites(t *testing.T) {
	at := time.Date(2026, 11, 29, 9, 25, 6, 563084848, time.UTC)
	records := []func(l *slog.Logger){
		func(l *slog.Logger) {
			l.LogAttrs(bg, slog.LevelInfo, "request", slog.String("method", "POST"), slog.String("route", "/v1/tenants/:tenant_id/check"),
				slog.Int("status", 200), slog.Float64("duration_ms", 1.823), slog.String("request_id", "BD6X3M6DVORVRF5NO77AUHXALC"), slog.String("tenant", "default"))
		},
		func(l *slog.Logger) { l.Error("request", "status", 500, "duration_ms", 0.0) },
		func(l *slog.Logger) { l.Warn("engine repaired", "tenant", "acme", "ok", true, "n", uint64(7)) },
		func(l *slog.Logger) { l.Info("odd <html> & 'quotes'", "k", "a<b>&c") },
		func(l *slog.Logger) { l.Info("escapes", "k", "line\nbreak", "q", `say "hi"`, "b", `back\slash`) },
		func(l *slog.Logger) { l.Info("unicode", "k", "été", "sep", "\u2028") },
		func(l *slog.Logger) { l.Info("bad utf-8", "k", "a\xffb") },
		func(l *slog.Logger) {
			l.Info("floats", "tiny", 1e-7, "big", 1e21, "neg", -2.5, "frac", 0.1+0.2, "whole", 3.0)
		},
		func(l *slog.Logger) { l.Info("nan", "n", math.NaN()) },
		func(l *slog.Logger) { l.Info("inf", "n", math.Inf(1)) },
		func(l *slog.Logger) {
			l.Info("kinds", "d", 1500*time.Millisecond, "t", at, "any", []int{1, 2}, "err", errString("boom"))
		},
		func(l *slog.Logger) { l.Info("empty key", "", "v") },
		func(l *slog.Logger) { l.LogAttrs(bg, slog.LevelInfo, "empty attr", slog.Attr{}, slog.String("k", "v")) },
		func(l *slog.Logger) { l.Info("group", slog.Group("g", "a", 1)) },
		func(l *slog.Logger) { l.With("component", "sweep").Info("derived", "n", 1) },
		func(l *slog.Logger) { l.WithGroup("g").Info("in a group", "n", 1) },
		func(l *slog.Logger) { l.Debug("below the level") },
		func(l *slog.Logger) { l.Log(bg, slog.LevelInfo+2, "custom level") },
	}
	for i, rec := range records {
		var fast, want bytes.Buffer
		rec(slog.New(fixedTime{New(&fast, nil), at}))
		rec(slog.New(fixedTime{slog.NewJSONHandler(&want, nil), at}))
		require.Equal(t, want.String(), fast.String(), "record %d", i)
	}

	// Random request lines: every value slog would write, byte for byte.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		var fast, want bytes.Buffer
		attrs := []slog.Attr{slog.String("route", randomString(rng)), slog.Int("status", rng.IntN(600)),
			slog.Float64("duration_ms", float64(rng.IntN(10_000_000))/1000), slog.String("tenant", randomString(rng))}
		now := time.Unix(rng.Int64N(4e9), rng.Int64N(1e9))
		r := slog.NewRecord(now, slog.LevelInfo, "request", 0)
		r.AddAttrs(attrs...)
		require.NoError(t, New(&fast, nil).Handle(bg, r))
		require.NoError(t, slog.NewJSONHandler(&want, nil).Handle(bg, r))
		require.Equal(t, want.String(), fast.String())
	}
}

// Lines logged concurrently through the fast path and slog's are whole.
func TestHandler_concurrentLinesWhole(t *testing.T) {
	var out bytes.Buffer
	log := slog.New(New(&out, nil))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				if i%2 == 0 {
					log.Info("request", "g", g, "i", i)
				} else {
					log.Info("request", "g", g, "i", i, "any", []int{i}) // slog's path
				}
			}
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, 8*500)
	for _, l := range lines {
		require.True(t, strings.HasPrefix(l, `{"time":`) && strings.HasSuffix(l, "}"), l)
	}
}

func TestHandler_optionsSlogAlone(t *testing.T) {
	h := New(&bytes.Buffer{}, &slog.HandlerOptions{AddSource: true})
	_, fast := h.(*Handler)
	require.False(t, fast, "AddSource needs slog's handler")
	h = New(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelWarn})
	require.False(t, h.Enabled(bg, slog.LevelInfo))
	require.True(t, h.Enabled(bg, slog.LevelError))
}

var bg = context.Background()

type errString string

func (e errString) Error() string { return string(e) }

// fixedTime stamps every record with one instant, so two handlers' lines
// can be compared.
type fixedTime struct {
	slog.Handler
	at time.Time
}

func (f fixedTime) Handle(ctx context.Context, r slog.Record) error {
	r.Time = f.at
	return f.Handler.Handle(ctx, r)
}

func (f fixedTime) WithAttrs(a []slog.Attr) slog.Handler {
	return fixedTime{f.Handler.WithAttrs(a), f.at}
}

func (f fixedTime) WithGroup(n string) slog.Handler { return fixedTime{f.Handler.WithGroup(n), f.at} }

func randomString(rng *rand.Rand) string {
	const alphabet = "abc/:_-.{}<>&\"\\ \t\né\u2028\x00\xff"
	runes := []rune(alphabet)
	var b strings.Builder
	for range rng.IntN(12) {
		if rng.IntN(4) == 0 {
			b.WriteRune(runes[rng.IntN(len(runes))])
		} else {
			b.WriteByte("abcdefghij"[rng.IntN(10)])
		}
	}
	return b.String()
}
