package live

import (
	"sync/atomic"
	"time"
)

// SyncStats is the work Engines has done to bring tenants' engines up to
// date since it was made: full loads from a snapshot (a tenant's first
// evaluation) and catch-ups from the change feed, with the time each took
// in total, database reads included.
type SyncStats struct {
	Loads       uint64
	LoadTime    time.Duration
	CatchUps    uint64
	CatchUpTime time.Duration
}

// Stats returns the counts so far; they only grow.
func (e *Engines) Stats() SyncStats {
	return SyncStats{
		Loads:       e.stats.loads.Load(),
		LoadTime:    time.Duration(e.stats.loadNanos.Load()),
		CatchUps:    e.stats.catchUps.Load(),
		CatchUpTime: time.Duration(e.stats.catchUpNanos.Load()),
	}
}

type syncStats struct {
	loads, catchUps         atomic.Uint64
	loadNanos, catchUpNanos atomic.Int64
}

// time starts timing a sync of ent, called with its syncMu held; the
// returned func, deferred, records the sync as a load when ent had no engine
// before, as a catch-up when its engine or revision moved, and not at all
// when another goroutine had already done the work or the load failed.
func (s *syncStats) time(ent *entry) func() {
	start := time.Now()
	before := ent.engine.Load()
	var rev int64
	if before != nil {
		rev = before.Revision()
	}
	return func() {
		after := ent.engine.Load()
		d := int64(time.Since(start))
		switch {
		case after == nil:
		case before == nil:
			s.loads.Add(1)
			s.loadNanos.Add(d)
		case after != before || after.Revision() != rev:
			s.catchUps.Add(1)
			s.catchUpNanos.Add(d)
		}
	}
}
