package scim

import (
	"fmt"
	"strings"
)

// The normalising layer: what both dialects send becomes one canonical
// form before any protocol code reads it. Attribute names are
// case-insensitive in SCIM (RFC 7643 §2.1), so every key is renamed to the
// schema's spelling; Entra's dotted keys ("name.givenName" inside a
// replace value) are nested; its string booleans ("True", "False") become
// booleans; a single object where a list belongs becomes a list of one.
// Every value is checked against its attribute's type here, so that later
// code can trust the shapes it reads.

// canonical returns a resource body in canonical form. An attribute the
// schemas do not have is invalidPath; a value of the wrong type is
// invalidValue naming the attribute.
func (s *resourceSchema) canonical(body map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for k, v := range body {
		if strings.EqualFold(k, "schemas") {
			out["schemas"] = v
			continue
		}
		if ext, ok := s.extensions[strings.ToLower(k)]; ok {
			obj, ok := v.(map[string]any)
			if !ok {
				return nil, Bad(TypeInvalidValue, "%s: must be an object", k)
			}
			c, err := canonicalObject(ext, obj, k+":")
			if err != nil {
				return nil, err
			}
			mergeInto(out, EnterpriseSchema, c)
			continue
		}
		if err := s.setCanonical(out, k, v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// setCanonical sets one key of a body, which may be a URN-prefixed or a
// dotted attribute path, into out.
func (s *resourceSchema) setCanonical(out map[string]any, key string, v any) error {
	uri, path := splitURN(key)
	name, sub, dotted := strings.Cut(path, ".")
	a, ext, ok := s.resolve(uri, name)
	if !ok {
		return Bad(TypeInvalidPath, "unknown attribute %q", key)
	}
	target := out
	if ext != "" {
		m, _ := out[ext].(map[string]any)
		if m == nil {
			m = map[string]any{}
			out[ext] = m
		}
		target = m
	}
	if !dotted {
		cv, err := canonicalValue(a, v, key)
		if err != nil {
			return err
		}
		if m, ok := cv.(map[string]any); ok {
			mergeInto(target, a.name, m)
			return nil
		}
		target[a.name] = cv
		return nil
	}
	if a.kind != kComplex {
		return Bad(TypeInvalidPath, "unknown attribute %q (%s has no sub-attributes)", key, a.name)
	}
	sa, ok := find(a.sub, sub)
	if !ok {
		return Bad(TypeInvalidPath, "unknown attribute %q", key)
	}
	cv, err := canonicalValue(sa, v, key)
	if err != nil {
		return err
	}
	mergeInto(target, a.name, map[string]any{sa.name: cv})
	return nil
}

// splitURN splits "urn:…:User:department" into the URN and the attribute
// path; a key without a URN has none.
func splitURN(key string) (uri, path string) {
	if !strings.HasPrefix(strings.ToLower(key), "urn:") {
		return "", key
	}
	i := strings.LastIndex(key, ":")
	return key[:i], key[i+1:]
}

// mergeInto merges the object m into out[key] (RFC 7644 §3.5.2.3: the
// sub-attributes given replace, the others stay).
func mergeInto(out map[string]any, key string, m map[string]any) {
	have, ok := out[key].(map[string]any)
	if !ok {
		out[key] = m
		return
	}
	for k, v := range m {
		have[k] = v
	}
}

func canonicalObject(attrs []attr, obj map[string]any, prefix string) (map[string]any, error) {
	out := make(map[string]any, len(obj))
	for k, v := range obj {
		a, ok := find(attrs, k)
		if !ok {
			return nil, Bad(TypeInvalidPath, "unknown attribute %q", prefix+k)
		}
		cv, err := canonicalValue(a, v, prefix+a.name)
		if err != nil {
			return nil, err
		}
		out[a.name] = cv
	}
	return out, nil
}

// canonicalValue checks v against a's type. null stands for "no value".
// A value of an attribute Roster does not keep is taken as it comes: it is
// dropped anyway, and identity providers differ on its shape (Entra sends
// an enterprise manager as a bare id where the schema has an object).
func canonicalValue(a attr, v any, field string) (any, error) {
	if v == nil || !a.kept {
		return v, nil
	}
	switch a.kind {
	case kString:
		s, ok := v.(string)
		if !ok {
			return nil, Bad(TypeInvalidValue, "%s: must be a string", field)
		}
		return s, nil
	case kBool:
		return boolValue(v, field)
	case kComplex:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, Bad(TypeInvalidValue, "%s: must be an object", field)
		}
		return canonicalObject(a.sub, obj, field+".")
	default: // kMulti
		list, ok := v.([]any)
		if !ok {
			if obj, one := v.(map[string]any); one {
				list = []any{obj}
			} else {
				return nil, Bad(TypeInvalidValue, "%s: must be a list of objects", field)
			}
		}
		out := make([]any, len(list))
		for i, e := range list {
			obj, ok := e.(map[string]any)
			if !ok {
				return nil, Bad(TypeInvalidValue, "%s[%d]: must be an object", field, i)
			}
			c, err := canonicalObject(a.sub, obj, fmt.Sprintf("%s[%d].", field, i))
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	}
}

// boolValue reads a boolean, or Entra's legacy "True" / "False" strings.
func boolValue(v any, field string) (bool, error) {
	switch b := v.(type) {
	case bool:
		return b, nil
	case string:
		switch strings.ToLower(b) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, Bad(TypeInvalidValue, "%s: must be a boolean", field)
}

// normalizeFilter rewrites Entra's `emails[type eq "work"].value eq "x"`,
// which RFC 7644's grammar has no production for, into the equivalent
// `emails[type eq "work" and value eq "x"]`.
func normalizeFilter(f string) string {
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c == '"' {
			j := closingQuote(f, i)
			b.WriteString(f[i : j+1])
			i = j
			continue
		}
		if c != '[' {
			b.WriteByte(c)
			continue
		}
		end := closingBracket(f, i)
		if end < 0 || end+1 >= len(f) || f[end+1] != '.' {
			b.WriteByte(c)
			continue
		}
		// ".sub op value": take the sub-attribute and the rest of that comparison.
		k := end + 2
		for k < len(f) && f[k] != ' ' && f[k] != ')' {
			k++
		}
		sub := f[end+2 : k]
		rest, n := comparisonTail(f[k:])
		if sub == "" || rest == "" {
			b.WriteByte(c)
			continue
		}
		inner := f[i+1 : end]
		if strings.Contains(strings.ToLower(inner), " or ") {
			inner = "(" + inner + ")"
		}
		b.WriteString("[" + inner + " and " + sub + rest + "]")
		i = k + n - 1
	}
	return b.String()
}

// comparisonTail reads " op value" (or " pr") at the start of s and returns
// it with its length, or "" when s does not start with one.
func comparisonTail(s string) (string, int) {
	t := strings.TrimLeft(s, " ")
	lead := len(s) - len(t)
	if lead == 0 {
		return "", 0
	}
	op, after, _ := strings.Cut(t, " ")
	if strings.EqualFold(op, "pr") {
		return " pr", lead + 2
	}
	switch strings.ToLower(op) {
	case "eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le":
	default:
		return "", 0
	}
	val := strings.TrimLeft(after, " ")
	j := len(val)
	if strings.HasPrefix(val, `"`) {
		j = closingQuote(val, 0) + 1
	} else if k := strings.IndexAny(val, " )"); k >= 0 {
		j = k
	}
	n := lead + len(op) + (len(after) - len(val)) + 1 + j
	return " " + op + " " + val[:j], n
}

// closingQuote returns the index of the quote closing the string opened at
// i (a backslash escapes), or the last index when it is not closed.
func closingQuote(s string, i int) int {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '"':
			return j
		}
	}
	return len(s) - 1
}

func closingBracket(s string, i int) int {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '"':
			j = closingQuote(s, j)
		case ']':
			return j
		}
	}
	return -1
}
