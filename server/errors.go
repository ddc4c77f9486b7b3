package server

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/rosterhq/roster/gen"
	"github.com/rosterhq/roster/internal/rbac"
)

// problemTypeBase prefixes every problem `type`; the code makes it unique.
const problemTypeBase = "https://roster.dev/problems/"

// problemContentType is the media type of every error answer (RFC 9457).
const problemContentType = "application/problem+json"

// statusOf is the one code → status table of the API (openapi.yaml, "Conventions").
var statusOf = map[rbac.Code]int{
	rbac.EInvalid:             http.StatusBadRequest,
	rbac.EUnauthorized:        http.StatusUnauthorized,
	rbac.EForbidden:           http.StatusForbidden,
	rbac.ENotFound:            http.StatusNotFound,
	rbac.EConflict:            http.StatusConflict,
	rbac.EPrecondition:        http.StatusPreconditionFailed,
	rbac.ETooLarge:            http.StatusRequestEntityTooLarge,
	rbac.ERateLimited:         http.StatusTooManyRequests,
	rbac.EIdempotencyMismatch: http.StatusUnprocessableEntity,
	rbac.EInternal:            http.StatusInternalServerError,
}

// codeOf maps the statuses echo and its middleware answer on their own
// (unknown routes, body limit, rate limiter) back to API codes.
var codeOf = map[int]rbac.Code{
	http.StatusBadRequest:            rbac.EInvalid,
	http.StatusUnauthorized:          rbac.EUnauthorized,
	http.StatusForbidden:             rbac.EForbidden,
	http.StatusNotFound:              rbac.ENotFound,
	http.StatusMethodNotAllowed:      rbac.ENotFound, // no such operation on this path
	http.StatusConflict:              rbac.EConflict,
	http.StatusPreconditionFailed:    rbac.EPrecondition,
	http.StatusRequestEntityTooLarge: rbac.ETooLarge,
	http.StatusTooManyRequests:       rbac.ERateLimited,
}

// errorHandler is echo's HTTPErrorHandler: the one place where an error,
// whoever raised it, becomes an application/problem+json answer.
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		if isScimRoute(c.Path(), c.Request().URL.Path) {
			e := scimErrorFor(err)
			if e.Status >= http.StatusInternalServerError {
				log.ErrorContext(c.Request().Context(), "request failed", "method", c.Request().Method, "route", c.Path(),
					"request_id", c.Response().Header().Get(echo.HeaderXRequestID), "error", err.Error())
			}
			writeScimError(c, e, log)
			return
		}
		p := problemFor(err)
		if p.Status >= http.StatusInternalServerError {
			// The client gets a bland message; the real cause goes to the log.
			log.ErrorContext(c.Request().Context(), "request failed",
				"method", c.Request().Method,
				"route", c.Path(),
				"request_id", c.Response().Header().Get(echo.HeaderXRequestID),
				"error", err.Error(),
			)
		}
		if isAuthzenRoute(c.Path()) {
			writeAuthzenError(c, p, log)
			return
		}
		writeProblem(c, p, log)
	}
}

// writeAuthzenError answers an AuthZEN route's error as AuthZEN 1.0 says:
// the status, and an error message string as the body.
func writeAuthzenError(c echo.Context, p gen.Problem, log *slog.Logger) {
	msg := p.Title
	if p.Detail != nil && *p.Detail != "" {
		msg = *p.Detail
	}
	if err := c.JSON(p.Status, msg); err != nil {
		log.WarnContext(c.Request().Context(), "write error", "error", err)
	}
}

func writeProblem(c echo.Context, p gen.Problem, log *slog.Logger) {
	if c.Request().Method == http.MethodHead {
		if err := c.NoContent(p.Status); err != nil {
			log.WarnContext(c.Request().Context(), "write problem", "error", err)
		}
		return
	}
	body, err := json.Marshal(p)
	if err != nil { // a Problem always marshals; keep the answer well-formed anyway
		body = []byte(`{"type":"` + problemTypeBase + `internal","title":"Internal Server Error","status":500,"code":"internal"}`)
		p.Status = http.StatusInternalServerError
	}
	if err := c.Blob(p.Status, problemContentType, body); err != nil {
		log.WarnContext(c.Request().Context(), "write problem", "error", err)
	}
}

// problemFor picks the status, code and fields of an error.
func problemFor(err error) gen.Problem {
	// A chunked body over the limit surfaces inside a validator error as a
	// read failure: recognise it before anything else.
	if errors.Is(err, echo.ErrStatusRequestEntityTooLarge) {
		return newProblem(rbac.ETooLarge, "the request body is larger than the limit", nil)
	}
	var re *rbac.Error
	if errors.As(err, &re) {
		return newProblem(re.Code, re.Message, re.Fields)
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return httpProblem(he)
	}
	return newProblem(rbac.EInternal, "", nil)
}

// httpProblem translates errors raised by echo, its middleware, the request
// validator and the generated binders.
func httpProblem(he *echo.HTTPError) gen.Problem {
	if fields, ok := validationFields(he.Internal); ok {
		return newProblem(rbac.EInvalid, detailOf(fields), fields)
	}
	switch he.Code {
	case http.StatusBadRequest:
		// A binder error (the validator passed, the typed decode did not) or
		// a parameter the generated wrapper could not parse.
		f := bindField(he.Internal)
		return newProblem(rbac.EInvalid, detailOf([]rbac.FieldError{f}), []rbac.FieldError{f})
	case http.StatusUnsupportedMediaType:
		// 415 is not in the contract: a body in another media type is a bad body.
		f := rbac.FieldError{Field: "body", Message: "must be sent as application/json"}
		return newProblem(rbac.EInvalid, detailOf([]rbac.FieldError{f}), []rbac.FieldError{f})
	case http.StatusNotFound:
		return newProblem(rbac.ENotFound, "no such resource", nil)
	case http.StatusMethodNotAllowed:
		p := newProblem(rbac.ENotFound, "this method is not allowed on this resource", nil)
		p.Status, p.Title = http.StatusMethodNotAllowed, http.StatusText(http.StatusMethodNotAllowed)
		return p
	}
	code, ok := codeOf[he.Code]
	if !ok || he.Code >= http.StatusInternalServerError {
		return newProblem(rbac.EInternal, "", nil)
	}
	msg, _ := he.Message.(string)
	return newProblem(code, msg, nil)
}

// bindField names what a generated binder rejected.
func bindField(err error) rbac.FieldError {
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) && ute.Field != "" {
		return rbac.FieldError{Field: ute.Field, Message: "has the wrong type"}
	}
	return rbac.FieldError{Field: "body", Message: "is not valid JSON for this operation"}
}

func detailOf(fields []rbac.FieldError) string {
	switch len(fields) {
	case 0:
		return "the request is not valid"
	case 1:
		return fields[0].Field + ": " + fields[0].Message
	default:
		return "the request is not valid in several fields"
	}
}

func newProblem(code rbac.Code, detail string, fields []rbac.FieldError) gen.Problem {
	status, ok := statusOf[code]
	if !ok {
		code, status = rbac.EInternal, http.StatusInternalServerError
	}
	if code == rbac.EInternal {
		detail = "an unexpected error occurred" // never the internals
	}
	p := gen.Problem{
		Type:   problemTypeBase + string(code),
		Title:  http.StatusText(status),
		Status: status,
		Code:   gen.ProblemCode(code),
	}
	if detail != "" {
		p.Detail = &detail
	}
	if len(fields) > 0 {
		errs := make([]gen.FieldError, len(fields))
		for i, f := range fields {
			errs[i] = gen.FieldError{Field: f.Field, Message: f.Message}
		}
		p.Errors = &errs
	}
	return p
}
