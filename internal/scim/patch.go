package scim

import (
	"fmt"
	"strings"

	filter "github.com/scim2/filter-parser/v2"
)

// Op is one PATCH operation (RFC 7644 §3.5.2), op lower-cased.
type Op struct {
	Op    string
	Path  string
	Value any
	field string // "Operations[i]", for errors
}

// ParsePatch reads a PatchOp body. Keys and op names are matched ignoring
// case: Entra sends "Add", "Replace", "Remove".
func ParsePatch(body map[string]any) ([]Op, error) {
	var raw any
	for k, v := range body {
		switch strings.ToLower(k) {
		case "operations":
			raw = v
		case "schemas":
		default:
			return nil, Bad(TypeInvalidSyntax, "unknown member %q of a PatchOp", k)
		}
	}
	list, ok := raw.([]any)
	if !ok || len(list) == 0 {
		return nil, Bad(TypeInvalidSyntax, "Operations: a list of at least one operation is required")
	}
	ops := make([]Op, len(list))
	for i, e := range list {
		field := fmt.Sprintf("Operations[%d]", i)
		obj, ok := e.(map[string]any)
		if !ok {
			return nil, Bad(TypeInvalidSyntax, "%s: must be an object", field)
		}
		op := Op{field: field}
		for k, v := range obj {
			switch strings.ToLower(k) {
			case "op":
				s, _ := v.(string)
				op.Op = strings.ToLower(s)
			case "path":
				s, ok := v.(string)
				if !ok {
					return nil, Bad(TypeInvalidPath, "%s.path: must be a string", field)
				}
				op.Path = strings.TrimSpace(s)
			case "value":
				op.Value = v
			default:
				return nil, Bad(TypeInvalidSyntax, "%s: unknown member %q", field, k)
			}
		}
		switch op.Op {
		case "add", "replace", "remove":
		default:
			return nil, Bad(TypeInvalidValue, "%s.op: must be add, replace or remove", field)
		}
		if op.Op == "remove" && op.Path == "" {
			return nil, Bad(TypeNoTarget, "%s: remove needs a path", field)
		}
		if op.Op != "remove" && op.Value == nil {
			return nil, Bad(TypeInvalidValue, "%s.value: is required", field)
		}
		ops[i] = op
	}
	return ops, nil
}

// target is a PATCH path resolved against a schema.
type target struct {
	a      attr
	ext    string            // the extension URN holding it, "" for the core schema
	sub    *attr             // name.givenName: the sub-attribute
	filter filter.Expression // emails[type eq "work"]: which values
	fsub   *attr             // emails[…].value: the sub-attribute of those values
}

func (s *resourceSchema) target(op Op) (target, error) {
	p, err := filter.ParsePath([]byte(op.Path))
	if err != nil {
		return target{}, Bad(TypeInvalidPath, "%s.path: %q is not a SCIM path", op.field, op.Path)
	}
	a, ext, ok := s.resolve(p.AttributePath.URI(), p.AttributePath.AttributeName)
	if !ok {
		return target{}, Bad(TypeInvalidPath, "%s.path: unknown attribute %q", op.field, op.Path)
	}
	t := target{a: a, ext: ext, filter: p.ValueExpression}
	if a.readOnly {
		return target{}, Bad(TypeMutability, "%s.path: %s is read-only", op.field, a.name)
	}
	subOf := func(name string) (*attr, error) {
		sa, ok := find(a.sub, name)
		if !ok {
			return nil, Bad(TypeInvalidPath, "%s.path: unknown attribute %q", op.field, op.Path)
		}
		return &sa, nil
	}
	if n := p.AttributePath.SubAttributeName(); n != "" {
		if a.kind != kComplex {
			return target{}, Bad(TypeInvalidPath, "%s.path: %q: only a complex attribute has sub-attributes here", op.field, op.Path)
		}
		if t.sub, err = subOf(n); err != nil {
			return target{}, err
		}
	}
	if t.filter != nil {
		if a.kind != kMulti {
			return target{}, Bad(TypeInvalidPath, "%s.path: %q: only a multi-valued attribute takes a filter", op.field, op.Path)
		}
		if err := s.checkFilter(t.filter, a.sub, a.name+"."); err != nil {
			return target{}, Bad(TypeInvalidPath, "%s.path: %s", op.field, err.(*Error).Detail)
		}
		if n := p.SubAttributeName(); n != "" {
			if t.fsub, err = subOf(n); err != nil {
				return target{}, err
			}
		}
	}
	return t, nil
}

// Apply applies ops, in order, to a canonical resource. Values without a
// path may name read-only attributes (Okta's group rename carries the id):
// those are ignored.
func (s *resourceSchema) Apply(res map[string]any, ops []Op) error {
	for _, op := range ops {
		if err := s.apply1(res, op); err != nil {
			return err
		}
	}
	return nil
}

func (s *resourceSchema) apply1(res map[string]any, op Op) error {
	if op.Path == "" {
		obj, ok := op.Value.(map[string]any)
		if !ok {
			return Bad(TypeInvalidValue, "%s.value: an operation without a path needs an object", op.field)
		}
		c, err := s.canonical(obj)
		if err != nil {
			return err
		}
		for k, v := range c {
			if ext, ok := v.(map[string]any); ok && k == EnterpriseSchema {
				mergeInto(res, k, ext)
				continue
			}
			a, _, _ := s.resolve("", k)
			if k == "schemas" || a.readOnly {
				continue
			}
			setValue(res, a, v, op.Op)
		}
		return nil
	}
	t, err := s.target(op)
	if err != nil {
		return err
	}
	holder := res
	if t.ext != "" {
		m, _ := res[t.ext].(map[string]any)
		if m == nil {
			m = map[string]any{}
			res[t.ext] = m
		}
		holder = m
	}
	var v any
	if op.Op != "remove" || op.Value != nil {
		va := t.a
		switch {
		case t.sub != nil:
			va = *t.sub
		case t.fsub != nil:
			va = *t.fsub
		case t.filter != nil:
			va = attr{name: t.a.name, kind: kComplex, sub: t.a.sub}
		}
		if v, err = canonicalValue(va, op.Value, op.field+".value"); err != nil {
			return err
		}
	}
	switch {
	case t.sub != nil:
		obj, _ := holder[t.a.name].(map[string]any)
		if op.Op == "remove" {
			delete(obj, t.sub.name)
			return nil
		}
		mergeInto(holder, t.a.name, map[string]any{t.sub.name: v})
	case t.filter != nil:
		return applyFiltered(holder, t, op, v)
	case op.Op == "remove":
		if list, ok := v.([]any); ok && t.a.kind == kMulti {
			// Entra's legacy form: the values to remove listed in `value`.
			holder[t.a.name] = without(holder[t.a.name], list)
			return nil
		}
		delete(holder, t.a.name)
	default:
		setValue(holder, t.a, v, op.Op)
	}
	return nil
}

// setValue adds or replaces a whole attribute's value: add appends to a
// multi-valued attribute and merges into a complex one; replace replaces
// a multi-valued attribute and merges into a complex one too (RFC 7644
// §3.5.2.3: sub-attributes not given are left unchanged).
// Values of attributes Roster does not keep come unchecked (canonicalValue),
// so their shapes are tested here, never assumed.
func setValue(res map[string]any, a attr, v any, op string) {
	list, isList := v.([]any)
	obj, isObj := v.(map[string]any)
	switch {
	case v == nil:
		delete(res, a.name)
	case a.kind == kMulti && op == "add":
		have, _ := res[a.name].([]any)
		if !isList {
			list = []any{v}
		}
		res[a.name] = append(have, list...)
	case a.kind == kComplex && isObj:
		mergeInto(res, a.name, obj)
	default:
		res[a.name] = v
	}
}

// applyFiltered applies an operation on the values of a multi-valued
// attribute that match the path's filter. Adding or replacing a
// sub-attribute where none matches makes the value the filter describes
// (Entra's `emails[type eq "work"].value` on a user without one).
func applyFiltered(holder map[string]any, t target, op Op, v any) error {
	list, _ := holder[t.a.name].([]any)
	var out []any
	matched := 0
	for _, e := range list {
		obj, _ := e.(map[string]any)
		if !matches(t.filter, obj, caseInsensitive) {
			out = append(out, e)
			continue
		}
		matched++
		switch {
		case op.Op == "remove" && t.fsub == nil:
			// dropped
		case op.Op == "remove":
			delete(obj, t.fsub.name)
			out = append(out, obj)
		case t.fsub != nil:
			obj[t.fsub.name] = v
			out = append(out, obj)
		default:
			nv, _ := v.(map[string]any)
			merged := map[string]any{}
			for k, x := range obj {
				merged[k] = x
			}
			for k, x := range nv {
				merged[k] = x
			}
			out = append(out, merged)
		}
	}
	if matched == 0 && op.Op != "remove" {
		nv := equalities(t.filter)
		if nv == nil {
			return Bad(TypeNoTarget, "%s.path: no value matches %q", op.field, op.Path)
		}
		if t.fsub != nil {
			nv[t.fsub.name] = v
		} else if m, ok := v.(map[string]any); ok {
			for k, x := range m {
				nv[k] = x
			}
		}
		out = append(out, nv)
	}
	if out == nil {
		out = []any{}
	}
	holder[t.a.name] = out
	return nil
}

// without returns list less the values whose `value` one of drop names.
func without(v any, drop []any) []any {
	gone := map[string]bool{}
	for _, d := range drop {
		if obj, ok := d.(map[string]any); ok {
			if s, ok := obj["value"].(string); ok {
				gone[s] = true
			}
		}
	}
	list, _ := v.([]any)
	out := []any{}
	for _, e := range list {
		obj, _ := e.(map[string]any)
		if s, _ := obj["value"].(string); !gone[s] {
			out = append(out, e)
		}
	}
	return out
}
