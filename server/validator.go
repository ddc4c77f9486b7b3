package server

import (
	"net/http"
	"strings"
	"unicode/utf8"

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
//
// sure reports whether a request is one the validator lets through
// unchecked (sureWithoutBody), for the fast answers (fastcheck.go).
func validator(spec *openapi3.T, ops operations) (validate echo.MiddlewareFunc, sure func(echo.Context) bool) {
	skip := func(c echo.Context) bool {
		op, ok := ops[operationKey(c.Request().Method, c.Path())]
		return !ok || op.public
	}
	opts := validatorOptions()
	gorilla, err := gorillamux.NewRouter(spec)
	if err != nil {
		panic(err) // the embedded spec: a build mistake
	}
	table := specRoutes(spec)
	sure = func(c echo.Context) bool {
		r, ok := table[operationKey(c.Request().Method, c.Path())]
		return ok && r.sureWithoutBody(c.Request())
	}
	validate = func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if skip(c) {
				return next(c)
			}
			req := c.Request()
			r, known := table[operationKey(req.Method, c.Path())]
			if known && r.sureWithoutBody(req) {
				return next(c)
			}
			if err := checkInput(req); err != nil {
				return err
			}
			var router routers.Router = gorilla
			if known {
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
	return validate, sure
}

// validatorOptions are the kin-openapi validator's options.
func validatorOptions() *echomiddleware.Options {
	return &echomiddleware.Options{
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
}

// specRoute is one operation's route and its path template's segments.
type specRoute struct {
	route    *routers.Route
	segments []string // "/v1/tenants/{tenant_id}" is "", "v1", "tenants", "{tenant_id}"
	// plainMax is, when the operation can be judged without the validator
	// (see plainOperation), the most characters each path segment may
	// have, by index; nil otherwise.
	plainMax []int
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
				plainMax: plainOperation(item, op, segments),
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

// A GET with neither query nor body (GET /users/{id}/permissions as a
// service asks it) leaves the validator nothing to check but its path
// parameters; and when each of those is a plain string with at most a
// maximum length, a segment without escapes within that length is valid.
// sureWithoutBody recognises such a request so that it skips the
// validator (about 6 µs of a read's whole cost); anything else, a query
// parameter included, is validated. TestValidator_neverSkipsWhatTheSpecRejects
// holds it to the spec.

// plainOperation is the maximum length of each path segment (0 for the
// literal ones) when the operation takes no body, no header or cookie
// parameter, no required query parameter nor one with a default (which the
// validator would add to the request), and only path parameters of type
// string whose only rule is a maximum length; nil otherwise.
func plainOperation(item *openapi3.PathItem, op *openapi3.Operation, segments []string) []int {
	if op.RequestBody != nil {
		return nil
	}
	maxLen := map[string]int{}
	params := append(append(openapi3.Parameters{}, item.Parameters...), op.Parameters...)
	for _, ref := range params {
		p := ref.Value
		if p == nil || p.Content != nil || p.Schema == nil || p.Schema.Value == nil {
			return nil
		}
		sc := p.Schema.Value
		switch p.In {
		case openapi3.ParameterInQuery:
			if p.Required || sc.Default != nil || len(sc.AllOf) > 0 {
				return nil
			}
		case openapi3.ParameterInPath:
			if !sc.Type.Is(openapi3.TypeString) || sc.Pattern != "" || sc.Format != "" || len(sc.Enum) > 0 || sc.MinLength > 0 ||
				sc.MaxLength == nil || len(sc.AllOf)+len(sc.AnyOf)+len(sc.OneOf) > 0 || sc.Not != nil || (p.Style != "" && p.Style != openapi3.SerializationSimple) {
				return nil
			}
			maxLen[p.Name] = int(*sc.MaxLength)
		default:
			return nil
		}
	}
	out := make([]int, len(segments))
	for i, seg := range segments {
		if strings.HasPrefix(seg, "{") {
			n, ok := maxLen[seg[1:len(seg)-1]]
			if !ok {
				return nil
			}
			out[i] = n
		}
	}
	return out
}

// sureWithoutBody reports whether req, a request for r's operation, is
// certainly valid: see plainOperation.
func (r specRoute) sureWithoutBody(req *http.Request) bool {
	// The body limit has wrapped the body by now, so its length tells
	// (0: none, as net/http reads a request without Content-Length or
	// Transfer-Encoding).
	if r.plainMax == nil || req.URL.RawQuery != "" || req.URL.ForceQuery || req.ContentLength != 0 || len(req.TransferEncoding) > 0 {
		return false
	}
	path := req.URL.EscapedPath()
	for i, seg := range r.segments {
		part, rest, found := strings.Cut(path, "/")
		if found != (i < len(r.segments)-1) {
			return false
		}
		path = rest
		if r.plainMax[i] == 0 {
			if part != seg {
				return false
			}
			continue
		}
		if part == "" || strings.IndexByte(part, '%') >= 0 || !utf8.ValidString(part) || utf8.RuneCountInString(part) > r.plainMax[i] {
			return false
		}
	}
	return true
}
