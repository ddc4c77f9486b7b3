package server

import (
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/labstack/echo/v4"
	echomiddleware "github.com/oapi-codegen/echo-middleware"
)

// validator is the spec's request validator, limited to the spec's own
// operations that need a token: health probes must answer even when the
// validator would not, and routes added outside the spec (metrics, docs) are
// not the validator's to reject. Before the spec's rules it applies the
// encoding rules the spec cannot express (checkInput).
//
// The validator needs the request's spec route and path parameters. Its
// own router (gorilla/mux, a regular expression per route tried in turn)
// cost more than the rest of validating a GET, about 10 µs a request, to
// find again what echo's router has already found: so the route comes
// from a table keyed by echo's match, and the parameters from the escaped
// path split along the spec's template, as gorilla/mux would read them
// (its routes match the escaped path, one segment per parameter). A
// request the split cannot read that way is left to gorilla/mux.
func validator(spec *openapi3.T, ops operations) echo.MiddlewareFunc {
	skip := func(c echo.Context) bool {
		op, ok := ops[operationKey(c.Request().Method, c.Path())]
		return !ok || op.public
	}
	opts := &echomiddleware.Options{
		Options: openapi3filter.Options{
			// Authentication already ran, answering 401 before any 400.
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
			MultiError:         true,
			// The generated handlers then bind the value that was validated
			// (exact member names, defaults applied) instead of decoding the
			// body a second time with encoding/json's case-insensitive match.
			KeepValidatedValue: true,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{
				openapi3.WithStringFormatValidator("email", emailFormat),
				// Each schema error's message would otherwise hold the schema
				// and the whole offending value: an object with n unknown
				// members gives n errors that each print the object, n² bytes
				// (10,000 members took 7 minutes and 12 GB). It also keeps
				// input values out of any message that reaches a log.
				openapi3.DisableSchemaErrorDetails(),
			},
		},
		// The default formats every error into the HTTPError's message,
		// which no one reads: validationFields names the fields from the
		// errors themselves.
		MultiErrorHandler: func(me openapi3.MultiError) *echo.HTTPError {
			return &echo.HTTPError{Code: http.StatusBadRequest, Message: "the request is not valid", Internal: me}
		},
	}
	gorilla, err := gorillamux.NewRouter(spec)
	if err != nil {
		panic(err) // the embedded spec: a build mistake
	}
	table := specRoutes(spec)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if skip(c) {
				return next(c)
			}
			req := c.Request()
			if err := checkInput(req); err != nil {
				return err
			}
			var router routers.Router = gorilla
			if r, ok := table[operationKey(req.Method, c.Path())]; ok {
				if params, ok := r.params(req.URL.EscapedPath()); ok {
					router = &matched{route: r.route, params: params}
				}
			}
			if err := echomiddleware.ValidateRequestFromContext(c, router, opts); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// specRoute is one operation's route and its path template's segments.
type specRoute struct {
	route    *routers.Route
	segments []string // "/v1/tenants/{tenant_id}" is "", "v1", "tenants", "{tenant_id}"
}

// specRoutes is every operation's route, keyed as operations are. A path
// with a parameter that is not a whole segment is left out (gorilla/mux
// reads it).
func specRoutes(spec *openapi3.T) map[opKey]specRoute {
	table := map[opKey]specRoute{}
	for path, item := range spec.Paths.Map() {
		echoPath, err := echoRoute(path)
		if err != nil {
			continue
		}
		segments := strings.Split(path, "/")
		whole := true
		for _, s := range segments {
			if strings.Contains(s, "{") && (!strings.HasPrefix(s, "{") || strings.Index(s, "}") != len(s)-1) {
				whole = false
			}
		}
		if !whole {
			continue
		}
		for method, op := range item.Operations() {
			table[operationKey(method, echoPath)] = specRoute{
				route:    &routers.Route{Spec: spec, Path: path, PathItem: item, Method: method, Operation: op},
				segments: segments,
			}
		}
	}
	return table
}

// params reads the path parameters out of an escaped path as gorilla/mux
// would ([^/]+ for each); ok is false when the path does not have the
// template's shape.
func (r specRoute) params(escaped string) (map[string]string, bool) {
	parts := strings.Split(escaped, "/")
	if len(parts) != len(r.segments) {
		return nil, false
	}
	params := make(map[string]string, 2)
	for i, seg := range r.segments {
		switch {
		case strings.HasPrefix(seg, "{"):
			if parts[i] == "" {
				return nil, false
			}
			params[seg[1:len(seg)-1]] = parts[i]
		case parts[i] != seg:
			return nil, false
		}
	}
	return params, true
}

// matched is a routers.Router that knows the answer already.
type matched struct {
	route  *routers.Route
	params map[string]string
}

func (m *matched) FindRoute(*http.Request) (*routers.Route, map[string]string, error) {
	return m.route, m.params, nil
}
