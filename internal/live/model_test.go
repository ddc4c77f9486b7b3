package live_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/eval"
	"github.com/rosterhq/roster/internal/live"
	"github.com/rosterhq/roster/internal/rbac"
)

// The model test runs live.Engines against modelSource with concurrent
// writers, readers, a poller and a verifier, and holds every answer to the
// database it models: each view a reader opens must be exactly the
// database's state at the view's revision (Export against that revision's
// snapshot), agree with itself, and be at least as new as every revision
// the reader was promised (min_revision, Sync, and read-your-writes through
// Notify). The writes are drawn from the seed; their interleaving with the
// reads is the scheduler's, so a failure names the seed but may need a few
// runs (-count) to recur.

var modelTenants = []string{"acme", "globex"}

// PollOnce once read the database's revisions before each engine's, took a
// Get that caught up in between for the database going backwards, and
// forgot the tenant (a needless reload, change hooks run twice and out of
// order): this test found it. Any "went backwards" WARN, hook disorder or
// answer older than the reader's previous one now fails it.

const (
	modelWriters    = 4 // the first half Notify the primary; the others are another replica's
	modelReaders    = 4
	modelRunFor     = 250 * time.Millisecond
	modelMaxWrites  = 1500 // per writer: every revision's state is kept
	modelSmallDelta = 12   // fullReloadAfter for odd seeds: catch-ups race with reloads
)

func TestModel_concurrentWritersReadersAndReplicas(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("failed with seed %d", seed)
				}
			})
			if seed%2 == 1 {
				defer live.SetFullReloadAfter(live.SetFullReloadAfter(modelSmallDelta))
			}
			runModel(t, seed)
		})
	}
}

type modelRun struct {
	t   *testing.T
	src *modelSource
	// engines[0] is this process's (told of some writes through Notify),
	// engines[1] a replica's, which only learns of writes by polling.
	engines  [2]*live.Engines
	notified map[string]*atomic.Int64 // per tenant: the newest revision whose Notify has returned
	stop     atomic.Bool
	views    atomic.Int64 // checked by readers, for the log
}

// fail reports from any goroutine (t.Errorf, never FailNow) and stops the
// run, so one bug does not bury itself under a thousand copies.
func (m *modelRun) fail(format string, args ...any) {
	m.t.Helper()
	m.t.Errorf(format, args...)
	m.stop.Store(true)
}

func runModel(t *testing.T, seed uint64) {
	m := &modelRun{t: t, src: newModelSource(true, modelTenants...), notified: map[string]*atomic.Int64{}}
	g := modelGen{rand.New(rand.NewPCG(seed, 0))}
	for _, tenant := range modelTenants {
		m.notified[tenant] = new(atomic.Int64)
		for range 60 { // a populated tenant before the engines first load it
			m.src.write(tenant, g.mutate)
		}
	}
	// Any WARN or ERROR is a false alarm here: the model never loses writes,
	// never leaves gaps, and verification must find nothing to repair.
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	for i, name := range []string{"primary", "replica"} {
		m.engines[i] = live.New(m.src, log.With("engine", name))
		m.followFeed(name, m.engines[i])
	}

	deadline := time.Now().Add(modelRunFor)
	running := func() bool { return !m.stop.Load() && time.Now().Before(deadline) }
	var wg sync.WaitGroup
	for i := range modelWriters {
		wg.Go(func() { m.writer(modelGen{rand.New(rand.NewPCG(seed, uint64(100+i)))}, i < modelWriters/2, running) })
	}
	for i := range modelReaders {
		wg.Go(func() { m.reader(modelGen{rand.New(rand.NewPCG(seed, uint64(200+i)))}, running) })
	}
	var polled sync.WaitGroup
	var done atomic.Bool
	polled.Go(func() { m.poller(&done) })
	wg.Wait()
	done.Store(true)
	polled.Wait()
	if t.Failed() {
		return
	}

	// Quiet now: both engines at the head must be the database's state and
	// answer as an engine built afresh from it does.
	for _, tenant := range modelTenants {
		snap, err := m.src.LoadSnapshot(ctx, tenant)
		require.NoError(t, err)
		fresh := eval.New(snap)
		for i, e := range m.engines {
			eng, err := e.Get(ctx, tenant, snap.Revision)
			require.NoError(t, err)
			require.Equal(t, snap.Revision, eng.Revision())
			for h := -7; h <= 7; h += 2 {
				now := modelT0.Add(time.Duration(h) * time.Hour)
				v := eng.View()
				have := v.Export(now)
				v.Close()
				require.Equal(t, eval.Canonical(snap, now), have, "engine %d, tenant %s at %s", i, tenant, now)
				sameAnswers(t, fresh, eng, now)
			}
		}
	}
	for i, e := range m.engines {
		require.NoError(t, e.Verify(ctx))
		require.Empty(t, e.Repairs(), "engine %d", i)
		st := e.Stats()
		t.Logf("engine %d: %d loads, %d catch-ups", i, st.Loads, st.CatchUps)
		require.NotZero(t, st.CatchUps, "engine %d never caught up: the test exercised nothing", i)
	}
	require.Empty(t, logs.String())
	t.Logf("revisions %d and %d; %d views checked; %d snapshots and %d deltas read", m.src.head(modelTenants[0]),
		m.src.head(modelTenants[1]), m.views.Load(), m.src.snapshots.Load(), m.src.deltas.Load())
}

func (m *modelRun) notify(tenant string, rev int64) {
	m.engines[0].Notify(tenant, rev)
	n := m.notified[tenant]
	for cur := n.Load(); rev > cur && !n.CompareAndSwap(cur, rev); cur = n.Load() {
	}
}

// writer commits random writes; like the server, it tells the primary of
// most of its writes when notifies, and never when it plays another replica.
func (m *modelRun) writer(g modelGen, notifies bool, running func() bool) {
	for n := 0; n < modelMaxWrites && running(); n++ {
		tenant := pick(g, modelTenants)
		rev := m.src.write(tenant, g.mutate)
		if notifies && g.chance(0.8) {
			m.notify(tenant, rev)
		}
		if g.chance(0.5) {
			runtime.Gosched()
		} else {
			time.Sleep(time.Duration(g.rnd.IntN(100)) * time.Microsecond)
		}
	}
}

func (m *modelRun) reader(g modelGen, running func() bool) {
	last := [2]map[string]int64{{}, {}} // per engine and tenant: the newest revision seen
	for running() {
		tenant, which := pick(g, modelTenants), 0
		if g.chance(0.3) {
			which = 1
		}
		e := m.engines[which]
		var floor int64 // the revision the answer is promised to reach
		if which == 0 {
			if g.chance(0.1) { // a write of its own: read-your-writes
				rev := m.src.write(tenant, g.mutate)
				m.notify(tenant, rev)
				floor = rev
			}
			floor = max(floor, m.notified[tenant].Load())
		}
		var eng *eval.Tenant
		var err error
		switch n := g.rnd.IntN(10); {
		case n < 4:
			eng, err = e.Get(ctx, tenant, 0)
		case n < 7: // min_revision: a revision a client saw another replica answer with
			minRev := max(0, m.src.head(tenant)-int64(g.rnd.IntN(3)))
			floor = max(floor, minRev)
			eng, err = e.Get(ctx, tenant, minRev)
		case n < 9:
			floor = max(floor, m.src.head(tenant))
			eng, err = e.Sync(ctx, tenant)
		default:
			beyond := m.src.head(tenant) + 1<<40
			if _, err := e.Get(ctx, tenant, beyond); rbac.ErrorCode(err) != rbac.EInvalid {
				m.fail("Get(%s, %d) beyond the head: %v, want EInvalid", tenant, beyond, err)
			}
			continue
		}
		if err != nil {
			m.fail("engine %d: Get %s: %v", which, tenant, err)
			return
		}
		now := modelT0.Add(time.Duration(g.rnd.IntN(14*60)-7*60) * time.Minute)
		v := eng.View()
		rev := v.Revision()
		problem := viewProblem(v, g, now)
		have := v.Export(now)
		v.Close()
		switch {
		case rev >= last[which][tenant]:
		default:
			m.fail("engine %d, tenant %s: answered at revision %d after %d", which, tenant, rev, last[which][tenant])
		}
		switch {
		case rev < floor:
			m.fail("engine %d, tenant %s: answered at revision %d, promised at least %d", which, tenant, rev, floor)
		case problem != "":
			m.fail("engine %d, tenant %s at revision %d, now %s: %s", which, tenant, rev, now.Format(time.TimeOnly), problem)
		case !assert.Equal(m.t, eval.Canonical(m.src.snapshotAt(tenant, rev), now), have,
			"engine %d, tenant %s: the state at revision %d is not the database's", which, tenant, rev):
			m.stop.Store(true)
		}
		last[which][tenant] = rev
		m.views.Add(1)
	}
}

// poller is both processes' Poll loop, and their Verify loop at a faster
// pace: verification compares engines with snapshots while writes land.
// Polls bound a replica's staleness: after two rounds, every write
// committed before the first is seen without being asked for. (Not after
// one: PollOnce skips an entry whose first load is still in flight, and
// that load's snapshot may predate the round's revisions.)
func (m *modelRun) poller(done *atomic.Bool) {
	var before [2]map[string]int64 // per engine: the heads read before its previous round
	for i := 0; !done.Load(); i++ {
		for j, e := range m.engines {
			heads := map[string]int64{}
			for _, tenant := range modelTenants {
				heads[tenant] = m.src.head(tenant)
			}
			if err := e.PollOnce(ctx); err != nil {
				m.fail("engine %d: PollOnce: %v", j, err)
			}
			for tenant, head := range before[j] {
				eng, err := e.Get(ctx, tenant, 0)
				switch {
				case err != nil:
					m.fail("engine %d: Get %s: %v", j, tenant, err)
				case eng.Revision() < head:
					m.fail("engine %d, tenant %s: at revision %d after two polls; the database was at %d before them", j, tenant, eng.Revision(), head)
				}
			}
			before[j] = heads
			if i%10 == 0 {
				if err := e.Verify(ctx); err != nil {
					m.fail("engine %d: Verify: %v", j, err)
				}
			}
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// followFeed holds the change hooks to the feed: per tenant, the changes
// the database recorded, in revision order, none skipped except across a
// reload (which replaces the engine from a snapshot).
func (m *modelRun) followFeed(name string, e *live.Engines) {
	var mu sync.Mutex
	last, reloaded := map[string]int64{}, map[string]bool{}
	e.OnReload(func(tenant string) {
		mu.Lock()
		defer mu.Unlock()
		reloaded[tenant] = true
	})
	e.OnChange(func(tenant string, c rbac.Change) {
		mu.Lock()
		defer mu.Unlock()
		switch prev := last[tenant]; {
		case c.Revision <= prev || !reloaded[tenant] && c.Revision != prev+1:
			m.fail("%s: change hook saw revision %d of %s after %d", name, c.Revision, tenant, prev)
		case !reflect.DeepEqual(c, m.src.changeAt(tenant, c.Revision)):
			m.fail("%s: change hook saw %+v, the feed holds %+v", name, c, m.src.changeAt(tenant, c.Revision))
		}
		last[tenant], reloaded[tenant] = c.Revision, false
	})
}

// viewProblem asks one view related questions and describes the first
// answers that disagree with each other ("" when none do).
func viewProblem(v eval.View, g modelGen, now time.Time) string {
	user, org, perm, role := pick(g, userIDs), pick(g, queryOrgs), pick(g, queryPerms), pick(g, roleIDs)
	d := v.Check(user, perm, org, now)
	perms := v.Permissions(user, org, now)
	roles := v.EvaluatedRoles(user, org, false, now)
	if d.Allowed != rbac.AnyGrants(perms, perm) ||
		d.Allowed && (!slices.Contains(perms, d.Pattern) || !rbac.Grants(d.Pattern, perm) || !holds(roles, d.RoleID)) {
		return fmt.Sprintf("Check(%s, %s, %q) = %+v, but Permissions = %v and EvaluatedRoles = %+v", user, perm, org, d, perms, roles)
	}
	roleHolders := allPages(func(after string) ([]string, string) { return v.HoldersOfRole(role, org, after, 3, now) })
	permHolders := allPages(func(after string) ([]string, string) { return v.HoldersOfPermission(perm, org, after, 3, now) })
	for _, u := range userIDs {
		if slices.Contains(roleHolders, u) != holds(v.EvaluatedRoles(u, org, false, now), role) {
			return fmt.Sprintf("HoldersOfRole(%s, %q) = %v disagrees with EvaluatedRoles of %s", role, org, roleHolders, u)
		}
		if slices.Contains(permHolders, u) != v.Check(u, perm, org, now).Allowed {
			return fmt.Sprintf("HoldersOfPermission(%s, %q) = %v disagrees with Check of %s", perm, org, permHolders, u)
		}
	}
	return ""
}

func holds(roles []eval.EvaluatedRole, id string) bool {
	return slices.ContainsFunc(roles, func(r eval.EvaluatedRole) bool { return r.RoleID == id })
}

func allPages(page func(after string) ([]string, string)) []string {
	out := []string{}
	for after := ""; ; {
		ids, next := page(after)
		out = append(out, ids...)
		if next == "" {
			return out
		}
		after = next
	}
}

// sameAnswers asks both engines every question of the vocabularies.
func sameAnswers(t *testing.T, want, got *eval.Tenant, now time.Time) {
	t.Helper()
	for _, org := range queryOrgs {
		at := fmt.Sprintf("org %q at %s", org, now)
		for _, u := range userIDs {
			for _, p := range queryPerms {
				require.Equal(t, want.Check(u, p, org, now), got.Check(u, p, org, now), "Check %s %s %s", u, p, at)
			}
			require.Equal(t, want.Permissions(u, org, now), got.Permissions(u, org, now), "Permissions %s %s", u, at)
			for _, all := range []bool{false, true} {
				require.Equal(t, want.EvaluatedRoles(u, org, all, now), got.EvaluatedRoles(u, org, all, now), "EvaluatedRoles %s %v %s", u, all, at)
			}
		}
		for _, r := range roleIDs {
			require.Equal(t, allPages(func(after string) ([]string, string) { return want.HoldersOfRole(r, org, after, 3, now) }),
				allPages(func(after string) ([]string, string) { return got.HoldersOfRole(r, org, after, 3, now) }), "HoldersOfRole %s %s", r, at)
		}
		for _, p := range queryPerms {
			require.Equal(t, allPages(func(after string) ([]string, string) { return want.HoldersOfPermission(p, org, after, 3, now) }),
				allPages(func(after string) ([]string, string) { return got.HoldersOfPermission(p, org, after, 3, now) }), "HoldersOfPermission %s %s", p, at)
		}
	}
}
