package logbuf

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// sink is a writer that counts its writes and can be read while written;
// with delay set, each write takes that long (a slow disk), so lines pile
// up in the other buffer meanwhile.
type sink struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
	delay  time.Duration
}

func (s *sink) Write(p []byte) (int, error) {
	time.Sleep(s.delay)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.buf.Write(p)
}

func (s *sink) snapshot() (string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String(), s.writes
}

// Concurrent loggers, a flush on a short timer and readers of the output
// all run together; at the end every line is out exactly once and whole,
// in far fewer writes than lines.
func TestWriter_concurrentLinesAllOutOnceAndWhole(t *testing.T) {
	for _, delay := range []time.Duration{0, 2 * time.Millisecond} {
		t.Run(fmt.Sprintf("writes taking %s", delay), func(t *testing.T) { concurrentLines(t, delay) })
	}
}

func concurrentLines(t *testing.T, delay time.Duration) {
	out := &sink{delay: delay}
	w := New(out, time.Millisecond)
	log := slog.New(slog.NewJSONHandler(w, nil))
	const writers, lines = 8, 2000
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() { // a reader: what is out is always whole lines
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			s, _ := out.snapshot()
			if s != "" && !strings.HasSuffix(s, "\n") {
				t.Errorf("a partial line is out: %q", s[max(0, len(s)-80):])
				return
			}
		}
	}()
	var writersWG sync.WaitGroup
	for g := range writers {
		writersWG.Add(1)
		go func() {
			defer writersWG.Done()
			for i := range lines {
				log.Info("request", "writer", g, "n", i, "pad", strings.Repeat("x", i%300))
			}
		}()
	}
	writersWG.Wait()
	require.NoError(t, w.Close())
	close(stop)
	wg.Wait()

	s, writes := out.snapshot()
	seen := map[string]int{}
	last := map[float64]float64{} // writer → its last line's n: each writer's lines stay in order
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		require.True(t, strings.HasPrefix(line, "{") && strings.HasSuffix(line, "}"), "not a whole line: %q", line)
		i := strings.Index(line, `"writer":`)
		seen[line[i:]]++
		var rec struct{ Writer, N float64 }
		require.NoError(t, json.Unmarshal([]byte(line), &rec))
		if prev, ok := last[rec.Writer]; ok {
			require.Greater(t, rec.N, prev, "writer %v's lines out of order", rec.Writer)
		}
		last[rec.Writer] = rec.N
	}
	require.Len(t, seen, writers*lines)
	for k, n := range seen {
		require.Equal(t, 1, n, "written %d times: %s", n, k)
	}
	require.Less(t, writes, writers*lines/10, "the writes were not batched")
}

func TestWriter_heldAtMostTheInterval(t *testing.T) {
	out := &sink{}
	w := New(out, 20*time.Millisecond)
	defer w.Close()
	_, err := fmt.Fprintln(w, "one")
	require.NoError(t, err)
	s, _ := out.snapshot()
	require.Empty(t, s, "held until the interval ends")
	require.Eventually(t, func() bool { s, _ := out.snapshot(); return s == "one\n" }, 2*time.Second, 5*time.Millisecond)
}

func TestFlushAt_warningsGoOutAtOnce(t *testing.T) {
	out := &sink{}
	w := New(out, time.Hour)
	log := slog.New(FlushAt(slog.NewTextHandler(w, nil), w, slog.LevelWarn).WithAttrs([]slog.Attr{slog.String("app", "roster")}))
	log.Info("routine")
	s, _ := out.snapshot()
	require.Empty(t, s)
	log.Warn("trouble")
	s, _ = out.snapshot()
	require.Contains(t, s, "msg=routine app=roster")
	require.Contains(t, s, "msg=trouble app=roster")
	log.Info("after")
	require.NoError(t, w.Close())
	s, _ = out.snapshot()
	require.Contains(t, s, "msg=after")
	_, err := fmt.Fprintln(w, "after close")
	require.NoError(t, err)
	s, _ = out.snapshot()
	require.True(t, strings.HasSuffix(s, "after close\n"), "unbuffered after Close")
}

func TestWriter_largeWritesPassThroughInOrder(t *testing.T) {
	out := &sink{}
	w := New(out, time.Hour)
	small := "small\n"
	big := strings.Repeat("b", maxBuffer+1) + "\n"
	_, _ = w.Write([]byte(small))
	_, _ = w.Write([]byte(big))
	s, _ := out.snapshot()
	require.Equal(t, small+big, s)
}

// Close (and Flush) return only once a batch the timer took before them
// is out, even when they find nothing left to write themselves.
func TestWriter_closeWaitsForTheBatchBeingWritten(t *testing.T) {
	out := &sink{delay: 100 * time.Millisecond}
	w := New(out, time.Millisecond)
	_, err := fmt.Fprintln(w, "line")
	require.NoError(t, err)
	time.Sleep(20 * time.Millisecond) // the timer has taken the batch; writing it takes 100 ms
	require.NoError(t, w.Close())
	s, _ := out.snapshot()
	require.Equal(t, "line\n", s)
}
