package app_test

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"
	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/internal/app"
	"github.com/rosterhq/roster/internal/store/pgtest"
	"github.com/rosterhq/roster/server/servertest"
)

// The stress tests prove "evaluation is never wrong" (docs/deploy.md, "What a replica guarantees"):
// writers of every kind race readers on one tenant, every answer a reader
// gets must be one the contract allows, and once the writes stop every
// evaluated answer must equal what an engine built afresh from the
// database answers.

// envStressDuration overrides how long the load runs (a Go duration).
const envStressDuration = "ROSTER_STRESS_DURATION"

const (
	stressTenant  = "stress"
	stressWriters = 8
	stressReaders = 4
	// stressStable users are made before the load and never deleted;
	// writers change everything else about them. Few, so writers collide.
	stressStable = 30
	// stressFlipSize users are in each of the flipper's two sets.
	stressFlipSize = 50
	// stressFlipRole is granted, in one write each, to set A or set B in
	// turn; nothing else ever touches it, its permission or its users.
	stressFlipRole = "role_flip"
	stressFlipPerm = "flip:go"
)

// stressRoles are the custom roles writers assign, edit and rewire; a role
// inherits only from roles later in the list, so inheritance never cycles.
var stressRoles = []string{"role_s0", "role_s1", "role_s2", "role_s3", "role_s4", "role_s5", "role_s6", "role_s7"}

// stressPerms are what writers give roles (role_member included). None of
// them grants flip:go, which only role_flip may.
var stressPerms = []string{"docs:read", "docs:write", "docs:*", "wiki:read", "wiki:edit",
	"billing:read", "billing:*", "reports:export", "*:read", "*:edit"}

// stressVerifyEvery makes every server compare its engines with the
// database all through the load, so that verification's own handling of
// concurrent writes is exercised too; it must never repair anything.
const stressVerifyEvery = 250 * time.Millisecond

func TestStress_sqlite(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "roster.db")
	runStress(t, dsn, map[string]string{"server": runMain(t, dsn)}, 0)
}

func TestStress_postgres(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	runStress(t, dsn, map[string]string{"server": runMain(t, dsn)}, 0)
}

// runMain is MustRun, except that its cleanup gives up on a Close that
// does not return (an engine wedged for good holds its poller, and Close
// waits for that) and shows where the server's goroutines are stuck,
// rather than hang the test binary until its timeout.
func runMain(t *testing.T, dsn string) string {
	m := app.New(app.Config{Addr: "127.0.0.1:0", DB: dsn, BootstrapToken: replicaToken, Stderr: io.Discard,
		VerifyInterval: stressVerifyEvery})
	require.NoError(t, m.Run(context.Background()))
	t.Cleanup(func() {
		closed := make(chan error, 1)
		go func() { closed <- m.Close() }()
		select {
		case err := <-closed:
			require.NoError(t, err)
		case <-time.After(40 * time.Second):
			// The goroutines inside the engine first: they hold what the
			// rest wait for.
			buf := make([]byte, 1<<22)
			var inside, waiting []string
			for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
				if strings.Contains(g, "roster/internal/eval.") {
					inside = append(inside, g)
				} else if strings.Contains(g, "roster/internal/live.") {
					waiting = append(waiting, g)
				}
			}
			stuck := append(inside, waiting...)
			t.Errorf("app.Close did not return in 40 s: the server is stuck; %d goroutines in live or eval, the first:\n%s",
				len(stuck), strings.Join(stuck[:min(3, len(stuck))], "\n\n"))
		}
	})
	return m.URL()
}

// TestStress_replicas spreads the writers over two replica processes and
// reads from both; each must have converged a second after the last write.
func TestStress_replicas(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	t.Setenv(envReplicaVerify, stressVerifyEvery.String())
	rs := startReplicas(t, dsn, map[string]string{"a": "", "b": ""})
	runStress(t, dsn, map[string]string{"a": rs["a"].url, "b": rs["b"].url}, converge)
}

// runStress sets the tenant up, runs the load, then compares every server
// with the database (after settle, for replicas that learn of each
// other's writes by polling).
func runStress(t *testing.T, dsn string, urls map[string]string, settle time.Duration) {
	s := newStress(t, dsn, urls)
	start := time.Now()
	s.setup()
	setupTook, d := time.Since(start), stressDuration(t)
	start = time.Now()
	s.load(d)
	loadTook := time.Since(start)
	t.Logf("writes done: %v", s.writes.ok)
	t.Logf("writes lost to a race (4xx): %v", s.writes.lost)
	t.Logf("reads answered 200: %v", s.reads.ok)
	t.Logf("reads answered 4xx: %v", s.reads.lost)
	s.requireEveryWriteKind()
	time.Sleep(settle)
	start = time.Now()
	for i := range s.servers {
		s.compare(i)
		s.requireNoRepairs(i)
	}
	t.Logf("setup %v, load %v, settle %v, comparison %v", setupTook.Round(time.Millisecond), loadTook.Round(time.Millisecond), settle,
		time.Since(start).Round(time.Millisecond))
	s.problems.report(t)
}

func stressDuration(t *testing.T) time.Duration {
	if v := os.Getenv(envStressDuration); v != "" {
		d, err := time.ParseDuration(v)
		require.NoError(t, err, envStressDuration)
		return d
	}
	if testing.Short() {
		return 2 * time.Second
	}
	return 6 * time.Second
}

type stress struct {
	t       *testing.T
	ctx     context.Context
	dsn     string
	servers []string // names, sorted
	urls    []string
	seed    uint64
	// base is shared by every client: enough idle connections that a dozen
	// goroutines do not open (and leave in TIME_WAIT) one per request.
	base   *http.Transport
	admin  string // the tenant admin's token (role_admin: *:*)
	stop   atomic.Bool
	serial atomic.Int64 // makes emails and names unique

	reg registry
	// stable is every user never deleted: the registry's stable users
	// (whom writers change) and the flipper's sets (whom they never touch).
	stable     map[string]bool
	stableList []string
	flipA      []string
	flipB      []string
	flipSet    map[string]byte // user → 'A' or 'B'

	writes   tally
	reads    tally
	log      opLog
	problems problems
}

func newStress(t *testing.T, dsn string, urls map[string]string) *stress {
	s := &stress{t: t, ctx: context.Background(), dsn: dsn, seed: uint64(time.Now().UnixNano()),
		base:   &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second},
		stable: map[string]bool{}, flipSet: map[string]byte{}, log: opLog{start: time.Now()},
		problems: problems{counts: map[string]int{}, examples: map[string][]string{}}}
	for _, name := range slices.Sorted(maps.Keys(urls)) {
		s.servers, s.urls = append(s.servers, name), append(s.urls, urls[name])
	}
	t.Cleanup(s.base.CloseIdleConnections)
	t.Logf("stress seed %d, servers %v", s.seed, urls)
	return s
}

// client is a typed client of server i sending token; every response
// passes through rt.
func (s *stress) client(i int, token string, rt http.RoundTripper) *client.ClientWithResponses {
	// A request under -race takes well under a second; a server that has
	// not answered in 10 s is stuck, and waiting longer only hides it.
	hc := &http.Client{Transport: rt, Timeout: 10 * time.Second}
	c, err := client.NewClientWithResponses(s.urls[i], client.WithHTTPClient(hc),
		client.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+token)
			return nil
		}))
	require.NoError(s.t, err)
	return c
}

// validating is a client of server i checking every response against the spec.
func (s *stress) validating(i int) *client.ClientWithResponses {
	return s.client(i, s.admin, servertest.ValidatingTransport{T: s.t, Next: s.base})
}

// workerTransport validates every tenth response against the spec (all of
// them under -race would cost most of the load the test means to make)
// and remembers the Roster-Revision of the last one: each worker has its
// own and sends one request at a time.
type workerTransport struct {
	t    testing.TB
	next http.RoundTripper
	n    atomic.Uint64
	rev  atomic.Int64
}

func (wt *workerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var next http.RoundTripper = servertest.ValidatingTransport{T: wt.t, Next: wt.next}
	if wt.n.Add(1)%10 != 0 {
		next = wt.next
	}
	resp, err := next.RoundTrip(req)
	if err == nil {
		rev, _ := strconv.ParseInt(resp.Header.Get("Roster-Revision"), 10, 64)
		wt.rev.Store(rev)
	}
	return resp, err
}

// worker is one goroutine of the load, writer or reader.
type worker struct {
	s    *stress
	name string
	rng  *rand.Rand
	home int                           // the server it writes to
	cs   []*client.ClientWithResponses // one per server
	rev  *workerTransport
	// seen is the newest revision each server answered this worker: a
	// server's evaluation only moves forward.
	seen []int64
	// failed is set when a request got no answer at all.
	failed bool
}

func (s *stress) worker(name string, n, home int) *worker {
	rev := &workerTransport{t: s.t, next: s.base}
	w := &worker{s: s, name: name, rng: rand.New(rand.NewPCG(s.seed, uint64(n))), home: home, rev: rev,
		seen: make([]int64, len(s.servers))}
	for i := range s.servers {
		w.cs = append(w.cs, s.client(i, s.admin, rev))
	}
	return w
}

func (w *worker) c() *client.ClientWithResponses { return w.cs[w.home] }

func (w *worker) anyServer() int { return w.rng.IntN(len(w.cs)) }

func (w *worker) unique(prefix string) string {
	return fmt.Sprintf("%s-%s-%d", prefix, w.name, w.s.serial.Add(1))
}

func email(local string) openapi_types.Email { return openapi_types.Email(local + "@stress.test") }

// setup makes the tenant: roles, groups, organizations, the stable users
// and the flipper's sets, with role_flip granted to set A.
func (s *stress) setup() {
	t, ctx := s.t, s.ctx
	op := s.client(0, replicaToken, servertest.ValidatingTransport{T: t, Next: s.base})
	created, err := op.CreateTenantWithResponse(ctx, client.TenantCreate{Id: stressTenant, Name: "Stress",
		Admin: &client.TenantAdmin{Email: email("admin")}})
	require.NoError(t, client.CheckResponse(created, err))
	s.admin = *created.JSON201.AdminToken
	w, c := s.worker("setup", -1, 0), s.validating(0)
	for i := len(stressRoles) - 1; i >= 0; i-- { // parents first
		name := strings.TrimPrefix(stressRoles[i], "role_")
		res, err := c.CreateRoleWithResponse(ctx, stressTenant, client.RoleCreate{Name: name, DisplayName: name,
			Permissions: w.somePerms(), InheritsFrom: ptr(w.parents(i))})
		require.NoError(t, client.CheckResponse(res, err))
	}
	res, err := c.CreateRoleWithResponse(ctx, stressTenant, client.RoleCreate{Name: "flip", DisplayName: "Flip",
		Permissions: []string{stressFlipPerm}})
	require.NoError(t, client.CheckResponse(res, err))

	ids := make([]string, stressStable+2*stressFlipSize)
	var wg sync.WaitGroup
	for g := range stressWriters {
		wg.Go(func() {
			w, c := s.worker("setup", -2-g, 0), s.validating(0)
			for i := g; i < len(ids); i += stressWriters {
				body := client.UserCreate{Email: email(w.unique("stable"))}
				if i < stressStable {
					body.Roles = ptr(w.someRoles())
				}
				res, err := c.CreateUserWithResponse(ctx, stressTenant, body)
				if err := client.CheckResponse(res, err); err != nil {
					t.Error(err)
				} else {
					ids[i] = res.JSON201.Id
				}
			}
		})
	}
	wg.Wait()
	require.False(t, t.Failed(), "setup: users")
	s.reg.stable, s.stableList = ids[:stressStable], ids
	s.flipA, s.flipB = ids[stressStable:stressStable+stressFlipSize], ids[stressStable+stressFlipSize:]
	for _, id := range ids {
		s.stable[id] = true
	}
	for i := range stressFlipSize {
		s.flipSet[s.flipA[i]], s.flipSet[s.flipB[i]] = 'A', 'B'
	}
	for range 4 {
		w.createGroup("setup")
	}
	for range 3 {
		w.createOrg("setup")
	}
	patch, err := c.ReplaceRoleAssigneesWithResponse(ctx, stressTenant, stressFlipRole, linkage(s.flipA))
	require.NoError(t, client.CheckResponse(patch, err))
	require.Len(t, s.reg.groups, 4, "setup: groups")
	require.Len(t, s.reg.orgs, 3, "setup: organizations")
	require.Empty(t, s.problems.counts, "setup")
	s.writes = tally{} // count the load's writes only
}

// load runs the writers, the flipper and the readers for d.
func (s *stress) load(d time.Duration) {
	var wg sync.WaitGroup
	run := func(w *worker, op func(w *worker)) {
		wg.Go(func() {
			for !s.stop.Load() {
				op(w)
			}
		})
	}
	for i := range stressWriters {
		run(s.worker(fmt.Sprintf("w%d", i), i, i%len(s.servers)), (*worker).write)
	}
	flips := 0
	run(s.worker("flipper", stressWriters, 0), func(w *worker) { flips++; w.flip(flips%2 == 0) })
	for i := range stressReaders {
		run(s.worker(fmt.Sprintf("r%d", i), 100+i, i%len(s.servers)), (*worker).read)
	}
	// Past d, go on (for up to d more) until every kind of write has
	// succeeded at least once.
	for end := time.Now().Add(d); time.Now().Before(end) || len(s.missingKinds()) > 0 && time.Now().Before(end.Add(d)); {
		time.Sleep(50 * time.Millisecond)
	}
	s.stop.Store(true)
	wg.Wait()
}

func ptr[T any](v T) *T { return &v }

func linkage(ids []string) client.LinkageRequest {
	data := make([]client.ResourceIdentifier, len(ids))
	for i, id := range ids {
		data[i] = client.ResourceIdentifier{Type: client.ResourceIdentifierTypeUsers, Id: id}
	}
	return client.LinkageRequest{Data: data}
}

// tally counts operations by kind: done, and not (4xx).
type tally struct {
	mu       sync.Mutex
	ok, lost map[string]int
}

func (c *tally) count(kind string, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ok == nil {
		c.ok, c.lost = map[string]int{}, map[string]int{}
	}
	if ok {
		c.ok[kind]++
	} else {
		c.lost[kind]++
	}
}

func (c *tally) done(kind string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ok[kind]
}

// missingKinds are the kinds of write that have not succeeded yet.
func (s *stress) missingKinds() []writeKind {
	var missing []writeKind
	for _, k := range writeKinds {
		if s.writes.done(k.name) == 0 {
			missing = append(missing, k)
		}
	}
	return missing
}

// requireEveryWriteKind fails the test unless every kind of write
// happened: a kind that never ran proves nothing about it.
func (s *stress) requireEveryWriteKind() {
	for _, k := range append(s.missingKinds(), writeKind{name: "flip"}) {
		if s.writes.done(k.name) == 0 {
			s.t.Errorf("no write of kind %s succeeded: make the load reach it", k.name)
		}
	}
}

// problems collects wrong answers by server and kind, with examples.
type problems struct {
	mu       sync.Mutex
	counts   map[string]int // "server: kind" → how many
	examples map[string][]string
}

func (p *problems) add(where, kind, format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := where + ": " + kind
	if p.counts[key]++; len(p.examples[key]) < 3 {
		p.examples[key] = append(p.examples[key], fmt.Sprintf(format, args...))
	}
}

// report fails t with every problem's count and up to 20 examples, taken
// from every kind in turn.
func (p *problems) report(t *testing.T) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.counts) == 0 {
		return
	}
	keys, shown := slices.Sorted(maps.Keys(p.counts)), map[string]int{}
	for n, more := 0, true; n < 20 && more; {
		more = false
		for _, k := range keys {
			if shown[k] < len(p.examples[k]) && n < 20 {
				shown[k], n, more = shown[k]+1, n+1, true
			}
		}
	}
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "\n%s: %d", k, p.counts[k])
		for _, e := range p.examples[k][:shown[k]] {
			fmt.Fprintf(&b, "\n\t%s", e)
		}
	}
	t.Errorf("wrong answers:%s", b.String())
}

// requireNoRepairs reads the server's /metrics: verification ran during the
// load and never found the engine differing from the database.
func (s *stress) requireNoRepairs(i int) {
	s.t.Helper()
	resp, err := http.Get(s.urls[i] + "/metrics")
	require.NoError(s.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	var verified float64
	for _, line := range strings.Split(string(body), "\n") {
		name, value, ok := strings.Cut(line, " ")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		require.NoError(s.t, err, line)
		switch {
		case strings.HasPrefix(name, "roster_engine_repairs_total"):
			s.t.Errorf("%s: verification repaired an engine: %s", s.servers[i], line)
		case name == "roster_engine_verifications_total":
			verified = v
		}
	}
	s.t.Logf("%s: %v verifications, no repair", s.servers[i], verified)
	require.Positive(s.t, verified, "%s: verification never ran during the load", s.servers[i])
}
