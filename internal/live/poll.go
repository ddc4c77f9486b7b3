package live

import (
	"context"
	"time"

	"github.com/rosterhq/roster/internal/rbac"
)

// DefaultPollInterval is how often Poll reads tenant revisions. Together
// with one catch-up it bounds how stale a replica's answers (and its token
// cache) may be after another replica's write: well under a second.
const DefaultPollInterval = 200 * time.Millisecond

// RevisionSource reads many tenants' revisions in one query. Sources
// without it are polled one tenant at a time through TenantRevision.
type RevisionSource interface {
	// TenantRevisions returns the revision of each tenant in ids that
	// exists; deleted tenants are missing from the map.
	TenantRevisions(ctx context.Context, ids []string) (map[string]int64, error)
}

// Poll keeps this process's engines in step with writes other processes
// (replicas on the same database) commit, until ctx ends. Every interval it
// reads the revisions of the tenants this process holds engines for, in one
// query, and for each that moved it records the revision (Notify) and
// catches the engine up at once. Catching up runs the change hooks, so the
// token cache forgets revoked tokens and disabled users within one interval
// plus one catch-up, even for tokens whose tenant sees no evaluated reads.
// Tenants that no longer exist are forgotten.
//
// Polling was chosen over LISTEN/NOTIFY: it needs no connection held open
// outside the pool, loses nothing while a connection is down (the next poll
// after it comes back sees every revision that moved meanwhile, which a
// notification sent during the outage would not), works on
// PostgreSQL-compatible databases without LISTEN (CockroachDB, YugabyteDB
// behind some proxies, PgBouncer in transaction mode) and on a shared
// SQLite file, and costs one indexed primary-key read per interval per
// replica. A client that needs a write's effect at once passes
// min_revision, which catches up on the spot (Get).
func (e *Engines) Poll(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = DefaultPollInterval
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		err := e.PollOnce(ctx)
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			failing = true
			e.log.Warn("live: polling tenant revisions failed; retrying every interval", "error", err)
		case err == nil && failing:
			failing = false
			e.log.Info("live: polling tenant revisions recovered")
		}
	}
}

// PollOnce is one round of Poll: it returns the first error met, after
// trying every tenant.
func (e *Engines) PollOnce(ctx context.Context) error {
	ents := e.entries()
	if len(ents) == 0 {
		return nil
	}
	// Each engine's revision is read before the database's: an engine that
	// catches up after this read is only newer, never mistaken for one the
	// database fell behind.
	ids := make([]string, len(ents))
	applied := make([]int64, len(ents))
	for i, ent := range ents {
		ids[i] = ent.id
		applied[i] = -1 // no engine yet
		if t := ent.engine.Load(); t != nil {
			applied[i] = t.Revision()
		}
	}
	revs, err := e.revisions(ctx, ids)
	if err != nil {
		return err
	}
	var first error
	for i, ent := range ents {
		rev, ok := revs[ent.id]
		if !ok {
			e.forgetEntry(ent) // deleted: a later Get reloads (and answers not found)
			continue
		}
		if rev < applied[i] {
			// The database is behind what this engine applied: it lost
			// committed writes (a failover to a lagging standby, a restore).
			// Nothing after this revision can be trusted: rebuild.
			e.log.Warn("live: tenant revision went backwards; reloading", "tenant", ent.id,
				"engine_revision", applied[i], "database_revision", rev)
			e.forgetEntry(ent)
			continue
		}
		// Raised even while the first load is in flight: its snapshot may
		// predate rev, and the next Get must not answer from it.
		raise(&ent.known, rev)
		if applied[i] < 0 || applied[i] >= rev {
			// No engine yet (nothing to keep fresh) or already there.
			continue
		}
		if _, err := e.Get(ctx, ent.id, 0); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// entries lists the tenants this process holds entries for.
func (e *Engines) entries() []*entry {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]*entry, 0, len(e.tenants))
	for _, ent := range e.tenants {
		out = append(out, ent)
	}
	return out
}

func (e *Engines) revisions(ctx context.Context, ids []string) (map[string]int64, error) {
	if rs, ok := e.src.(RevisionSource); ok {
		return rs.TenantRevisions(ctx, ids)
	}
	out := make(map[string]int64, len(ids))
	for _, id := range ids {
		rev, err := e.src.TenantRevision(ctx, id)
		if err != nil {
			if isNotFound(err) {
				continue
			}
			return nil, err
		}
		out[id] = rev
	}
	return out, nil
}

func isNotFound(err error) bool { return rbac.IsCode(err, rbac.ENotFound) }
