package server

import (
	"errors"
	"net/mail"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/rosterhq/roster/internal/rbac"
)

// emailFormat checks `format: email`, which kin-openapi leaves unchecked
// unless told. It accepts a bare address only: a display name
// (`Ada <ada@x.test>`) is not an email field's value.
var emailFormat = openapi3.NewCallbackValidator(func(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return errors.New("not an email address")
	}
	if a.Address != s || a.Name != "" {
		return errors.New("not a bare email address")
	}
	return nil
})

// maxFieldErrors caps the fields one 400 lists (openapi.yaml, "Conventions"):
// a body can hold thousands of mistakes, and naming the first few is what
// helps a client; the rest only cost the server.
const maxFieldErrors = 20

// validationFields translates what the OpenAPI request validator reports
// (an *openapi3filter.RequestError or an openapi3.MultiError of them) into
// fields named by dotted paths, at most maxFieldErrors of them. ok is false
// for any other error. Its cost is linear in the errors, which are at most
// linear in the body.
func validationFields(err error) (fields []rbac.FieldError, ok bool) {
	var re *openapi3filter.RequestError
	var me openapi3.MultiError
	if err == nil || (!errors.As(err, &re) && !errors.As(err, &me)) {
		return nil, false
	}
	c := fieldCollector{seen: map[rbac.FieldError]bool{}, objects: map[objectAt]bool{}}
	c.walk(err)
	if len(c.fields) == 0 {
		c.add("body", "is not valid")
	}
	return c.fields, true
}

type fieldCollector struct {
	fields []rbac.FieldError
	seen   map[rbac.FieldError]bool
	// objects holds the objects whose unknown members are already listed:
	// the validator reports each unknown member with the whole object, and
	// comparing that object's keys once per member would cost n² for n
	// members.
	objects map[objectAt]bool
}

// objectAt is an object of the body, checked against one schema.
type objectAt struct {
	path   string
	schema *openapi3.Schema
}

func (c *fieldCollector) full() bool { return len(c.fields) >= maxFieldErrors }

func (c *fieldCollector) add(field, message string) {
	f := rbac.FieldError{Field: field, Message: message}
	if !c.full() && !c.seen[f] {
		c.seen[f] = true
		c.fields = append(c.fields, f)
	}
}

func (c *fieldCollector) walk(err error) {
	switch e := err.(type) {
	case openapi3.MultiError:
		for _, err := range e {
			if c.full() {
				return
			}
			c.walk(err)
		}
	case *openapi3filter.RequestError:
		c.request(e)
	case *openapi3filter.SecurityRequirementsError:
		// Authentication is ours, done before the validator runs.
	case *openapi3.SchemaError:
		c.schema(nil, e)
	}
}

func (c *fieldCollector) request(re *openapi3filter.RequestError) {
	if p := re.Parameter; p != nil {
		schemaErrs := schemaErrors(re.Err)
		if len(schemaErrs) == 0 {
			switch {
			case errors.Is(re.Err, openapi3filter.ErrInvalidRequired):
				c.add(p.Name, "is required")
			case errors.Is(re.Err, openapi3filter.ErrInvalidEmptyValue):
				c.add(p.Name, "must not be empty")
			default:
				// A parse error's text repeats the value: keep it out.
				c.add(p.Name, "has an invalid value")
			}
		}
		for _, se := range schemaErrs {
			if c.full() {
				return
			}
			c.schema([]string{p.Name}, se)
		}
		return
	}
	switch {
	case errors.Is(re.Err, openapi3filter.ErrInvalidRequired):
		c.add("body", "a request body is required")
	case strings.HasPrefix(re.Reason, "header Content-Type has unexpected value"):
		c.add("body", "must be sent as application/json")
	case re.Reason == "failed to decode request body":
		c.add("body", "is not valid JSON")
	default:
		ses := schemaErrors(re.Err)
		if len(ses) == 0 {
			c.add("body", "is not valid")
		}
		for _, se := range ses {
			if c.full() {
				return
			}
			c.schema(nil, se)
		}
	}
}

// schema adds the field of one schema error. An unknown property is reported
// at its parent object (its name is only in the reason text), so the
// offending keys are found by comparing the object's keys with the schema's
// properties.
func (c *fieldCollector) schema(prefix []string, se *openapi3.SchemaError) {
	path := append(append([]string(nil), prefix...), se.JSONPointer()...)
	switch {
	case se.SchemaField == "properties" && strings.Contains(se.Reason, "unsupported"):
		at := fieldPath(path)
		if c.objects[objectAt{at, se.Schema}] {
			return
		}
		c.objects[objectAt{at, se.Schema}] = true
		obj, _ := se.Value.(map[string]any)
		var unknown []string
		for k := range obj {
			if se.Schema == nil || se.Schema.Properties[k] == nil {
				unknown = append(unknown, k)
			}
		}
		sort.Strings(unknown)
		for _, k := range unknown {
			c.add(fieldPath(append(path, k)), "is not a known field")
		}
		if len(unknown) == 0 {
			c.add(at, se.Reason)
		}
	case se.SchemaField == "required":
		c.add(fieldPath(path), "is required")
	case se.SchemaField == "format" && se.Schema != nil:
		// The reason quotes the format's regular expression: not for clients.
		c.add(fieldPath(path), formatMessage(se.Schema.Format))
	case se.SchemaField == "readOnly":
		c.add(fieldPath(path), "is read-only")
	default:
		c.add(fieldPath(path), se.Reason)
	}
}

func formatMessage(format string) string {
	switch format {
	case "date-time":
		return "must be an RFC 3339 date-time"
	case "email":
		return "must be an email address"
	default:
		return "must be a valid " + format
	}
}

// schemaErrors returns the outermost schema errors inside err.
func schemaErrors(err error) []*openapi3.SchemaError {
	switch e := err.(type) {
	case nil:
		return nil
	case *openapi3.SchemaError:
		return []*openapi3.SchemaError{e}
	case openapi3.MultiError:
		var out []*openapi3.SchemaError
		for _, err := range e {
			out = append(out, schemaErrors(err)...)
		}
		return out
	case interface{ Unwrap() []error }:
		var out []*openapi3.SchemaError
		for _, err := range e.Unwrap() {
			out = append(out, schemaErrors(err)...)
		}
		return out
	case interface{ Unwrap() error }:
		return schemaErrors(e.Unwrap())
	}
	return nil
}

// fieldPath renders a JSON pointer's segments as the API's dotted path:
// ["assignments", "1", "role_id"] → "assignments[1].role_id"; the root is
// "body".
func fieldPath(segments []string) string {
	var b strings.Builder
	for _, s := range segments {
		if isIndex(s) {
			b.WriteString("[" + s + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	if b.Len() == 0 {
		return "body"
	}
	return b.String()
}

func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
