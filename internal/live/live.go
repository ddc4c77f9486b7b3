package live

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/rosterhq/roster/internal/eval"
	"github.com/rosterhq/roster/internal/rbac"
)

// fullReloadAfter is the weight of pending changes (rbac.Weight) from which
// a fresh snapshot is cheaper than a delta (a variable so tests can reach it
// cheaply).
var fullReloadAfter = 2000

// Engines holds the live engine of every tenant this process has evaluated.
type Engines struct {
	src rbac.EvalSource
	log *slog.Logger

	mu      sync.Mutex
	tenants map[string]*entry
	stats   syncStats
	repairs repairCounts

	hooksMu     sync.RWMutex
	changeHooks []func(tenantID string, c rbac.Change)
	reloadHooks []func(tenantID string)
}

type entry struct {
	id string
	// syncMu lets one goroutine at a time load or catch up; readers of an
	// engine that is already new enough never take it.
	syncMu sync.Mutex
	engine atomic.Pointer[eval.Tenant]
	// known is the newest revision this process knows was committed; it
	// only rises (raise).
	known atomic.Int64
	// dead is set by Forget: the entry is out of the map for good.
	dead atomic.Bool
}

// errDead sends Get back to the map for the entry that replaced a dead one.
var errDead = errors.New("live: the tenant's engine was dropped")

// New returns Engines reading from src.
func New(src rbac.EvalSource, log *slog.Logger) *Engines {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Engines{src: src, log: log, tenants: map[string]*entry{}}
}

// OnChange registers fn to run for every change applied to any tenant (the
// token cache forgets revoked tokens and disabled users' tokens this way).
// It runs during a catch-up, in revision order, before the engine reports
// the change's revision.
func (e *Engines) OnChange(fn func(tenantID string, c rbac.Change)) {
	e.hooksMu.Lock()
	defer e.hooksMu.Unlock()
	e.changeHooks = append(e.changeHooks, fn)
}

// OnReload registers fn to run whenever a tenant's engine is built from a
// snapshot (its first load, a big catch-up, a repair): changes the feed did
// not replay one by one may have happened, so caches of that tenant must be
// dropped. It runs before the new engine is published.
func (e *Engines) OnReload(fn func(tenantID string)) {
	e.hooksMu.Lock()
	defer e.hooksMu.Unlock()
	e.reloadHooks = append(e.reloadHooks, fn)
}

// Notify records that the tenant has reached revision rev (a write this
// process just committed); the next Get catches up to it.
func (e *Engines) Notify(tenantID string, rev int64) {
	raise(&e.entry(tenantID).known, rev)
}

// raise sets a to v unless it already holds as much or more.
func raise(a *atomic.Int64, v int64) {
	for {
		cur := a.Load()
		if v <= cur || a.CompareAndSwap(cur, v) {
			return
		}
	}
}

// Forget drops a tenant's engine (the tenant was deleted, or the database
// lost writes the engine applied): the next Get builds a new one.
func (e *Engines) Forget(tenantID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if ent := e.tenants[tenantID]; ent != nil {
		ent.dead.Store(true)
		delete(e.tenants, tenantID)
	}
}

func (e *Engines) forgetEntry(ent *entry) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ent.dead.Store(true)
	if e.tenants[ent.id] == ent {
		delete(e.tenants, ent.id)
	}
}

func (e *Engines) entry(tenantID string) *entry {
	e.mu.Lock()
	defer e.mu.Unlock()
	ent, ok := e.tenants[tenantID]
	if !ok {
		ent = &entry{id: tenantID}
		e.tenants[tenantID] = ent
	}
	return ent
}

// Get returns the tenant's engine at a revision of at least minRev and of
// every write this process has made or learned of. A minRev the tenant has
// not reached is EInvalid naming `min_revision`; an unknown tenant ENotFound.
func (e *Engines) Get(ctx context.Context, tenantID string, minRev int64) (*eval.Tenant, error) {
	for {
		ent := e.entry(tenantID)
		if t := ent.engine.Load(); t != nil {
			if r := t.Revision(); r >= minRev && r >= ent.known.Load() {
				return t, nil
			}
		}
		t, err := e.sync(ctx, ent, minRev)
		if errors.Is(err, errDead) {
			continue
		}
		return t, err
	}
}

// Sync returns the tenant's engine caught up to the database's current
// revision, whatever this process knew of.
func (e *Engines) Sync(ctx context.Context, tenantID string) (*eval.Tenant, error) {
	rev, err := e.src.TenantRevision(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return e.Get(ctx, tenantID, rev)
}

// sync brings ent's engine to at least minRev and ent.known, holding its
// syncMu.
func (e *Engines) sync(ctx context.Context, ent *entry, minRev int64) (*eval.Tenant, error) {
	ent.syncMu.Lock()
	defer ent.syncMu.Unlock()
	if ent.dead.Load() {
		return nil, errDead
	}
	defer e.stats.time(ent)()
	t := ent.engine.Load()
	if t == nil {
		var err error
		if t, err = e.reload(ctx, ent); err != nil {
			return nil, err
		}
	}
	for t.Revision() < max(minRev, ent.known.Load()) {
		next, err := e.step(ctx, ent, t, minRev)
		if err != nil {
			return nil, err
		}
		t = next
	}
	return t, nil
}

// step moves t forward by one delta read from the database: to the head
// revision, or by a fresh snapshot when the delta would weigh more.
func (e *Engines) step(ctx context.Context, ent *entry, t *eval.Tenant, minRev int64) (*eval.Tenant, error) {
	d, ok, err := e.src.LoadDelta(ctx, ent.id, t.Revision(), fullReloadAfter)
	if err != nil {
		if rbac.IsCode(err, rbac.ENotFound) {
			e.forgetEntry(ent)
		}
		return nil, err
	}
	if !ok {
		return e.reload(ctx, ent)
	}
	if d.To == t.Revision() {
		// The database is at the engine's revision.
		if minRev > d.To {
			return nil, rbac.Invalid("min_revision", fmt.Sprintf("the tenant has not reached revision %d (it is at %d)", minRev, d.To))
		}
		if known := ent.known.Load(); known > d.To {
			// A write this process saw commit is gone: the database lost
			// committed writes (a failover to a lagging standby, a restore).
			// Nothing the engine holds can be trusted: rebuild.
			e.log.Warn("live: the database is behind a revision this process saw committed; rebuilding",
				"tenant", ent.id, "known_revision", known, "database_revision", d.To)
			e.forgetEntry(ent)
			return nil, errDead
		}
		return t, nil
	}
	e.runChangeHooks(ent.id, d.Changes)
	if err := t.Apply(d); err != nil {
		// Only a store breaking its contract gets here: start afresh.
		e.log.Error("live: a delta did not apply; reloading the tenant", "tenant", ent.id, "error", err)
		return e.reload(ctx, ent)
	}
	raise(&ent.known, d.To)
	return t, nil
}

// reload builds ent's engine from a snapshot and publishes it.
func (e *Engines) reload(ctx context.Context, ent *entry) (*eval.Tenant, error) {
	snap, err := e.src.LoadSnapshot(ctx, ent.id)
	if err != nil {
		if rbac.IsCode(err, rbac.ENotFound) {
			e.forgetEntry(ent)
		}
		return nil, err
	}
	t := eval.New(snap)
	e.runReloadHooks(ent.id)
	ent.engine.Store(t)
	raise(&ent.known, snap.Revision)
	return t, nil
}

func (e *Engines) runChangeHooks(tenantID string, changes []rbac.Change) {
	e.hooksMu.RLock()
	defer e.hooksMu.RUnlock()
	for _, c := range changes {
		for _, fn := range e.changeHooks {
			fn(tenantID, c)
		}
	}
}

func (e *Engines) runReloadHooks(tenantID string) {
	e.hooksMu.RLock()
	defer e.hooksMu.RUnlock()
	for _, fn := range e.reloadHooks {
		fn(tenantID)
	}
}
