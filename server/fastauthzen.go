package server

import "unicode/utf8"

// The AuthZEN evaluation route gets the same accept-only scan as the check
// routes (fastcheck.go): a gateway asks it as often as /check is asked. It
// accepts only the plain shape — subject {type, id}, action {name},
// resource {type, id}, each with optional properties, and an optional
// context, whose members are strings — and declines anything else (other
// members, which AuthZEN ignores, numbers, nesting, escapes), leaving it to
// the full validator. TestFastCheck_neverAcceptsWhatTheSpecRejects holds
// it to the spec. It reads the request as the handler sees it: of the
// properties, only the resource's owner and organization matter to a
// decision (ownerOf, orgOf), and a member named twice counts its last value,
// as encoding/json's decoding into a map does.

const routeAuthzenEvaluation = "/v1/tenants/:tenant_id/access/v1/evaluation"

// Lengths the AuthZEN schemas allow (openapi.yaml, Authzen*).
const (
	maxAZType       = 256
	maxAZSubjectID  = 320
	maxAZResourceID = 1024
)

func readAuthzenEvaluation(body []byte, r *azRequest) bool {
	s := &scanner{b: body}
	if !s.take('{') {
		return false
	}
	var subject, action, resource, context bool
	for {
		key, ok := s.str()
		if !ok || !s.take(':') {
			return false
		}
		switch {
		case key == "subject" && !subject:
			r.subject, subject = s.entity("type", maxAZType, "id", maxAZSubjectID, false)
		case key == "action" && !action:
			r.action, action = s.entity("name", maxAZType, "", 0, false)
		case key == "resource" && !resource:
			r.resource, resource = s.entity("type", maxAZType, "id", maxAZResourceID, true)
		case key == "context" && !context:
			context = s.flatObject(nil)
		default:
			return false
		}
		if (key == "subject" && !subject) || (key == "action" && !action) || (key == "resource" && !resource) || (key == "context" && !context) {
			return false
		}
		if s.take('}') {
			return subject && action && resource && s.end()
		}
		if !s.take(',') {
			return false
		}
	}
}

// entity reads an object with the string members a (required, at most
// maxA characters; the entity's kind) and b (the same, its id; none when b
// is ""), and an optional flat properties object, whose decisive members
// it keeps when keepProps is set.
func (s *scanner) entity(a string, maxA int, b string, maxB int, keepProps bool) (e azEntity, ok bool) {
	if !s.take('{') {
		return e, false
	}
	e.set = true
	var hasA, hasB, props bool
	for {
		key, ok := s.str()
		if !ok || !s.take(':') {
			return e, false
		}
		switch {
		case key == "properties" && !props:
			var keep map[string]any
			if keepProps {
				keep = map[string]any{}
			}
			if props = s.flatObject(keep); !props {
				return e, false
			}
			if len(keep) > 0 {
				e.props = keep
			}
		case key == a && !hasA:
			v, ok := s.str()
			if !ok || utf8.RuneCountInString(v) > maxA {
				return e, false
			}
			hasA, e.kind = true, v
		case b != "" && key == b && !hasB:
			v, ok := s.str()
			if !ok || utf8.RuneCountInString(v) > maxB {
				return e, false
			}
			hasB, e.id = true, v
		default:
			return e, false
		}
		if s.take('}') {
			return e, hasA && (b == "" || hasB)
		}
		if !s.take(',') {
			return e, false
		}
	}
}

// decisiveProps are the resource properties a decision reads.
var decisiveProps = map[string]bool{"ownerID": true, "owner_id": true, "organization_id": true}

// flatObject reads an object whose members are all strings (possibly
// none); the schemas allow any members there. Into keep, when not nil, it
// puts the decisive ones, the last value of each.
func (s *scanner) flatObject(keep map[string]any) bool {
	if !s.take('{') {
		return false
	}
	if s.take('}') {
		return true
	}
	for {
		key, ok := s.str()
		if !ok || !s.take(':') {
			return false
		}
		v, ok := s.str()
		if !ok {
			return false
		}
		if keep != nil && decisiveProps[key] {
			keep[key] = v
		}
		if s.take('}') {
			return true
		}
		if !s.take(',') {
			return false
		}
	}
}
