package server

import "unicode/utf8"

// The AuthZEN evaluation route gets the same accept-only scan as the check
// routes (fastcheck.go): a gateway asks it as often as /check is asked. It
// accepts only the plain shape — subject {type, id}, action {name},
// resource {type, id}, each with optional properties, and an optional
// context, whose members are strings — and declines anything else (other
// members, which AuthZEN ignores, numbers, nesting, escapes), leaving it to
// the full validator. TestFastCheck_neverAcceptsWhatTheSpecRejects holds
// it to the spec.

const routeAuthzenEvaluation = "/v1/tenants/:tenant_id/access/v1/evaluation"

// Lengths the AuthZEN schemas allow (openapi.yaml, Authzen*).
const (
	maxAZType       = 256
	maxAZSubjectID  = 320
	maxAZResourceID = 1024
)

func validAuthzenEvaluation(body []byte) bool {
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
			subject = s.entity("type", maxAZType, "id", maxAZSubjectID)
		case key == "action" && !action:
			action = s.entity("name", maxAZType, "", 0)
		case key == "resource" && !resource:
			resource = s.entity("type", maxAZType, "id", maxAZResourceID)
		case key == "context" && !context:
			context = s.flatObject()
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
// maxA characters) and b (the same; none when b is ""), and an optional
// flat properties object.
func (s *scanner) entity(a string, maxA int, b string, maxB int) bool {
	if !s.take('{') {
		return false
	}
	var hasA, hasB, props bool
	for {
		key, ok := s.str()
		if !ok || !s.take(':') {
			return false
		}
		switch {
		case key == "properties" && !props:
			if props = s.flatObject(); !props {
				return false
			}
		case key == a && !hasA:
			v, ok := s.str()
			if !ok || utf8.RuneCountInString(v) > maxA {
				return false
			}
			hasA = true
		case b != "" && key == b && !hasB:
			v, ok := s.str()
			if !ok || utf8.RuneCountInString(v) > maxB {
				return false
			}
			hasB = true
		default:
			return false
		}
		if s.take('}') {
			return hasA && (b == "" || hasB)
		}
		if !s.take(',') {
			return false
		}
	}
}

// flatObject reads an object whose members are all strings (possibly
// none); the schemas allow any members there.
func (s *scanner) flatObject() bool {
	if !s.take('{') {
		return false
	}
	if s.take('}') {
		return true
	}
	for {
		if _, ok := s.str(); !ok || !s.take(':') {
			return false
		}
		if _, ok := s.str(); !ok {
			return false
		}
		if s.take('}') {
			return true
		}
		if !s.take(',') {
			return false
		}
	}
}
