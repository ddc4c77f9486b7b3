package scim

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	filter "github.com/scim2/filter-parser/v2"
)

// Filter is a parsed, checked SCIM filter over one resource type.
type Filter struct {
	s    *resourceSchema
	expr filter.Expression
}

// ParseFilter parses a filter (RFC 7644 §3.4.2.2) and checks that every
// attribute it names exists: invalidFilter otherwise.
func (s *resourceSchema) ParseFilter(raw string) (*Filter, error) {
	expr, ok := parseSimpleEq(raw)
	if !ok {
		var err error
		if expr, err = filter.ParseFilter([]byte(normalizeFilter(raw))); err != nil {
			return nil, Bad(TypeInvalidFilter, "filter: %q is not a SCIM filter", raw)
		}
	}
	if err := s.checkFilter(expr, nil, ""); err != nil {
		return nil, err
	}
	return &Filter{s: s, expr: expr}, nil
}

// simpleEq is the filter identity providers send most, `attr eq "value"`
// (a lookup before each create). The general parser takes about 150 µs
// for it, 7% of the CPU of a SCIM initial sync (measured with the bench's
// SCIM phase); this takes a few.
var simpleEq = regexp.MustCompile(`^\s*([A-Za-z][A-Za-z0-9_$.:-]*)\s+(?i:eq)\s+("(?:[^"\\]|\\.)*")\s*$`)

// parseSimpleEq parses `attr eq "value"` into what filter.ParseFilter
// would give for it; ok is false for anything else.
func parseSimpleEq(raw string) (filter.Expression, bool) {
	m := simpleEq.FindStringSubmatch(raw)
	if m == nil {
		return nil, false
	}
	var value string
	if err := json.Unmarshal([]byte(m[2]), &value); err != nil {
		return nil, false
	}
	uri, path := splitURN(m[1])
	name, sub, dotted := strings.Cut(path, ".")
	if name == "" || (dotted && (sub == "" || strings.Contains(sub, "."))) {
		return nil, false
	}
	ap := filter.AttributePath{AttributeName: name}
	if uri != "" {
		ap.URIPrefix = &uri
	}
	if dotted {
		ap.SubAttribute = &sub
	}
	return &filter.AttributeExpression{AttributePath: ap, Operator: filter.EQ, CompareValue: value}, true
}

// checkFilter checks the attributes expr names: the schema's at the top
// (sub == nil), a multi-valued attribute's sub-attributes inside its [].
func (s *resourceSchema) checkFilter(expr filter.Expression, sub []attr, prefix string) error {
	switch e := expr.(type) {
	case *filter.LogicalExpression:
		if err := s.checkFilter(e.Left, sub, prefix); err != nil {
			return err
		}
		return s.checkFilter(e.Right, sub, prefix)
	case *filter.NotExpression:
		return s.checkFilter(e.Expression, sub, prefix)
	case *filter.ValuePath:
		if sub != nil {
			return Bad(TypeInvalidFilter, "filter: a [] inside a [] (%s)", e.AttributePath)
		}
		a, _, ok := s.resolve(e.AttributePath.URI(), e.AttributePath.AttributeName)
		if !ok || a.kind != kMulti {
			return Bad(TypeInvalidFilter, "filter: %q is not a multi-valued attribute", e.AttributePath.String())
		}
		return s.checkFilter(e.ValueFilter, a.sub, a.name+".")
	case *filter.AttributeExpression:
		p := e.AttributePath
		if sub != nil {
			if _, ok := find(sub, p.AttributeName); !ok || p.SubAttribute != nil {
				return Bad(TypeInvalidFilter, "filter: unknown attribute %q", prefix+p.String())
			}
			return nil
		}
		a, _, ok := s.resolve(p.URI(), p.AttributeName)
		if !ok {
			return Bad(TypeInvalidFilter, "filter: unknown attribute %q", p.String())
		}
		if n := p.SubAttributeName(); n != "" {
			if _, ok := find(a.sub, n); !ok {
				return Bad(TypeInvalidFilter, "filter: unknown attribute %q", p.String())
			}
		}
		return nil
	}
	return Bad(TypeInvalidFilter, "filter: unsupported expression")
}

// Match reports whether the resource (as UserResource or GroupResource
// render it) satisfies the filter.
func (f *Filter) Match(res map[string]any) bool {
	return matches(f.expr, res, func(path string) bool { return f.s.caseExact[strings.ToLower(path)] })
}

// caseInsensitive compares every attribute ignoring case (the values of a
// multi-valued attribute inside a PATCH path filter: type, value of emails).
func caseInsensitive(string) bool { return false }

func matches(expr filter.Expression, res map[string]any, exact func(string) bool) bool {
	switch e := expr.(type) {
	case *filter.LogicalExpression:
		if e.Operator == filter.AND {
			return matches(e.Left, res, exact) && matches(e.Right, res, exact)
		}
		return matches(e.Left, res, exact) || matches(e.Right, res, exact)
	case *filter.NotExpression:
		return !matches(e.Expression, res, exact)
	case *filter.ValuePath:
		name := canonicalName(e.AttributePath.AttributeName, res)
		list, _ := valueAt(res, e.AttributePath.URI(), name).([]any)
		for _, el := range list {
			obj, _ := el.(map[string]any)
			prefixed := func(p string) bool { return exact(name + "." + p) }
			if matches(e.ValueFilter, obj, prefixed) {
				return true
			}
		}
		return false
	case *filter.AttributeExpression:
		p := e.AttributePath
		name := canonicalName(p.AttributeName, res)
		v := valueAt(res, p.URI(), name)
		path := name
		var values []any
		if sub := p.SubAttributeName(); sub != "" {
			path += "." + sub
			switch x := v.(type) {
			case map[string]any:
				values = []any{lookupFold(x, sub)}
			case []any:
				for _, el := range x {
					obj, _ := el.(map[string]any)
					values = append(values, lookupFold(obj, sub))
				}
			}
		} else if list, ok := v.([]any); ok {
			for _, el := range list { // a multi-valued attribute compares by its values' "value"
				obj, _ := el.(map[string]any)
				values = append(values, obj["value"])
			}
		} else {
			values = []any{v}
		}
		if e.Operator == filter.NE {
			return !anyCompare(values, filter.EQ, e.CompareValue, exact(path))
		}
		return anyCompare(values, e.Operator, e.CompareValue, exact(path))
	}
	return false
}

// valueAt reads an attribute of a resource, from an extension's object
// when uri names one.
func valueAt(res map[string]any, uri, name string) any {
	if uri != "" && !strings.EqualFold(uri, UserSchema) && !strings.EqualFold(uri, GroupSchema) {
		ext, _ := res[EnterpriseSchema].(map[string]any)
		return lookupFold(ext, name)
	}
	return lookupFold(res, name)
}

// canonicalName is name as res spells it (attribute names ignore case).
func canonicalName(name string, res map[string]any) string {
	for k := range res {
		if strings.EqualFold(k, name) {
			return k
		}
	}
	return name
}

func lookupFold(m map[string]any, name string) any {
	if v, ok := m[name]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

func anyCompare(values []any, op filter.CompareOperator, want any, exact bool) bool {
	for _, got := range values {
		if compare(got, op, want, exact) {
			return true
		}
	}
	return false
}

func compare(got any, op filter.CompareOperator, want any, exact bool) bool {
	if op == filter.PR {
		return got != nil && got != ""
	}
	switch g := got.(type) {
	case string:
		w, ok := want.(string)
		if !ok {
			return false
		}
		if !exact {
			g, w = strings.ToLower(g), strings.ToLower(w)
		}
		switch op {
		case filter.EQ:
			return g == w
		case filter.CO:
			return strings.Contains(g, w)
		case filter.SW:
			return strings.HasPrefix(g, w)
		case filter.EW:
			return strings.HasSuffix(g, w)
		case filter.GT:
			return g > w
		case filter.GE:
			return g >= w
		case filter.LT:
			return g < w
		case filter.LE:
			return g <= w
		}
	case bool:
		w, ok := want.(bool)
		return ok && op == filter.EQ && g == w
	}
	return false
}

// equalities returns the attribute values an `a eq "x" and b eq "y"`
// filter pins, as a value that satisfies it; nil when the filter is not
// such a conjunction.
func equalities(expr filter.Expression) map[string]any {
	switch e := expr.(type) {
	case *filter.AttributeExpression:
		if e.Operator != filter.EQ || e.AttributePath.SubAttribute != nil {
			return nil
		}
		return map[string]any{e.AttributePath.AttributeName: e.CompareValue}
	case *filter.LogicalExpression:
		if e.Operator != filter.AND {
			return nil
		}
		l, r := equalities(e.Left), equalities(e.Right)
		if l == nil || r == nil {
			return nil
		}
		for k, v := range r {
			l[k] = v
		}
		return l
	}
	return nil
}

// Lookup is an indexed query that finds every resource a filter can match:
// those whose attribute Attr ("userName", "emails.value", "externalId",
// "id", "displayName", "members.value") equals one of Values.
type Lookup struct {
	Attr   string
	Values []string
}

var indexed = map[string]bool{"userName": true, "emails.value": true, "externalId": true, "id": true,
	"displayName": true, "members.value": true}

// Lookup returns an indexed query whose results include every match, when
// the filter has one (an eq on an indexed attribute, under and, or the
// same attribute on both sides of an or); the caller still applies Match.
func (f *Filter) Lookup() (Lookup, bool) { return f.s.lookup(f.expr, "") }

func (s *resourceSchema) lookup(expr filter.Expression, parent string) (Lookup, bool) {
	switch e := expr.(type) {
	case *filter.AttributeExpression:
		v, ok := e.CompareValue.(string)
		if e.Operator != filter.EQ || !ok {
			return Lookup{}, false
		}
		path := e.AttributePath
		var name string
		if parent != "" {
			name = parent + "." + path.AttributeName
		} else {
			a, _, ok := s.resolve(path.URI(), path.AttributeName)
			if !ok {
				return Lookup{}, false
			}
			name = a.name
			if sub := path.SubAttributeName(); sub != "" {
				name += "." + sub
			}
		}
		name = s.canonicalPath(name)
		if !indexed[name] {
			return Lookup{}, false
		}
		return Lookup{Attr: name, Values: []string{v}}, true
	case *filter.ValuePath:
		if parent != "" {
			return Lookup{}, false
		}
		a, _, ok := s.resolve(e.AttributePath.URI(), e.AttributePath.AttributeName)
		if !ok {
			return Lookup{}, false
		}
		return s.lookup(e.ValueFilter, a.name)
	case *filter.LogicalExpression:
		l, lok := s.lookup(e.Left, parent)
		r, rok := s.lookup(e.Right, parent)
		if e.Operator == filter.AND {
			if lok {
				return l, true
			}
			return r, rok
		}
		if lok && rok && l.Attr == r.Attr {
			return Lookup{Attr: l.Attr, Values: append(l.Values, r.Values...)}, true
		}
	}
	return Lookup{}, false
}

// canonicalPath spells a dotted path as the schema does.
func (s *resourceSchema) canonicalPath(path string) string {
	name, sub, dotted := strings.Cut(path, ".")
	a, ok := find(s.attrs, name)
	if !ok {
		return path
	}
	if !dotted {
		return a.name
	}
	if sa, ok := find(a.sub, sub); ok {
		return fmt.Sprintf("%s.%s", a.name, sa.name)
	}
	return path
}
