package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/labstack/echo/v4"

	"github.com/rosterhq/roster/gen"
)

// fastAnswers counts the answers written here, for the tests that hold
// them to the handlers' (a fast path nothing takes would prove nothing).
var fastAnswers atomic.Int64

// answerCheck answers a POST /check the fast scan read: the handler's own
// steps (Server.check: the caller's authorization, the user and the
// organization resolved, the decision), its answer encoded by hand. The
// scan takes no `at`, the only use of min_revision beyond the principal's
// catch-up, which the authenticator has done.
func (s *Server) answerCheck(c echo.Context, body gen.CheckRequest) error {
	tenant, _ := param(c, "tenant_id") // read as the generated wrapper reads it
	out, err := s.check(c.Request().Context(), tenant, body, nil)
	if err != nil {
		return err
	}
	fastAnswers.Add(1)
	return blob(c, func(b []byte) []byte { return appendCheckResult(b, out) })
}

// answerAuthzen answers an AuthZEN evaluation the fast scan read, as
// Server.AuthzenEvaluation does.
func (s *Server) answerAuthzen(c echo.Context, r azRequest) error {
	tenant, _ := param(c, "tenant_id")
	d, err := s.evaluate(c.Request().Context(), tenant, r)
	if err != nil {
		return err
	}
	fastAnswers.Add(1)
	return blob(c, func(b []byte) []byte { return appendAuthzenDecision(b, d) })
}

// answerPermissions answers a GET of a user's permissions with no query
// (so no organization, at or min_revision), as Server.GetUserPermissions
// does.
func (s *Server) answerPermissions(c echo.Context) error {
	tenant, _ := param(c, "tenant_id")
	user, _ := param(c, "user_id")
	set, err := s.permissionSet(c.Request().Context(), tenant, user, gen.GetUserPermissionsParams{})
	if err != nil {
		return err
	}
	fastAnswers.Add(1)
	return blob(c, func(b []byte) []byte { return appendPermissionSet(b, set) })
}

// blob answers 200 with the JSON body encode appends, in a buffer that is
// reused once the answer is written (Blob copies it out before returning).
func blob(c echo.Context, encode func([]byte) []byte) error {
	bp := answerBuffers.Get().(*[]byte)
	b := encode((*bp)[:0])
	err := c.Blob(http.StatusOK, echo.MIMEApplicationJSON, b)
	if cap(b) <= maxPooledAnswer {
		*bp = b[:0]
		answerBuffers.Put(bp)
	}
	return err
}

// answerBuffers are the fast answers' buffers; one grown past
// maxPooledAnswer (a long permission list) is left to the collector.
var answerBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

const maxPooledAnswer = 16 << 10

// The encoders below write exactly what the generated handlers' JSON
// encoder writes (fields in struct order, HTML characters escaped, a final
// newline); a value they do not write by hand (a string that needs escaping,
// an as_of, a decision's context) goes through encoding/json.
// TestFastAnswer_encodesAsEncodingJSON holds them to it.

func appendCheckResult(b []byte, r gen.CheckResult) []byte {
	if r.AsOf != nil || (r.Matched != nil && !(plainJSON(r.Matched.Permission) && plainJSON(r.Matched.RoleId))) {
		return appendEncoded(b, r)
	}
	b = append(b, `{"allowed":`...)
	b = strconv.AppendBool(b, r.Allowed)
	if r.Matched == nil {
		b = append(b, `,"matched":null`...)
	} else {
		b = append(b, `,"matched":{"permission":"`...)
		b = append(b, r.Matched.Permission...)
		b = append(b, `","role_id":"`...)
		b = append(b, r.Matched.RoleId...)
		b = append(b, `"}`...)
	}
	b = append(b, `,"revision":`...)
	b = strconv.AppendInt(b, r.Revision, 10)
	return append(b, "}\n"...)
}

func appendAuthzenDecision(b []byte, d gen.AuthzenDecision) []byte {
	if d.Context != nil {
		return appendEncoded(b, d)
	}
	b = append(b, `{"decision":`...)
	b = strconv.AppendBool(b, d.Decision)
	return append(b, "}\n"...)
}

func appendPermissionSet(b []byte, set gen.PermissionSet) []byte {
	if set.AsOf != nil || set.Permissions == nil {
		return appendEncoded(b, set)
	}
	for _, p := range set.Permissions {
		if !plainJSON(p) {
			return appendEncoded(b, set)
		}
	}
	b = append(b, `{"permissions":[`...)
	for i, p := range set.Permissions {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, p...)
		b = append(b, '"')
	}
	b = append(b, `],"revision":`...)
	b = strconv.AppendInt(b, set.Revision, 10)
	return append(b, "}\n"...)
}

// appendEncoded is json.Encoder's encoding of v, as the generated handlers
// write it.
func appendEncoded(b []byte, v any) []byte {
	buf := bytes.NewBuffer(b)
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		panic(err) // the generated types always encode
	}
	return buf.Bytes()
}

// plainJSON reports whether s is written as itself inside a JSON string by
// encoding/json: printable ASCII without the quote, the backslash and the
// characters it escapes for HTML.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}
