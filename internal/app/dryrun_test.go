package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/internal/eval"
	"github.com/rosterhq/roster/internal/rbac"
	"github.com/rosterhq/roster/internal/store/gormstore"
	"github.com/rosterhq/roster/internal/store/pgtest"
	"github.com/rosterhq/roster/server/servertest"
)

// A dry run's impact is the difference between evaluating the tenant
// before and after actually applying the same operations (as an atomic
// bulk, right after the dry run, which must have left everything as it
// was), for random operation lists, on both backends.

// dryRunSeeds is how many random worlds and operation lists each backend tries.
const dryRunSeeds = 12

func TestDryRun_impactIsTheDifference_sqlite(t *testing.T) {
	runDryRunProperty(t, "sqlite:"+filepath.Join(t.TempDir(), "roster.db"))
}

func TestDryRun_impactIsTheDifference_postgres(t *testing.T) {
	runDryRunProperty(t, pgtest.NewDatabase(t))
}

// dryWorld is one tenant's random setup: what operations may name.
type dryWorld struct {
	rng    *rand.Rand
	tenant string
	roles  []string // role_r0 … ; role_ri inherits only from role_rj, j > i
	users  []string
	groups []string
	orgs   []string
	perms  []string
}

func runDryRunProperty(t *testing.T, dsn string) {
	url := runMain(t, dsn)
	ctx := context.Background()
	st, err := gormstore.Open(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	hc := &http.Client{Transport: servertest.ValidatingTransport{T: t}, Timeout: 30 * time.Second}
	clientFor := func(token string) *client.ClientWithResponses {
		c, err := client.NewClientWithResponses(url, client.WithHTTPClient(hc),
			client.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
				req.Header.Set("Authorization", "Bearer "+token)
				return nil
			}))
		require.NoError(t, err)
		return c
	}
	op := clientFor(replicaToken)
	ran, moved := 0, 0
	for seed := range uint64(dryRunSeeds) {
		w := &dryWorld{rng: rand.New(rand.NewPCG(seed, 0xd1)), tenant: fmt.Sprintf("dry-%d", seed),
			perms: []string{"docs:read", "docs:write", "docs:*", "wiki:read", "billing:*", "*:read"}}
		created, err := op.CreateTenantWithResponse(ctx, client.TenantCreate{Id: w.tenant, Name: w.tenant,
			Admin: &client.TenantAdmin{Email: email("admin-" + w.tenant)}})
		require.NoError(t, client.CheckResponse(created, err))
		admin := clientFor(*created.JSON201.AdminToken)
		bulk := func(dry bool, ops []client.BulkOperation) client.BulkResult {
			atomic := true
			res, err := admin.BulkWriteWithResponse(ctx, w.tenant, client.BulkRequest{Operations: ops, Atomic: &atomic, DryRun: &dry})
			require.NoError(t, client.CheckResponse(res, err))
			return *res.JSON200
		}
		setup := bulk(false, w.setup())
		require.True(t, setup.Committed, "seed %d setup: %+v", seed, setup.Results)
		w.collect(setup)

		for round := range 3 {
			ops := w.operations()
			msg := fmt.Sprintf("seed %d round %d ops %s", seed, round, describe(ops))
			before := loadState(t, st, w.tenant)
			dry := bulk(true, ops)
			require.False(t, dry.Committed, msg)
			require.Equal(t, before, loadState(t, st, w.tenant), "a dry run leaves everything as it was: %s", msg)
			require.Equal(t, before.rev, dry.Revision, msg)
			if slices.ContainsFunc(dry.Results, func(r client.BulkOperationResult) bool { return r.Status >= 400 }) {
				require.Empty(t, *dry.Impact, "a failed unit would write nothing: %s", msg)
				continue
			}
			real := bulk(false, ops)
			require.True(t, real.Committed, "what the dry run ran commits for real: %s %+v", msg, real.Results)
			require.Equal(t, statusesOf(dry), statusesOf(real), msg)
			after := loadState(t, st, w.tenant)
			// Users the run made have other ids in the real run.
			ids := map[string]string{}
			for i := range dry.Results {
				if d, ok := dry.Results[i].Body.(map[string]any); ok && ops[i].Path == "/users" {
					ids[d["id"].(string)] = real.Results[i].Body.(map[string]any)["id"].(string)
				}
			}
			got := *dry.Impact
			for i := range got {
				if id, ok := ids[got[i].UserId]; ok {
					got[i].UserId = id
				}
			}
			sortImpact(got)
			require.Equal(t, difference(before.snap, after.snap, time.Now()), got, msg)
			ran++
			if len(got) > 0 {
				moved++
			}
		}
	}
	t.Logf("%d dry runs compared with their real run, %d of them moved permissions", ran, moved)
	require.Greater(t, ran, dryRunSeeds, "most operation lists must succeed, or the test compares nothing")
	require.Greater(t, moved, ran/2, "most must move permissions, or the comparison proves little")
}

// dryState is everything a dry run must leave as it was.
type dryState struct {
	rev    int64
	events int
	orgs   int
	snap   rbac.Snapshot
}

func loadState(t *testing.T, st *gormstore.Store, tenant string) dryState {
	ctx := context.Background()
	snap, err := st.LoadSnapshot(ctx, tenant)
	require.NoError(t, err)
	evs, _, err := st.ListAuditEvents(ctx, tenant, rbac.AuditFilter{Page: rbac.Page{Limit: 1000}})
	require.NoError(t, err)
	orgs, _, err := st.ListOrganizations(ctx, tenant, rbac.Page{Limit: 1000})
	require.NoError(t, err)
	return dryState{rev: snap.Revision, events: len(evs), orgs: len(orgs), snap: snap}
}

// difference is the oracle: engines built afresh from the snapshots
// before and after, every user of either, globally and in every
// organization the user has a scoped grant in (its own or a group's).
func difference(before, after rbac.Snapshot, now time.Time) []client.BulkImpact {
	b, a := eval.New(before), eval.New(after)
	out := []client.BulkImpact{}
	users := map[string]bool{}
	for _, s := range []rbac.Snapshot{before, after} {
		for _, u := range s.Users {
			users[u.ID] = true
		}
	}
	for id := range users {
		orgs := append(scopedOrgs(before, id), scopedOrgs(after, id)...)
		slices.Sort(orgs)
		for _, org := range append([]string{""}, slices.Compact(orgs)...) {
			was, is := b.Permissions(id, org, now), a.Permissions(id, org, now)
			gained := slices.DeleteFunc(slices.Clone(is), func(p string) bool { return slices.Contains(was, p) })
			lost := slices.DeleteFunc(slices.Clone(was), func(p string) bool { return slices.Contains(is, p) })
			if len(gained)+len(lost) == 0 {
				continue
			}
			im := client.BulkImpact{UserId: id, Gained: append([]string{}, gained...), Lost: append([]string{}, lost...)}
			if org != "" {
				im.OrganizationId = ptr(org)
			}
			out = append(out, im)
		}
	}
	sortImpact(out)
	return out
}

func scopedOrgs(s rbac.Snapshot, user string) []string {
	var orgs []string
	add := func(gs []rbac.Grant) {
		for _, g := range gs {
			if g.OrgID != "" {
				orgs = append(orgs, g.OrgID)
			}
		}
	}
	for _, u := range s.Users {
		if u.ID == user {
			add(u.Grants)
		}
	}
	for _, g := range s.Groups {
		if slices.Contains(g.Members, user) {
			add(g.Grants)
		}
	}
	return orgs
}

func sortImpact(xs []client.BulkImpact) {
	slices.SortFunc(xs, func(a, b client.BulkImpact) int {
		if c := strings.Compare(a.UserId, b.UserId); c != 0 {
			return c
		}
		oa, ob := "", ""
		if a.OrganizationId != nil {
			oa = *a.OrganizationId
		}
		if b.OrganizationId != nil {
			ob = *b.OrganizationId
		}
		return strings.Compare(oa, ob)
	})
}

func statusesOf(r client.BulkResult) []int {
	out := make([]int, len(r.Results))
	for i, res := range r.Results {
		out[i] = res.Status
	}
	return out
}

func describe(ops []client.BulkOperation) string {
	var parts []string
	for _, o := range ops {
		parts = append(parts, fmt.Sprintf("%s %s %v", o.Method, o.Path, o.Body))
	}
	return strings.Join(parts, "; ")
}
