package server_test

import (
	"bytes"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/server/servertest"
)

// scrape reads GET /metrics into metric families by name.
func scrape(t *testing.T, env *servertest.Env) map[string]*dto.MetricFamily {
	t.Helper()
	resp, body := get(t, env, "/metrics")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	require.NoError(t, err, "body: %s", body)
	return fams
}

func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// value is the counter or gauge value of the family's one unlabelled (or
// only) sample.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string) float64 {
	t.Helper()
	f, ok := fams[name]
	require.True(t, ok, "no metric %s", name)
	require.Len(t, f.GetMetric(), 1, name)
	m := f.GetMetric()[0]
	if c := m.GetCounter(); c != nil {
		return c.GetValue()
	}
	return m.GetGauge().GetValue()
}

func TestMetrics_RequestsByRouteTemplateAndStatus(t *testing.T) {
	env := servertest.New(t)
	tn := newTenant(t, env, "acme")
	role := tn.role(t, "secret-project-viewer", "docs:read")
	u := tn.user(t, "someone@acme.test", role.Id)
	for range 3 { // authorization and checks go through the engine's per-user cache
		resp, err := tn.Admin.CheckPermissionWithResponse(bg, tn.ID, nil, client.CheckRequest{UserId: u.Id, Permission: "docs:read"})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode(), "body: %s", resp.Body)
	}
	resp, body := env.Do(http.MethodGet, "/v1/tenants/acme/roles/no-such-role-4711", tn.AdminToken, "")
	require.Equal(t, http.StatusNotFound, resp.StatusCode, "body: %s", body)
	resp, _ = get(t, env, "/no/such/path-4712")
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	req, err := http.NewRequest("BREW", env.URL+"/healthz", nil)
	require.NoError(t, err)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()

	fams := scrape(t, env)

	requests := fams["roster_http_requests_total"]
	require.NotNil(t, requests)
	seen := map[string]float64{}
	for _, m := range requests.GetMetric() {
		l := labels(m)
		require.ElementsMatch(t, []string{"method", "route", "status"}, keys(l))
		for _, v := range l {
			for _, raw := range []string{"acme", "4711", "4712", "BREW", u.Id, role.Id} {
				require.NotContains(t, v, raw, "a label carries a raw path or method: %v", l)
			}
		}
		seen[l["method"]+" "+l["route"]+" "+l["status"]] += m.GetCounter().GetValue()
	}
	require.Equal(t, 3.0, seen["POST /v1/tenants/:tenant_id/check 200"], "seen: %v", seen)
	require.Equal(t, 1.0, seen["GET /v1/tenants/:tenant_id/roles/:role_id 404"], "seen: %v", seen)
	require.Equal(t, 1.0, seen["POST /v1/tenants 201"], "seen: %v", seen)
	require.Contains(t, seen, "other /healthz 405", "seen: %v", seen)

	durations := fams["roster_http_request_duration_seconds"]
	require.NotNil(t, durations)
	require.Equal(t, dto.MetricType_HISTOGRAM, durations.GetType())
	var checks uint64
	for _, m := range durations.GetMetric() {
		if l := labels(m); l["route"] == "/v1/tenants/:tenant_id/check" && l["status"] == "200" {
			checks += m.GetHistogram().GetSampleCount()
		}
	}
	require.Equal(t, uint64(3), checks)

	// The cache counters are per process (other tests add to them); this
	// test's own checks guarantee some of each.
	require.Positive(t, value(t, fams, "roster_eval_cache_hits_total"))
	require.Positive(t, value(t, fams, "roster_eval_cache_misses_total"))
	require.GreaterOrEqual(t, value(t, fams, "roster_engine_loads_total"), 1.0)
	require.Positive(t, value(t, fams, "roster_engine_load_seconds_total"))
	require.GreaterOrEqual(t, value(t, fams, "roster_engine_catchups_total"), 1.0, "writes then reads catch the engine up")
	require.Positive(t, value(t, fams, "roster_engine_catchup_seconds_total"))

	open := fams["go_sql_max_open_connections"]
	require.NotNil(t, open, "the store's pool stats are exported")
	require.Equal(t, map[string]string{"db_name": "roster"}, labels(open.GetMetric()[0]))
	require.Positive(t, open.GetMetric()[0].GetGauge().GetValue())

	build := fams["roster_build_info"]
	require.NotNil(t, build)
	bl := labels(build.GetMetric()[0])
	require.Equal(t, runtime.Version(), bl["go_version"])
	require.NotEmpty(t, bl["version"])
	require.Equal(t, 1.0, build.GetMetric()[0].GetGauge().GetValue())
	require.Contains(t, fams, "go_goroutines")
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestMetrics_TextFormat(t *testing.T) {
	env := servertest.New(t)
	get(t, env, "/healthz") // a request vector appears once it has a sample
	resp, body := get(t, env, "/metrics")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain"), resp.Header.Get("Content-Type"))
	require.Contains(t, string(body), "# TYPE roster_http_requests_total counter")
}

// A repair (an engine found differing from the database) shows on /metrics
// per tenant. The difference is made behind the store's back, as only a bug
// could.
func TestMetrics_engineRepairs(t *testing.T) {
	env := servertest.New(t)
	env.RepairsExpected = true
	tn := newTenant(t, env, "acme")
	role := tn.role(t, "viewer", "docs:read")
	u := tn.user(t, "someone@acme.test")
	resp, err := tn.Admin.CheckPermissionWithResponse(bg, tn.ID, nil, client.CheckRequest{UserId: u.Id, Permission: "docs:read"})
	require.NoError(t, err)
	require.False(t, resp.JSON200.Allowed)
	_, ok := scrape(t, env)["roster_engine_repairs_total"]
	require.False(t, ok, "no repair, no series")

	_, err = env.Store.DB().Exec(`INSERT INTO assignments (tenant_id, user_id, role_id, org_id, assigned_by, assigned_at, reason)
		VALUES ('acme', ?, ?, '', 'operator', 0, '')`, u.Id, role.Id)
	require.NoError(t, err)
	require.NoError(t, env.Engines.Verify(bg))
	fams := scrape(t, env)
	require.Equal(t, 1.0, value(t, fams, "roster_engine_repairs_total"))
	require.Equal(t, map[string]string{"tenant": "acme"}, labels(fams["roster_engine_repairs_total"].GetMetric()[0]))
	resp, err = tn.Admin.CheckPermissionWithResponse(bg, tn.ID, nil, client.CheckRequest{UserId: u.Id, Permission: "docs:read"})
	require.NoError(t, err)
	require.True(t, resp.JSON200.Allowed, "answers follow the database after the repair")
}

// Requests counted by many goroutines at once, over routes and statuses
// met for the first time while others count: every one is in the totals
// (the series cache must not lose a first count, nor count one twice).
func TestMetrics_concurrentFirstCountsAllKept(t *testing.T) {
	env := servertest.New(t)
	tn := newTenant(t, env, "acme")
	role := tn.role(t, "viewer", "docs:read")
	u := tn.user(t, "someone@acme.test", role.Id)
	paths := []struct {
		path   string
		status int
	}{
		{"/v1/tenants/acme/users/" + u.Id + "/permissions", http.StatusOK},
		{"/v1/tenants/acme/roles/" + role.Id, http.StatusOK},
		{"/v1/tenants/acme/roles/nope", http.StatusNotFound},
		{"/v1/tenants/acme/groups/nope", http.StatusNotFound},
		{"/v1/tenants/acme/users/nope", http.StatusNotFound},
	}
	const goroutines, each = 8, 25
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				p := paths[(g+i)%len(paths)]
				resp, body := env.Do(http.MethodGet, p.path, tn.AdminToken, "")
				if resp.StatusCode != p.status {
					t.Errorf("%s: %d %s", p.path, resp.StatusCode, body)
				}
			}
		}()
	}
	wg.Wait()
	var total float64
	for _, m := range scrape(t, env)["roster_http_requests_total"].GetMetric() {
		if l := labels(m); l["method"] == http.MethodGet && strings.HasPrefix(l["route"], "/v1/tenants/:tenant_id/") {
			total += m.GetCounter().GetValue()
		}
	}
	require.Equal(t, float64(goroutines*each), total)
}
