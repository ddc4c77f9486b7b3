// Package logbuf batches a log's writes. Roster's access log writes a line
// per request, and on a file or a pipe each line was a write system call:
// about 3 µs of a cached check's 70. A Writer collects lines and writes them
// out together, at most Interval after the first one waiting, when its
// buffer fills, on Flush and on Close; FlushAt makes a handler flush at once
// after a record at or above a level, so warnings and errors are never
// held back.
//
// Shared state and its invariant: buf, spare and closed are guarded by
// mu, and each Write's bytes go into buf (or out) whole, under mu, so
// lines from concurrent writers never interleave and none is written
// twice or lost: whatever a Write accepted is out once a Flush or Close
// that began after it returns. Writing out takes the full buffer under mu
// and then out (always in that order) before letting mu go, so batches
// reach the underlying writer in the order they were filled, while new
// lines go into the spare buffer: a request never waits for the system
// call that writes a batch. After Close, writes go straight to the
// underlying writer.
package logbuf

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// maxBuffer is the most a Writer holds before it writes out.
const maxBuffer = 64 << 10

// Writer is an io.Writer that batches writes; see the package comment.
type Writer struct {
	mu       sync.Mutex
	out      sync.Mutex // held while a batch is written to w
	w        io.Writer
	buf      []byte
	spare    []byte      // the other buffer, while not being written out
	timer    *time.Timer // armed while buf holds bytes
	interval time.Duration
	closed   bool
}

// New batches writes to w, holding none longer than interval.
func New(w io.Writer, interval time.Duration) *Writer {
	b := &Writer{w: w, interval: interval, buf: make([]byte, 0, maxBuffer), spare: make([]byte, 0, maxBuffer)}
	b.timer = time.AfterFunc(time.Hour, func() { _ = b.Flush() })
	b.timer.Stop()
	return b
}

// Write keeps p to write out later; it never fails, as the writes it
// batches are reported by Flush (slog ignores a handler's write errors).
func (b *Writer) Write(p []byte) (int, error) {
	b.mu.Lock()
	if b.closed {
		b.out.Lock() // after the last batch, which Close may still be writing
		b.mu.Unlock()
		defer b.out.Unlock()
		return b.w.Write(p)
	}
	if len(b.buf)+len(p) > maxBuffer {
		_ = b.writeOut() // unlocks mu
		if len(p) > maxBuffer {
			b.out.Lock() // after the batch before it
			defer b.out.Unlock()
			return b.w.Write(p)
		}
		b.mu.Lock()
	}
	if len(b.buf) == 0 {
		b.timer.Reset(b.interval)
	}
	b.buf = append(b.buf, p...)
	b.mu.Unlock()
	return len(p), nil
}

// Flush writes out what is held.
func (b *Writer) Flush() error {
	b.mu.Lock()
	return b.writeOut()
}

// writeOut is called with mu held and releases it: it takes the batch,
// puts the spare buffer in its place, and writes the batch out. With
// nothing held it still waits for a batch taken before it that is being
// written, so that Flush and Close return only once everything accepted
// before them is out.
func (b *Writer) writeOut() error {
	b.timer.Stop()
	batch := b.buf
	if len(batch) > 0 {
		b.buf = b.spare[:0]
		b.spare = nil
		if b.buf == nil {
			b.buf = make([]byte, 0, maxBuffer) // the spare is still out (a batch filled during a write)
		}
	}
	b.out.Lock() // after the batch before it
	b.mu.Unlock()
	if len(batch) == 0 {
		b.out.Unlock()
		return nil
	}
	_, err := b.w.Write(batch)
	b.out.Unlock()
	b.mu.Lock()
	if b.spare == nil {
		b.spare = batch[:0]
	}
	b.mu.Unlock()
	return err
}

// Close writes out what is held; later writes are not batched.
func (b *Writer) Close() error {
	b.mu.Lock()
	b.closed = true
	return b.writeOut()
}

// FlushAt wraps h, whose output is w, so that a record at level or above
// is written out as soon as it is handled.
func FlushAt(h slog.Handler, w *Writer, level slog.Level) slog.Handler {
	return flushing{h: h, w: w, level: level}
}

type flushing struct {
	h     slog.Handler
	w     *Writer
	level slog.Level
}

func (f flushing) Enabled(ctx context.Context, l slog.Level) bool { return f.h.Enabled(ctx, l) }

func (f flushing) Handle(ctx context.Context, r slog.Record) error {
	err := f.h.Handle(ctx, r)
	if r.Level >= f.level {
		if ferr := f.w.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

func (f flushing) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushing{h: f.h.WithAttrs(attrs), w: f.w, level: f.level}
}

func (f flushing) WithGroup(name string) slog.Handler {
	return flushing{h: f.h.WithGroup(name), w: f.w, level: f.level}
}
