package server

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/rosterhq/roster/gen"
	"github.com/rosterhq/roster/internal/rbac"
)

// The spec validator costs more than the rest of a cached check (route
// lookup, decoding into interface{}, walking the schema): measured with
// BenchmarkCheckHTTP it was ~15% of all CPU against ~6% for the handler.
// For the check routes and the AuthZEN evaluation, the hot path of the
// product, readFast recognises the common, valid request by hand and lets
// it skip the validator. It only ever accepts: anything it is not sure
// about goes through the full validator, which then answers with the usual
// named 400s. TestFastCheck_neverAcceptsWhatTheSpecRejects holds it to the
// spec.

const (
	routeCheck           = "/v1/tenants/:tenant_id/check"
	routeCheckBatch      = "/v1/tenants/:tenant_id/check/batch"
	routeUserPermissions = "/v1/tenants/:tenant_id/users/:user_id/permissions"
	maxBatch             = 1000 // CheckBatchRequest.checks maxItems
)

// withFastChecks runs validate, except for the requests the scan accepts.
// A single check and an AuthZEN evaluation it accepted are answered at
// once (fastanswer.go), from the values the scan read, by the same steps as
// their handlers: the generated wrapper's second decoding of the body and
// the JSON encoder's reflection cost as much again. So is a GET of a user's
// permissions that the validator is sure of (validator.go, sureWithoutBody:
// no query, plain path parameters). A batch the scan accepted goes to its
// handler without the validator.
func withFastChecks(validate echo.MiddlewareFunc, sure func(echo.Context) bool, srv *Server) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		slow := validate(next)
		return func(c echo.Context) error {
			path := c.Path()
			if path == routeUserPermissions && c.Request().Method == http.MethodGet && sure(c) {
				return srv.answerPermissions(c)
			}
			if c.Request().Method != http.MethodPost || (path != routeCheck && path != routeCheckBatch && path != routeAuthzenEvaluation) {
				return slow(c)
			}
			r, ok := readFast(c)
			switch {
			case !ok:
				return slow(c)
			case path == routeCheck:
				defer releaseBody(r.buf)
				return srv.answerCheck(c, r.check)
			case path == routeAuthzenEvaluation:
				defer releaseBody(r.buf)
				return srv.answerAuthzen(c, r.authzen)
			}
			return next(c)
		}
	}
}

// fastRequest is what the scan read of a request it accepted.
type fastRequest struct {
	check   gen.CheckRequest // routeCheck
	authzen azRequest        // routeAuthzenEvaluation
	// buf holds the body of a check or an AuthZEN evaluation, from
	// bodyBuffers: nothing refers to it once the request is answered (the
	// scan copies the values it keeps), so the fast path puts it back.
	buf *[]byte
}

// readFast reads a request the scan is sure of; ok is false when it is not
// (and the full validator decides). It leaves the body readable for
// whatever reads it next: the validator, or the batch's handler; a single
// check or evaluation it accepted is answered from r, and its body is in
// r.buf.
func readFast(c echo.Context) (r fastRequest, ok bool) {
	req := c.Request()
	if ct := req.Header.Get(echo.HeaderContentType); ct != echo.MIMEApplicationJSON { // the common case, without parsing
		if mt, params, err := mime.ParseMediaType(ct); err != nil || mt != echo.MIMEApplicationJSON || !utf8Charset(params) {
			return r, false
		}
	}
	// The fast path skips checkInput, so it holds to the same rules: a query
	// url.Values would read only in part is the validator's to refuse.
	if req.URL.RawQuery != "" && checkQueryString(req.URL.RawQuery) != nil {
		return r, false
	}
	for key, vals := range queryOf(req) {
		if key != "min_revision" {
			continue // the spec ignores unknown query parameters, as does the validator
		}
		if len(vals) != 1 {
			return r, false
		}
		n, err := strconv.ParseInt(vals[0], 10, 64)
		if err != nil || n < 0 {
			return r, false
		}
	}
	buf, err := readBody(req)
	body := *buf
	switch path := c.Path(); {
	case err != nil:
		// What was read, then the error (a 413 the body limit found), for
		// the validator's checkInput to answer.
		req.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), failingReader{err}))
		return r, false
	case path == routeCheck:
		s := &scanner{b: body}
		ok = s.check(&r.check) && s.end()
	case path == routeAuthzenEvaluation:
		ok = readAuthzenEvaluation(body, &r.authzen)
	default:
		ok = validBatch(body)
		req.Body = io.NopCloser(bytes.NewReader(body)) // for the batch's handler
		return r, ok
	}
	if !ok {
		req.Body = io.NopCloser(bytes.NewReader(body))
		return r, false
	}
	r.buf = buf
	return r, true
}

// failingReader returns its error.
type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

// queryOf is the request's query parameters; none without parsing when
// there is no query.
func queryOf(req *http.Request) url.Values {
	if req.URL.RawQuery == "" {
		return nil
	}
	return req.URL.Query()
}

// readBody reads the whole body, into a buffer of bodyBuffers when its
// declared length fits one (io.ReadAll grows its buffer from 512 bytes).
func readBody(req *http.Request) (*[]byte, error) {
	if n := req.ContentLength; n > 0 && n <= maxPooledBody {
		buf := bodyBuffers.Get().(*[]byte)
		*buf = (*buf)[:n]
		_, err := io.ReadFull(req.Body, *buf)
		return buf, err
	}
	body, err := io.ReadAll(req.Body)
	return &body, err
}

// maxPooledBody is the largest body read into a pooled buffer; a check or
// an evaluation is a few hundred bytes.
const maxPooledBody = 4 << 10

// bodyBuffers are the buffers of bodies the fast path answers from.
var bodyBuffers = sync.Pool{New: func() any { b := make([]byte, maxPooledBody); return &b }}

// releaseBody puts a body buffer back once its request is answered.
func releaseBody(buf *[]byte) {
	if buf != nil && cap(*buf) == maxPooledBody {
		bodyBuffers.Put(buf)
	}
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
	var scratch gen.CheckRequest
	for n := 1; ; n++ {
		if n > maxBatch || !s.check(&scratch) {
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

// check reads one CheckRequest object into r.
func (s *scanner) check(r *gen.CheckRequest) bool {
	if !s.take('{') {
		return false
	}
	*r = gen.CheckRequest{}
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
			user, r.UserId = true, val
		case key == "permission" && !perm && n <= 200 && rbac.ValidPermission(val):
			perm, r.Permission = true, val
		case key == "organization_id" && !org && n <= 80:
			org, r.OrganizationId = true, &val
		case key == "owner" && !owner && n <= 320:
			owner, r.Owner = true, &val
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
