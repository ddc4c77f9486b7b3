package app

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster/internal/rbac"
)

// sweepEvery is how often expired Idempotency-Key answers are deleted and
// history older than the retention pruned; sweepBatch bounds one
// statement, sweepBatches one round (per tenant, for history), so that a
// backlog is worked off over rounds rather than in one long transaction.
const (
	sweepEvery   = 10 * time.Minute
	sweepBatch   = 1000
	sweepBatches = 20
)

// sweepStore is what the background sweep needs of the store.
type sweepStore interface {
	rbac.IdempotencyStore
	ListTenants(ctx context.Context, p rbac.Page) ([]rbac.Tenant, string, error)
	PruneHistory(ctx context.Context, tenantID string, before time.Time, limit int) (int, error)
}

// ParseRetention reads --history-retention: a Go duration (720h) or a
// number of days (365d); empty or 0 keeps everything.
func ParseRetention(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err == nil && n > 0 && n <= 100*365 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	} else if d, err := time.ParseDuration(s); err == nil && d >= time.Hour {
		return d, nil
	}
	return 0, fmt.Errorf("--history-retention must be a number of days such as 365d, or a duration of at least 1h such as 720h, not %q", s)
}

// startSweep runs a sweep every sweepEvery until the returned func is
// called (every replica sweeps; a row is deleted once, by whoever gets to
// it first).
func startSweep(store sweepStore, log *slog.Logger, now func() time.Time, retention time.Duration) func() {
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
			sweepOnce(ctx, store, log, now, retention)
		}
	}()
	return func() { cancel(); <-done }
}

// sweepOnce is one round: expired idempotency answers, then (with a
// retention) each tenant's history older than it.
func sweepOnce(ctx context.Context, store sweepStore, log *slog.Logger, now func() time.Time, retention time.Duration) {
	keys := drain(func() (int, error) {
		return store.SweepIdempotencyKeys(ctx, now().Add(-rbac.IdempotencyTTL), sweepBatch)
	})
	if keys.err != nil && ctx.Err() == nil {
		log.Warn("sweep idempotency keys", "error", keys.err)
	}
	if keys.n > 0 {
		log.Info("swept expired idempotency keys", "deleted", keys.n)
	}
	if retention <= 0 {
		return
	}
	before := now().Add(-retention)
	after := ""
	for {
		tenants, next, err := store.ListTenants(ctx, rbac.Page{Limit: 100, After: after})
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("prune history: list tenants", "error", err)
			}
			return
		}
		for _, t := range tenants {
			res := drain(func() (int, error) { return store.PruneHistory(ctx, t.ID, before, sweepBatch) })
			if res.err != nil && ctx.Err() == nil {
				log.Warn("prune history", "tenant", t.ID, "error", res.err)
			}
			if res.n > 0 {
				log.Info("pruned history", "tenant", t.ID, "before", before.Format(time.RFC3339), "deleted", res.n)
			}
		}
		if next == "" {
			return
		}
		after = next
	}
}

type drained struct {
	n   int
	err error
}

// drain runs batch until it deletes less than a full batch, at most
// sweepBatches times.
func drain(batch func() (int, error)) drained {
	var d drained
	for range sweepBatches {
		n, err := batch()
		if err != nil {
			d.err = err
			return d
		}
		d.n += n
		if n < sweepBatch {
			break
		}
	}
	return d
}
