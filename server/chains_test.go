package server

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"
)

// Requests to several routes, many at once from their first: every request
// runs the whole chain, in order, around its own route's handler; the chain
// of a matched route is built about once, a 404's for each request.
func TestRouteChains_builtOncePerRouteEachRequestRunsAll(t *testing.T) {
	var built, ran atomic.Int64
	mark := func(name string) echo.MiddlewareFunc {
		return func(next echo.HandlerFunc) echo.HandlerFunc {
			built.Add(1)
			return func(c echo.Context) error {
				ran.Add(1)
				c.Response().Header().Add("X-Chain", name)
				return next(c)
			}
		}
	}
	e := echo.New()
	e.Use((&routeChains{middleware: []echo.MiddlewareFunc{mark("outer"), mark("inner")}}).apply)
	for _, path := range []string{"/a", "/b/:id", "/c"} {
		e.GET(path, func(c echo.Context) error { return c.String(http.StatusOK, c.Path()) })
	}
	paths := map[string]string{"/a": "/a", "/b/7": "/b/:id", "/c": "/c"}

	const goroutines, each = 8, 50
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				for target, route := range paths {
					rec := httptest.NewRecorder()
					e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
					if rec.Code != http.StatusOK || rec.Body.String() != route {
						t.Errorf("%s: %d %q", target, rec.Code, rec.Body.String())
					}
					if got := rec.Header().Values("X-Chain"); len(got) != 2 || got[0] != "outer" || got[1] != "inner" {
						t.Errorf("%s: chain ran as %v", target, got)
					}
				}
				if i == 0 && g == 0 {
					rec := httptest.NewRecorder()
					e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/nowhere", nil))
					require.Equal(t, http.StatusNotFound, rec.Code)
					require.Equal(t, []string{"outer", "inner"}, rec.Header().Values("X-Chain"), "a 404 runs the chain too")
				}
			}
		}()
	}
	wg.Wait()
	requests := int64(goroutines*each*len(paths) + 1)
	require.Equal(t, 2*requests, ran.Load(), "every request runs both middleware")
	// Each route's chain is built once, or a few times when first requests
	// race; never once per request.
	require.LessOrEqual(t, built.Load(), int64(2*(goroutines*len(paths)+1)))

	before := built.Load()
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest("BREW", "/a", nil))
	require.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("BREW", "/a", nil))
	require.Equal(t, before+4, built.Load(), "a method outside the standard set is not kept")
}
