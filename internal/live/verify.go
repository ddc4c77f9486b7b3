package live

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rosterhq/roster/internal/eval"
	"github.com/rosterhq/roster/internal/rbac"
)

// DefaultVerifyInterval is how often VerifyLoop compares every engine with
// the database.
const DefaultVerifyInterval = 10 * time.Minute

// maxReportedDiffs bounds the differences one repair logs.
const maxReportedDiffs = 20

// repairCounts counts repairs per tenant, and the comparisons made; counts
// only grow.
type repairCounts struct {
	mu       sync.Mutex
	n        map[string]uint64
	compared atomic.Uint64
}

// Verifications is how many times Verify compared a tenant's engine with the
// database (skipped rounds not counted), since this Engines was made.
func (e *Engines) Verifications() uint64 { return e.repairs.compared.Load() }

func (r *repairCounts) add(tenantID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == nil {
		r.n = map[string]uint64{}
	}
	r.n[tenantID]++
}

// Repairs returns how many times Verify found each tenant's engine differing
// from the database and rebuilt it, since this Engines was made. Any repair
// is a bug that was hidden: tests hold it to zero.
func (e *Engines) Repairs() map[string]uint64 {
	e.repairs.mu.Lock()
	defer e.repairs.mu.Unlock()
	out := make(map[string]uint64, len(e.repairs.n))
	for k, v := range e.repairs.n {
		out[k] = v
	}
	return out
}

// VerifyLoop runs Verify every interval (DefaultVerifyInterval when 0 or
// less) until ctx ends, logging a round that fails.
func (e *Engines) VerifyLoop(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = DefaultVerifyInterval
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := e.Verify(ctx); err != nil && ctx.Err() == nil {
			e.log.Warn("live: verifying engines against the database failed; retrying next interval", "error", err)
		}
	}
}

// Verify compares every loaded engine with a fresh snapshot of its tenant
// and rebuilds (repairs) an engine that differs, counting the repair and
// logging at ERROR what differed. It returns the first error met after
// trying every tenant.
func (e *Engines) Verify(ctx context.Context) error {
	var first error
	for _, ent := range e.entries() {
		if ent.engine.Load() == nil {
			continue
		}
		if err := e.verify(ctx, ent); err != nil && first == nil && !rbac.IsCode(err, rbac.ENotFound) {
			first = err
		}
	}
	return first
}

// verifyAttempts bounds the snapshots one tenant's verification reads when
// writes keep deleting things meanwhile (see verify).
const verifyAttempts = 3

// verify compares one tenant. The snapshot is at revision S and the engine,
// caught up under syncMu (so frozen while compared), at E ≥ S: the entities
// that changes in (S, E] name are left out of the comparison (the next round
// sees them), and when those changes delete something, whose effects reach
// entities they do not name, the attempt is retried with a newer snapshot.
func (e *Engines) verify(ctx context.Context, ent *entry) error {
	for range verifyAttempts {
		snap, err := e.src.LoadSnapshot(ctx, ent.id)
		if err != nil {
			return err
		}
		done, err := e.compare(ctx, ent, snap)
		if done || err != nil {
			return err
		}
	}
	e.log.Info("live: verification skipped: the tenant kept changing", "tenant", ent.id)
	return nil
}

func (e *Engines) compare(ctx context.Context, ent *entry, snap rbac.Snapshot) (bool, error) {
	ent.syncMu.Lock()
	defer ent.syncMu.Unlock()
	t := ent.engine.Load()
	if ent.dead.Load() || t == nil {
		return true, nil
	}
	for t.Revision() < snap.Revision {
		next, err := e.step(ctx, ent, t, snap.Revision)
		if err != nil {
			return true, err
		}
		t = next
	}
	var skip rbac.Named
	if t.Revision() > snap.Revision {
		changes, err := e.src.Changes(ctx, ent.id, snap.Revision, int(t.Revision()-snap.Revision))
		if err != nil {
			return true, err
		}
		if int64(len(changes)) != t.Revision()-snap.Revision {
			return false, nil
		}
		if skip = rbac.Name(changes); len(skip.Deleted) > 0 {
			return false, nil
		}
	}
	now := time.Now()
	var have rbac.Snapshot
	t.Read(func(v eval.View) { have = v.Export(now) })
	diffs := diff(have, eval.Canonical(snap, now), skip)
	e.repairs.compared.Add(1)
	if len(diffs) == 0 {
		return true, nil
	}
	e.repairs.add(ent.id)
	e.log.Error("live: the engine differed from the database; rebuilt it from a snapshot",
		"tenant", ent.id, "engine_revision", t.Revision(), "snapshot_revision", snap.Revision,
		"differences", len(diffs), "first_differences", diffs[:min(len(diffs), maxReportedDiffs)])
	_, err := e.reload(ctx, ent)
	return true, err
}

// diff lists, one line each, the entities whose state differs between the
// engine's and the database's canonical snapshots, leaving out those skip
// names.
func diff(have, want rbac.Snapshot, skip rbac.Named) []string {
	var out []string
	out = append(out, diffKind("role", have.Roles, want.Roles, skip.Roles, func(r rbac.SnapshotRole) string { return r.ID })...)
	out = append(out, diffKind("user", have.Users, want.Users, skip.Users, func(u rbac.SnapshotUser) string { return u.ID })...)
	out = append(out, diffKind("group", have.Groups, want.Groups, skip.Groups, func(g rbac.SnapshotGroup) string { return g.ID })...)
	return out
}

func diffKind[T any](kind string, have, want []T, skip []string, id func(T) string) []string {
	hm, wm := rbac.IndexBy(have, id), rbac.IndexBy(want, id)
	var out []string
	for _, k := range slices.Sorted(mapsKeys(hm, wm)) {
		if _, skipped := slices.BinarySearch(skip, k); skipped {
			continue
		}
		h, inEngine := hm[k]
		w, inDB := wm[k]
		switch {
		case !inDB:
			out = append(out, fmt.Sprintf("%s %s: in the engine, not in the database", kind, k))
		case !inEngine:
			out = append(out, fmt.Sprintf("%s %s: in the database, not in the engine", kind, k))
		case !reflect.DeepEqual(h, w):
			out = append(out, fmt.Sprintf("%s %s: engine %+v, database %+v", kind, k, h, w))
		}
	}
	return out
}

func mapsKeys[T any](a, b map[string]T) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range a {
			if !yield(k) {
				return
			}
		}
		for k := range b {
			if _, dup := a[k]; !dup && !yield(k) {
				return
			}
		}
	}
}
