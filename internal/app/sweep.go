package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/rosterhq/roster/internal/rbac"
)

// sweepEvery is how often expired Idempotency-Key answers are deleted;
// sweepBatch bounds one statement, sweepBatches one round, so that a
// backlog is worked off over rounds rather than in one long transaction.
const (
	sweepEvery   = 10 * time.Minute
	sweepBatch   = 1000
	sweepBatches = 20
)

// startSweep deletes stored Idempotency-Key answers older than
// rbac.IdempotencyTTL every sweepEvery until the returned func is called
// (every replica sweeps; a row is deleted once whoever gets to it).
func startSweep(store rbac.IdempotencyStore, log *slog.Logger, now func() time.Time) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(sweepEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			total := 0
			for range sweepBatches {
				n, err := store.SweepIdempotencyKeys(ctx, now().Add(-rbac.IdempotencyTTL), sweepBatch)
				if err != nil {
					if ctx.Err() == nil {
						log.Warn("sweep idempotency keys", "error", err)
					}
					break
				}
				total += n
				if n < sweepBatch {
					break
				}
			}
			if total > 0 {
				log.Info("swept expired idempotency keys", "deleted", total)
			}
		}
	}()
	return func() { cancel(); <-done }
}
