package server

import (
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/rosterhq/roster/console"
)

// consolePath is the web console (package console). Like /docs it lives
// outside the spec and needs no token: it is a static app that asks for one.
const consolePath = "/console"

// registerConsole serves the console's page and assets, compressed.
func registerConsole(e *echo.Echo) {
	h := echo.WrapHandler(console.Handler())
	g := e.Group(consolePath, middleware.Gzip())
	for _, p := range []string{"", "/*"} {
		g.GET(p, h)
		g.HEAD(p, h)
	}
}
