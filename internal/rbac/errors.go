package rbac

import (
	"errors"
	"fmt"
)

// Code is an application error code; the HTTP layer maps each to one status.
type Code string

// The error codes of the API contract (openapi.yaml, "Conventions").
const (
	EInvalid      Code = "validation_error"    // 400
	EUnauthorized Code = "unauthorized"        // 401
	EForbidden    Code = "forbidden"           // 403
	ENotFound     Code = "not_found"           // 404
	EConflict     Code = "conflict"            // 409
	EPrecondition Code = "precondition_failed" // 412
	ETooLarge     Code = "payload_too_large"   // 413
	ERateLimited  Code = "rate_limited"        // 429
	EInternal     Code = "internal"            // 500
)

// FieldError names one bad input field by its dotted path
// (`scope.organization_id`, `assignments[1].role_id`, `body`).
type FieldError struct {
	Field   string
	Message string
}

// Error is the one error type that crosses package boundaries.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
}

func (e *Error) Error() string {
	if len(e.Fields) > 0 {
		return fmt.Sprintf("%s: %s (%s: %s)", e.Code, e.Message, e.Fields[0].Field, e.Fields[0].Message)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns a validation_error naming one field.
func Invalid(field, message string) *Error {
	return &Error{Code: EInvalid, Message: field + ": " + message, Fields: []FieldError{{Field: field, Message: message}}}
}

// NotFound returns a not_found error for a kind of thing ("role", "user").
func NotFound(kind string) *Error {
	return Errorf(ENotFound, "%s not found", kind)
}

// ErrorCode returns the code of an *Error in err's chain, or EInternal.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EInternal
}

// IsCode reports whether err carries the given code.
func IsCode(err error, code Code) bool { return err != nil && ErrorCode(err) == code }
