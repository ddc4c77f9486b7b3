package server

import (
	"sync"

	"github.com/labstack/echo/v4"
)

// Echo v4 applies the middleware given to Use anew on every request: each
// of Roster's twelve builds its closure (some more than one) around the
// route's handler before the request runs, about 3% of a cached check's
// CPU and a sixth of its allocations. routeChains is the one middleware
// given to Use: it builds the whole chain around a route's handler once,
// on the route's first request, and keeps it.
//
// Shared state and its invariant: built maps a method and matched route
// template to the chain around that route's handler, and is only ever
// added to; echo finds the same handler for the same method and template
// every time (a 405 or an OPTIONS answer included), so any two chains
// stored for one key behave alike, and a request runs exactly the chain
// it would have had from Use. Requests echo matched to no route (404) and
// methods outside the standard set, which would let clients grow the map,
// get their chain built for them alone, as before.
type routeChains struct {
	middleware []echo.MiddlewareFunc // outermost first, as given to Use
	built      sync.Map              // opKey → echo.HandlerFunc
}

// apply is the echo middleware.
func (r *routeChains) apply(h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		method, path := c.Request().Method, c.Path()
		if path == "" || methodLabel(method) == "other" {
			return r.wrap(h)(c)
		}
		k := opKey{method, path}
		if chain, ok := r.built.Load(k); ok {
			return chain.(echo.HandlerFunc)(c)
		}
		chain, _ := r.built.LoadOrStore(k, r.wrap(h))
		return chain.(echo.HandlerFunc)(c)
	}
}

// wrap is h inside the middleware, as echo's Use would run it.
func (r *routeChains) wrap(h echo.HandlerFunc) echo.HandlerFunc {
	for i := len(r.middleware) - 1; i >= 0; i-- {
		h = r.middleware[i](h)
	}
	return h
}
