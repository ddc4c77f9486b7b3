package live

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/rosterhq/roster/internal/eval"
	"github.com/rosterhq/roster/internal/rbac"
)

// fullReloadAfter is how many pending changes make a fresh snapshot cheaper
// than replaying them one by one (a variable so tests can reach it cheaply).
var fullReloadAfter = 2000

// Engines holds the live engine of every tenant this process has evaluated.
type Engines struct {
	src rbac.EvalSource
	log *slog.Logger

	mu      sync.Mutex
	tenants map[string]*entry
	stats   syncStats

	hooksMu sync.RWMutex
	hooks   []func(tenantID string, c rbac.Change)
}

type entry struct {
	// syncMu lets one goroutine at a time load or catch up; readers of an
	// engine that is already new enough never take it.
	syncMu sync.Mutex
	engine atomic.Pointer[eval.Tenant]
	// known is the newest revision this process knows exists: its own
	// writes report theirs through Notify, so it reads its own writes.
	known atomic.Int64
}

// New returns Engines reading from src.
func New(src rbac.EvalSource, log *slog.Logger) *Engines {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Engines{src: src, log: log, tenants: map[string]*entry{}}
}

// OnChange registers fn to run for every change applied to any tenant (the
// token cache forgets revoked tokens and disabled users' tokens this way).
// It runs during a catch-up, before the engine reports the new revision.
func (e *Engines) OnChange(fn func(tenantID string, c rbac.Change)) {
	e.hooksMu.Lock()
	defer e.hooksMu.Unlock()
	e.hooks = append(e.hooks, fn)
}

// Notify records that the tenant has reached revision rev (a write this
// process just committed); the next Get catches up to it.
func (e *Engines) Notify(tenantID string, rev int64) {
	ent := e.entry(tenantID)
	for {
		cur := ent.known.Load()
		if rev <= cur || ent.known.CompareAndSwap(cur, rev) {
			return
		}
	}
}

// Forget drops a tenant's engine (the tenant was deleted).
func (e *Engines) Forget(tenantID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.tenants, tenantID)
}

func (e *Engines) entry(tenantID string) *entry {
	e.mu.Lock()
	defer e.mu.Unlock()
	ent, ok := e.tenants[tenantID]
	if !ok {
		ent = &entry{}
		e.tenants[tenantID] = ent
	}
	return ent
}

// Get returns the tenant's engine at a revision of at least minRev and of
// every write this process has made or learned of. A minRev the tenant has
// not reached is EInvalid naming `min_revision`; an unknown tenant ENotFound.
func (e *Engines) Get(ctx context.Context, tenantID string, minRev int64) (*eval.Tenant, error) {
	ent := e.entry(tenantID)
	if t := ent.engine.Load(); t != nil {
		if r := t.Revision(); r >= minRev && r >= ent.known.Load() {
			return t, nil
		}
	}
	ent.syncMu.Lock()
	defer ent.syncMu.Unlock()
	defer e.stats.time(ent)()
	t := ent.engine.Load()
	if t == nil {
		snap, err := e.src.LoadSnapshot(ctx, tenantID)
		if err != nil {
			if rbac.IsCode(err, rbac.ENotFound) {
				e.Forget(tenantID)
			}
			return nil, err
		}
		t = eval.New(snap)
		ent.engine.Store(t)
		e.Notify(tenantID, snap.Revision)
	}
	target := max(minRev, ent.known.Load())
	if t.Revision() < target {
		var err error
		if t, err = e.catchUp(ctx, tenantID, ent, t); err != nil {
			return nil, err
		}
	}
	if t.Revision() < minRev {
		return nil, rbac.Invalid("min_revision", fmt.Sprintf("the tenant has not reached revision %d (it is at %d)", minRev, t.Revision()))
	}
	return t, nil
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

// catchUp applies every change after the engine's revision. Reloading an
// entity reads it as it is now, possibly newer than the change that named
// it; that only makes the answer fresher, and replaying is idempotent.
func (e *Engines) catchUp(ctx context.Context, tenantID string, ent *entry, t *eval.Tenant) (*eval.Tenant, error) {
	for {
		changes, err := e.src.Changes(ctx, tenantID, t.Revision(), fullReloadAfter)
		if err != nil {
			return t, err
		}
		if len(changes) == 0 {
			// Nothing after us: the known revision may be ahead only because
			// a write was rolled back after reporting; trust the database.
			rev, err := e.src.TenantRevision(ctx, tenantID)
			if err != nil {
				return t, err
			}
			if rev > t.Revision() {
				t.SetRevision(rev)
			}
			ent.known.Store(t.Revision())
			return t, nil
		}
		if weight(changes) >= fullReloadAfter {
			snap, err := e.src.LoadSnapshot(ctx, tenantID)
			if err != nil {
				return t, err
			}
			fresh := eval.New(snap)
			// Hooks (the token cache) must see every change the snapshot
			// absorbed, not only the batch that triggered the reload.
			if err := e.hookRange(ctx, tenantID, t.Revision(), snap.Revision); err != nil {
				return t, err
			}
			ent.engine.Store(fresh)
			t = fresh
			e.Notify(tenantID, snap.Revision)
			continue
		}
		for _, c := range changes {
			if err := e.apply(ctx, tenantID, t, c); err != nil {
				return t, err
			}
			e.runHooks(tenantID, []rbac.Change{c})
			t.SetRevision(c.Revision)
		}
	}
}

// hookRange runs the hooks for every change in (from, to].
func (e *Engines) hookRange(ctx context.Context, tenantID string, from, to int64) error {
	for from < to {
		changes, err := e.src.Changes(ctx, tenantID, from, 1000)
		if err != nil {
			return err
		}
		if len(changes) == 0 {
			return nil
		}
		for _, c := range changes {
			if c.Revision > to {
				return nil
			}
			e.runHooks(tenantID, []rbac.Change{c})
			from = c.Revision
		}
	}
	return nil
}

func (e *Engines) runHooks(tenantID string, changes []rbac.Change) {
	e.hooksMu.RLock()
	defer e.hooksMu.RUnlock()
	for _, c := range changes {
		for _, fn := range e.hooks {
			fn(tenantID, c)
		}
	}
}

// apply reloads what one change touched: the users it lists, then its target.
func (e *Engines) apply(ctx context.Context, tenantID string, t *eval.Tenant, c rbac.Change) error {
	for _, id := range c.Users {
		if err := e.reloadUser(ctx, tenantID, t, id); err != nil {
			return err
		}
	}
	switch c.TargetType {
	case "user":
		return e.reloadUser(ctx, tenantID, t, c.TargetID)
	case "role":
		r, err := e.src.LoadSnapshotRole(ctx, tenantID, c.TargetID)
		if rbac.IsCode(err, rbac.ENotFound) {
			t.DeleteRole(c.TargetID)
			return nil
		}
		if err != nil {
			return err
		}
		t.PutRole(r)
	case "group":
		g, err := e.src.LoadSnapshotGroup(ctx, tenantID, c.TargetID)
		if rbac.IsCode(err, rbac.ENotFound) {
			t.DeleteGroup(c.TargetID)
			return nil
		}
		if err != nil {
			return err
		}
		t.PutGroup(g)
	case "organization":
		if c.Action == "organization.delete" {
			t.DeleteOrganization(c.TargetID)
		}
	default:
		// tenant settings, tokens: nothing evaluation holds (hooks still see them).
	}
	return nil
}

func (e *Engines) reloadUser(ctx context.Context, tenantID string, t *eval.Tenant, userID string) error {
	u, err := e.src.LoadSnapshotUser(ctx, tenantID, userID)
	if rbac.IsCode(err, rbac.ENotFound) {
		t.DeleteUser(userID)
		return nil
	}
	if err != nil {
		return err
	}
	t.PutUser(u)
	return nil
}

// weight is how many entities the changes make the engine reload: a change
// listing many users (a role's assignee list) weighs as much as that many
// changes, so a big one is cheaper as a fresh snapshot.
func weight(changes []rbac.Change) int {
	n := len(changes)
	for _, c := range changes {
		n += len(c.Users)
	}
	return n
}
