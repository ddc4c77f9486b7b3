package scim

import (
	"fmt"
	"net/http"
)

// SCIM error types (RFC 7644 §3.12, table 9).
const (
	TypeInvalidFilter = "invalidFilter"
	TypeInvalidPath   = "invalidPath"
	TypeInvalidValue  = "invalidValue"
	TypeInvalidSyntax = "invalidSyntax"
	TypeMutability    = "mutability"
	TypeNoTarget      = "noTarget"
	TypeUniqueness    = "uniqueness"
)

// ErrorSchema is the schema URN of every SCIM error body.
const ErrorSchema = "urn:ietf:params:scim:api:messages:2.0:Error"

// Error is a SCIM error: an HTTP status, a scimType (empty for none) and a
// detail that names what is wrong.
type Error struct {
	Status int
	Type   string
	Detail string
}

func (e *Error) Error() string { return fmt.Sprintf("scim %d %s: %s", e.Status, e.Type, e.Detail) }

// Bad is a 400 of type typ.
func Bad(typ, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Type: typ, Detail: fmt.Sprintf(format, args...)}
}
