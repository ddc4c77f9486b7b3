package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// CORS: a browser application served from another origin may call Roster
// when its origin is listed (--cors-origins, off by default). Origins are
// matched exactly; there is no wildcard, since Roster answers who may do
// what, and a page from any origin should not be able to ask with a token
// it found. Preflight requests are answered before authentication: a
// browser sends them without the Authorization header.

// ParseCORSOrigins reads a comma-separated list of origins
// (`https://app.example.com,http://localhost:5173`); "" is none (off).
func ParseCORSOrigins(s string) ([]string, error) {
	var out []string
	for _, o := range strings.Split(s, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		u, err := url.Parse(o)
		if o == "*" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return nil, fmt.Errorf("CORS origin %q: want scheme://host[:port], such as https://app.example.com (no wildcard, no path)", o)
		}
		out = append(out, u.Scheme+"://"+u.Host)
	}
	return out, nil
}

// cors is the CORS middleware for origins; nil when there are none.
func cors(origins []string) echo.MiddlewareFunc {
	if len(origins) == 0 {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	return middleware.CORSWithConfig(middleware.CORSConfig{
		AllowOrigins: origins,
		AllowMethods: []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
		AllowHeaders: []string{echo.HeaderAuthorization, echo.HeaderContentType, "If-Match"},
		// What a client reads of an answer besides its body.
		ExposeHeaders: []string{"Roster-Revision", "ETag", echo.HeaderLocation, echo.HeaderRetryAfter,
			"RateLimit", "RateLimit-Policy", echo.HeaderXRequestID},
		MaxAge: 600,
	})
}

// ParsePublicURL reads --public-url: "" (none) or scheme://host[:port]
// with no query or fragment (a path prefix is kept, for a server mounted
// under one).
func ParsePublicURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("public URL %q: want scheme://host[:port], such as https://roster.example.com", s)
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}
