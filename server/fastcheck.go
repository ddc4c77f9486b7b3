package server

import (
	"bytes"
	"io"
	"mime"
	"strconv"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/rosterhq/roster/internal/rbac"
)

// The spec validator costs more than the rest of a cached check (route
// lookup, decoding into interface{}, walking the schema): measured with
// BenchmarkCheckHTTP it was ~15% of all CPU against ~6% for the handler.
// For the two check routes, the hot path of the product, acceptValid
// recognises the common, valid request by hand and lets it skip the
// validator. It only ever accepts: anything it is not sure about goes
// through the full validator, which then answers with the usual named
// 400s. TestFastCheck_neverAcceptsWhatTheSpecRejects holds it to the spec.

const (
	routeCheck      = "/v1/tenants/:tenant_id/check"
	routeCheckBatch = "/v1/tenants/:tenant_id/check/batch"
	maxBatch        = 1000 // CheckBatchRequest.checks maxItems
)

func withFastChecks(validate echo.MiddlewareFunc) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		slow := validate(next)
		return func(c echo.Context) error {
			if c.Request().Method == "POST" && (c.Path() == routeCheck || c.Path() == routeCheckBatch || c.Path() == routeAuthzenEvaluation) && acceptValid(c) {
				return next(c)
			}
			return slow(c)
		}
	}
}

// acceptValid reports whether the request is certainly valid per the spec.
// It leaves the body readable either way.
func acceptValid(c echo.Context) bool {
	req := c.Request()
	if mt, params, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType)); err != nil || mt != echo.MIMEApplicationJSON || !utf8Charset(params) {
		return false
	}
	// The fast path skips checkInput, so it holds to the same rules: a query
	// url.Values would read only in part is the validator's to refuse.
	if checkQueryString(req.URL.RawQuery) != nil {
		return false
	}
	for key, vals := range req.URL.Query() {
		if key != "min_revision" {
			continue // the spec ignores unknown query parameters, as does the validator
		}
		if len(vals) != 1 {
			return false
		}
		n, err := strconv.ParseInt(vals[0], 10, 64)
		if err != nil || n < 0 {
			return false
		}
	}
	body, err := io.ReadAll(req.Body)
	req.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return false
	}
	switch c.Path() {
	case routeCheck:
		return validCheck(body)
	case routeAuthzenEvaluation:
		return validAuthzenEvaluation(body)
	}
	return validBatch(body)
}

// The scanner below reads only the plain shape of a check: an object of
// string members without escapes. Anything else (escapes, numbers, null,
// nesting, duplicates) makes it decline, and the full validator decides.
// It allocates nothing: on the hot path this is the difference that counts.
// Outside strings it takes ASCII only and str checks each string, so it
// never accepts a body that is not UTF-8 (checkBody's rule).

type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

func (s *scanner) take(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str reads a JSON string with no escapes and no control characters.
func (s *scanner) str() (string, bool) {
	if !s.take('"') {
		return "", false
	}
	start := s.i
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '"':
			v := s.b[start:s.i]
			s.i++
			return string(v), utf8.Valid(v)
		case c == '\\' || c < 0x20:
			return "", false
		}
		s.i++
	}
	return "", false
}

func (s *scanner) end() bool {
	s.ws()
	return s.i == len(s.b)
}

func validBatch(body []byte) bool {
	s := &scanner{b: body}
	if !s.take('{') {
		return false
	}
	if key, ok := s.str(); !ok || key != "checks" || !s.take(':') || !s.take('[') {
		return false
	}
	for n := 1; ; n++ {
		if n > maxBatch || !s.check() {
			return false
		}
		if s.take(']') {
			break
		}
		if !s.take(',') {
			return false
		}
	}
	return s.take('}') && s.end()
}

func validCheck(body []byte) bool {
	s := &scanner{b: body}
	return s.check() && s.end()
}

// check reads one CheckRequest object.
func (s *scanner) check() bool {
	if !s.take('{') {
		return false
	}
	var user, perm, org, owner bool
	for {
		key, ok := s.str()
		if !ok || !s.take(':') {
			return false
		}
		val, ok := s.str()
		if !ok {
			return false
		}
		n := utf8.RuneCountInString(val)
		switch {
		case key == "user_id" && !user && n <= 80:
			user = true
		case key == "permission" && !perm && n <= 200 && rbac.ValidPermission(val):
			perm = true
		case key == "organization_id" && !org && n <= 80:
			org = true
		case key == "owner" && !owner && n <= 320:
			owner = true
		default:
			return false
		}
		if s.take('}') {
			return user && perm
		}
		if !s.take(',') {
			return false
		}
	}
}
