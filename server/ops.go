package server

import (
	"crypto/rand"
	"embed"
	"net/http"
	"sync/atomic"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/rosterhq/roster/gen"
)

// The operations routes live outside the spec, so neither the validator nor
// the authenticator handles them (both let unknown routes through): they need
// no token, as openapi.yaml's operations say.
const (
	specPath    = "/openapi.yaml"
	docsPath    = "/docs"
	metricsPath = "/metrics"
)

// docsUI is the API reference page: Swagger UI's assets from the pinned
// swagger-ui-dist package (refreshed by scripts/swagger-ui.sh, never fetched
// at run time) and Roster's own index.html and docs.js.
//
//go:embed docsui
var docsUI embed.FS

// docsAssets are the files under /docs/, with their media types; anything
// else there is 404.
var docsAssets = map[string]string{
	"swagger-ui-bundle.js": "text/javascript; charset=utf-8",
	"swagger-ui.css":       "text/css; charset=utf-8",
	"docs.js":              "text/javascript; charset=utf-8",
	"LICENSE":              "text/plain; charset=utf-8",
	"NOTICE":               "text/plain; charset=utf-8",
}

// docsCSP keeps the page to this server: Swagger UI sets inline styles and
// uses data: images in its stylesheet, and needs nothing else.
const docsCSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
	"script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// registerOps adds GET /openapi.yaml, /docs and /metrics.
func registerOps(e *echo.Echo, m *metrics) {
	e.GET(specPath, func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/yaml", gen.Spec)
	})
	e.GET(metricsPath, m.handler())

	docs := e.Group(docsPath, middleware.Gzip(), func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Response().Header().Set("Content-Security-Policy", docsCSP)
			c.Response().Header().Set("X-Content-Type-Options", "nosniff")
			return next(c)
		}
	})
	docs.GET("", serveDocs("index.html", "text/html; charset=utf-8"))
	docs.GET("/", serveDocs("index.html", "text/html; charset=utf-8"))
	docs.GET("/:asset", func(c echo.Context) error {
		name := c.Param("asset")
		ctype, ok := docsAssets[name]
		if !ok {
			return echo.ErrNotFound
		}
		return serveDocs(name, ctype)(c)
	})
}

func serveDocs(name, ctype string) echo.HandlerFunc {
	return func(c echo.Context) error {
		b, err := docsUI.ReadFile("docsui/" + name)
		if err != nil {
			return err // a build without the file: a 500 and a log line
		}
		return c.Blob(http.StatusOK, ctype, b)
	}
}

// maxRequestIDLen bounds an X-Request-Id taken from the client.
const maxRequestIDLen = 128

// requestIDs makes the ids of requests that come without one: a random
// prefix drawn once per process and a counter, 26 characters of base32 as
// rand.Text's, unique across processes as the prefix is, without reading
// the system's random source on every request.
var requestIDs = newIDSource()

type idSource struct {
	prefix string
	n      atomic.Uint64
}

func newIDSource() *idSource { return &idSource{prefix: rand.Text()[:13]} }

// next is the next id: the prefix and the counter in 13 base32 digits.
func (s *idSource) next() string {
	const digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	var b [26]byte
	copy(b[:], s.prefix)
	n := s.n.Add(1)
	for i := len(b) - 1; i >= 13; i-- {
		b[i] = digits[n&31]
		n >>= 5
	}
	return string(b[:])
}

// requestID takes the client's X-Request-Id when it is a sane token, or else
// makes one, and sets it on the response (and on the request in place of
// one that is not sane), where the request log reads it.
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if !validRequestID(id) {
			bad := id != ""
			id = requestIDs.next()
			if bad {
				// The request log reads the request's id before the
				// response's: replace the one it must not print. (Without
				// one it reads the response's; adding a header to the
				// request's map would grow it, a tenth of the allocations
				// of a cached check.)
				c.Request().Header.Set(echo.HeaderXRequestID, id)
			}
		}
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

// validRequestID accepts ids such as UUIDs, ULIDs and trace ids, and refuses
// anything that could mislead a log reader (spaces, quotes, control bytes).
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch b := id[i]; {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9':
		case b == '-', b == '_', b == '.', b == ':', b == '/', b == '+', b == '=':
		default:
			return false
		}
	}
	return true
}
