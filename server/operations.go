package server

import (
	"fmt"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Who may call what is written once, in openapi.yaml, on each operation:
//
//   - x-roster-permission: the permissions it needs (every one; `operator`
//     for the platform operator only; an empty list for any valid token);
//   - x-roster-self: true when a user may call it on its own user (`me` or
//     its own id in {user_id}) without those permissions;
//   - x-roster-subject: body when what it is about is in the body: the
//     checks (the handler asks principal.require for each subject that is
//     not the caller) and POST /bulk (each operation is authorized as a
//     request of its own).
//
// buildOperations reads them at startup; nothing else in Go lists
// operations.

// operatorOnly is the x-roster-permission value that no tenant token can
// satisfy, whatever its permissions (`*:*` included).
const operatorOnly = "operator"

// operation is what authorization needs to know about one spec operation.
type operation struct {
	id            string
	public        bool     // `security: []`: no token at all
	operator      bool     // operator only
	permissions   []string // every one is required; empty: any valid token
	self          bool     // x-roster-self: needs no permission on the caller's own user
	subjectInBody bool     // x-roster-subject: body: the handler authorizes each subject
}

// operations maps a method and echo route ("/v1/tenants/:tenant_id") to
// its operation.
type operations map[opKey]operation

// opKey is a struct, not "METHOD /route", so that the lookups every request
// makes build no string.
type opKey struct{ method, route string }

func operationKey(method, echoPath string) opKey { return opKey{method, echoPath} }

// buildOperations walks the spec. An operation without x-roster-permission,
// or with an extension it cannot read, is an error: failing at startup
// beats serving an operation nobody guards.
func buildOperations(spec *openapi3.T) (operations, error) {
	ops := operations{}
	for path, item := range spec.Paths.Map() {
		echoPath, err := echoRoute(path)
		if err != nil {
			return nil, err
		}
		for method, op := range item.Operations() {
			o, err := readOperation(op)
			if err != nil {
				return nil, fmt.Errorf("%s %s (%s): %w", method, path, op.OperationID, err)
			}
			ops[operationKey(method, echoPath)] = o
		}
	}
	return ops, nil
}

// echoRoute turns the spec's {tenant_id} into echo's :tenant_id.
func echoRoute(path string) (string, error) {
	out := path
	for strings.Contains(out, "{") {
		i := strings.Index(out, "{")
		j := strings.Index(out[i:], "}")
		if j < 0 {
			return "", fmt.Errorf("path %q: unbalanced brace", path)
		}
		out = out[:i] + ":" + out[i+1:i+j] + out[i+j+1:]
	}
	return out, nil
}

func readOperation(op *openapi3.Operation) (operation, error) {
	perms, err := permissionList(op.Extensions["x-roster-permission"])
	if err != nil {
		return operation{}, err
	}
	o := operation{id: op.OperationID, public: op.Security != nil && len(*op.Security) == 0}
	if slices.Contains(perms, operatorOnly) {
		o.operator = true
	} else {
		o.permissions = perms
	}
	switch v := op.Extensions["x-roster-self"].(type) {
	case nil:
	case bool:
		o.self = v
	default:
		return operation{}, fmt.Errorf("x-roster-self is %T, want true or false", v)
	}
	switch v := op.Extensions["x-roster-subject"]; v {
	case nil:
	case "body":
		o.subjectInBody = true
	default:
		return operation{}, fmt.Errorf("x-roster-subject is %v, want body", v)
	}
	if (o.self || o.subjectInBody) && (o.operator || o.public) {
		return operation{}, fmt.Errorf("x-roster-self and x-roster-subject apply to tenant users only")
	}
	return o, nil
}

func permissionList(ext any) ([]string, error) {
	switch v := ext.(type) {
	case nil:
		return nil, fmt.Errorf("no x-roster-permission")
	case []string:
		return v, nil
	case []any:
		out := make([]string, 0, len(v))
		for _, p := range v {
			s, ok := p.(string)
			if !ok {
				return nil, fmt.Errorf("x-roster-permission holds %T, want strings", p)
			}
			out = append(out, s)
		}
		return out, nil
	default:
		return nil, fmt.Errorf("x-roster-permission is %T, want a list", ext)
	}
}
