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
	e.mu.Lock()
	ids := make([]string, 0, len(e.tenants))
	for id := range e.tenants {
		ids = append(ids, id)
	}
	e.mu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	revs, err := e.revisions(ctx, ids)
	if err != nil {
		return err
	}
	var first error
	for _, id := range ids {
		rev, ok := revs[id]
		if !ok {
			e.Forget(id) // deleted: a later Get reloads (and answers not found)
			continue
		}
		e.mu.Lock()
		ent := e.tenants[id]
		e.mu.Unlock()
		if ent == nil {
			continue
		}
		t := ent.engine.Load()
		if t != nil && rev < t.Revision() {
			// The database is behind what this engine applied: it lost
			// committed writes (a failover to a lagging standby, a restore).
			// Nothing after this revision can be trusted: rebuild.
			e.log.Warn("live: tenant revision went backwards; reloading", "tenant", id,
				"engine_revision", t.Revision(), "database_revision", rev)
			e.Forget(id)
			continue
		}
		if t == nil || t.Revision() >= rev {
			// No engine yet (nothing to keep fresh) or already there.
			continue
		}
		e.Notify(id, rev)
		if _, err := e.Get(ctx, id, 0); err != nil && first == nil {
			first = err
		}
	}
	return first
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
