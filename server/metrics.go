package server

import (
	"database/sql"
	"net/http"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rosterhq/roster/internal/eval"
	"github.com/rosterhq/roster/internal/live"
)

// metrics is what GET /metrics exports. Every Server has its own registry, so
// that tests can build many in one process; the evaluation cache counters are
// per process and appear in each.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	known    sync.Map // seriesKey → series
}

// requestLabels: the route is the matched route template (/v1/tenants/:tenant_id/…),
// never the raw path, and methods outside the standard set collapse into
// "other", so clients cannot grow the label sets.
var requestLabels = []string{"method", "route", "status"}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "roster_http_requests_total",
			Help: "HTTP requests answered, by method, matched route template and status.",
		}, requestLabels),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "roster_http_request_duration_seconds",
			Help: "Time to answer an HTTP request, by method, matched route template and status.",
			// Cached checks answer well under a millisecond; writes take a few.
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, requestLabels),
	}
	m.reg.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		buildInfo(),
	)
	return m
}

// observe counts and times one request. The request log calls it for
// every request, once the error handler has answered, so the status is
// final, and with the log's own measure of the time taken: one clock and
// one middleware less a request.
func (m *metrics) observe(method, route string, status int, took time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	s := m.series(methodLabel(method), route, status)
	s.requests.Inc()
	s.duration.Observe(took.Seconds())
}

// seriesKey names one request series; route is a matched template, so
// the keys are as few as the label sets.
type seriesKey struct {
	method, route string
	status        int
}

// series is one label set's counter and histogram.
type series struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

// series returns the label set's metrics, looked up once and then kept:
// WithLabelValues hashes the labels and builds a slice on every call (two
// per request, 2% of a cached check's CPU). The cache is a sync.Map
// written once per label set; both lookups give the same metrics.
func (m *metrics) series(method, route string, status int) series {
	k := seriesKey{method, route, status}
	if s, ok := m.known.Load(k); ok {
		return s.(series)
	}
	code := strconv.Itoa(status)
	s := series{m.requests.WithLabelValues(method, route, code), m.duration.WithLabelValues(method, route, code)}
	m.known.Store(k, s)
	return s
}

func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return method
	}
	return "other"
}

// watch exports the evaluation engines' work and, when the store has one,
// its connection pool.
func (m *metrics) watch(engines *live.Engines, store any) {
	counter := func(name, help string, v func() float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, v)
	}
	m.reg.MustRegister(
		counter("roster_eval_cache_hits_total",
			"Per-user evaluation answers served from the engine's cache (this process).",
			func() float64 { h, _ := eval.CacheStats(); return float64(h) }),
		counter("roster_eval_cache_misses_total",
			"Per-user evaluation answers computed afresh (this process).",
			func() float64 { _, mi := eval.CacheStats(); return float64(mi) }),
		counter("roster_engine_loads_total",
			"Tenant engines built from a full snapshot.",
			func() float64 { return float64(engines.Stats().Loads) }),
		counter("roster_engine_load_seconds_total",
			"Time spent building tenant engines from snapshots, database reads included.",
			func() float64 { return engines.Stats().LoadTime.Seconds() }),
		counter("roster_engine_catchups_total",
			"Tenant engines brought up to date from the change feed.",
			func() float64 { return float64(engines.Stats().CatchUps) }),
		counter("roster_engine_catchup_seconds_total",
			"Time spent catching tenant engines up from the change feed, database reads included.",
			func() float64 { return engines.Stats().CatchUpTime.Seconds() }),
	)
	m.reg.MustRegister(repairsCollector{engines}, counter("roster_engine_verifications_total",
		"Tenant engines compared with the database by background verification.",
		func() float64 { return float64(engines.Verifications()) }))
	if p, ok := store.(interface{ DB() *sql.DB }); ok {
		if db := p.DB(); db != nil {
			m.reg.MustRegister(collectors.NewDBStatsCollector(db, "roster"))
		}
	}
}

// handler serves the registry in Prometheus' text format.
func (m *metrics) handler() echo.HandlerFunc {
	return echo.WrapHandler(promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg}))
}

// buildInfo is roster_build_info{version, revision, go_version} = 1.
func buildInfo() prometheus.Collector {
	version, revision := "unknown", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		version = bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				revision = s.Value
			}
		}
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "roster_build_info",
		Help:        "Always 1; the labels tell which build is running.",
		ConstLabels: prometheus.Labels{"version": version, "revision": revision, "go_version": runtime.Version()},
	})
	g.Set(1)
	return g
}

// repairsCollector exports roster_engine_repairs_total{tenant}: how many
// times background verification found a tenant's engine differing from the
// database and rebuilt it. Anything above zero is a bug (docs/deploy.md).
type repairsCollector struct{ engines *live.Engines }

var repairsDesc = prometheus.NewDesc("roster_engine_repairs_total",
	"Times verification found the tenant's evaluation engine differing from the database and rebuilt it (any is a bug; see the ERROR log).",
	[]string{"tenant"}, nil)

func (c repairsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- repairsDesc }

func (c repairsCollector) Collect(ch chan<- prometheus.Metric) {
	for tenant, n := range c.engines.Repairs() {
		ch <- prometheus.MustNewConstMetric(repairsDesc, prometheus.CounterValue, float64(n), tenant)
	}
}
