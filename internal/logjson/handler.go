// Package logjson is log/slog's JSON handler with a fast path for the
// records a server writes most: a flat list of strings, integers, floats
// and booleans, the request log's shape. slog's handler spends about 4 µs
// on such a line on a small machine (a float goes through encoding/json,
// every value through a general escaper), a fifth of a cached check's own
// cost; here it is appended directly. Anything else (groups, attributes
// added with With, other kinds, a string or key that would need escaping)
// goes to slog's own handler, so the output is slog's byte for byte
// (TestHandler_writesWhatSlogWrites).
//
// Shared state: a pool of line buffers, each held by one call from Get to
// Put (after its Write returned). A line is handed to the writer in one
// Write, as slog's handler does, under a mutex shared with the slog
// handler it falls back to, so the two never interleave on one writer.
package logjson

import (
	"context"
	"io"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"
)

// Handler writes JSON lines to a writer; see the package comment.
type Handler struct {
	w     io.Writer
	mu    *sync.Mutex
	level slog.Leveler
	slow  slog.Handler // slog's JSON handler on the same writer, through the same mutex
}

// New returns a handler writing to w the lines slog.NewJSONHandler(w, opts)
// would, for opts without AddSource or ReplaceAttr (which always take slog's
// path).
func New(w io.Writer, opts *slog.HandlerOptions) slog.Handler {
	if opts == nil {
		opts = &slog.HandlerOptions{}
	}
	mu := &sync.Mutex{}
	slow := slog.NewJSONHandler(&lockedWriter{w: w, mu: mu}, opts)
	if opts.AddSource || opts.ReplaceAttr != nil {
		return slow
	}
	level := opts.Level
	if level == nil {
		level = slog.LevelInfo
	}
	return &Handler{w: w, mu: mu, level: level, slow: slow}
}

func (h *Handler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level.Level() }

func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler { return h.slow.WithAttrs(attrs) }

func (h *Handler) WithGroup(name string) slog.Handler { return h.slow.WithGroup(name) }

// Handle writes r, on the fast path when it can.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	bp := buffers.Get().(*[]byte)
	defer buffers.Put(bp)
	buf, ok := appendRecord((*bp)[:0], r)
	*bp = buf
	if !ok {
		return h.slow.Handle(ctx, r)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := h.w.Write(buf)
	return err
}

// buffers are the lines' buffers, reused: io.Writer may not keep what it
// is given, so a buffer is free again once Write returns.
var buffers = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// appendRecord appends r's line; ok is false when r needs slog's handler.
func appendRecord(b []byte, r slog.Record) (_ []byte, ok bool) {
	if !plain(r.Message) {
		return b, false
	}
	b = append(b, '{')
	if !r.Time.IsZero() {
		if y := r.Time.Year(); y < 0 || y >= 10000 {
			return b, false
		}
		b = append(b, `"time":"`...)
		b = r.Time.AppendFormat(b, time.RFC3339Nano)
		b = append(b, `",`...)
	}
	b = append(b, `"level":"`...)
	b = append(b, r.Level.String()...)
	b = append(b, `","msg":"`...)
	b = append(b, r.Message...)
	b = append(b, '"')
	ok = true
	r.Attrs(func(a slog.Attr) bool {
		if b, ok = appendAttr(b, a); !ok {
			return false
		}
		return true
	})
	if !ok {
		return b, false
	}
	return append(b, "}\n"...), true
}

func appendAttr(b []byte, a slog.Attr) ([]byte, bool) {
	if a.Key == "" || !plain(a.Key) {
		return b, false // an empty attribute is dropped by slog, an empty key written: its path
	}
	b = append(b, `,"`...)
	b = append(b, a.Key...)
	b = append(b, `":`...)
	v := a.Value
	switch v.Kind() {
	case slog.KindString:
		s := v.String()
		if !plain(s) {
			return b, false
		}
		b = append(b, '"')
		b = append(b, s...)
		b = append(b, '"')
	case slog.KindInt64:
		b = strconv.AppendInt(b, v.Int64(), 10)
	case slog.KindUint64:
		b = strconv.AppendUint(b, v.Uint64(), 10)
	case slog.KindBool:
		b = strconv.AppendBool(b, v.Bool())
	case slog.KindFloat64:
		// encoding/json writes 'f' notation in this range and 0 as 0.
		f := v.Float64()
		if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) || math.IsNaN(f) || math.IsInf(f, 0) {
			return b, false
		}
		b = strconv.AppendFloat(b, f, 'f', -1, 64)
	default:
		return b, false
	}
	return b, true
}

// plain reports whether slog writes s inside a JSON string as itself:
// printable ASCII without the quote and the backslash.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// lockedWriter serialises slog's handler's writes with the fast path's.
type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
