package scim

import "strings"

// Project applies the attributes and excludedAttributes query parameters
// (RFC 7644 §3.4.2.5) to a rendered resource: with attributes, only those
// (and id and schemas, always returned) stay; excludedAttributes drops
// those. Names ignore case and may carry the core schema's URN or a
// sub-attribute (name.givenName).
func Project(res map[string]any, attributes, excluded string) {
	if keep := names(attributes); len(keep) > 0 {
		kept := map[string]map[string]bool{} // attribute → sub-attributes kept (nil: whole)
		for _, n := range keep {
			name, sub, dotted := strings.Cut(n, ".")
			k := canonicalName(name, res)
			if !dotted {
				kept[k] = nil
				continue
			}
			if subs, ok := kept[k]; !ok || subs != nil {
				if subs == nil {
					subs = map[string]bool{}
				}
				subs[strings.ToLower(sub)] = true
				kept[k] = subs
			}
		}
		for k, v := range res {
			if k == "id" || k == "schemas" {
				continue
			}
			subs, ok := kept[k]
			switch {
			case !ok:
				delete(res, k)
			case subs != nil:
				keepSubs(v, subs)
			}
		}
	}
	for _, n := range names(excluded) {
		name, sub, dotted := strings.Cut(n, ".")
		k := canonicalName(name, res)
		if k == "id" || k == "schemas" {
			continue
		}
		if !dotted {
			delete(res, k)
			continue
		}
		if obj, ok := res[k].(map[string]any); ok {
			delete(obj, canonicalName(sub, obj))
		}
	}
}

// keepSubs keeps only the named sub-attributes of a complex value or of
// each value of a multi-valued one.
func keepSubs(v any, subs map[string]bool) {
	prune := func(obj map[string]any) {
		for k := range obj {
			if !subs[strings.ToLower(k)] {
				delete(obj, k)
			}
		}
	}
	switch x := v.(type) {
	case map[string]any:
		prune(x)
	case []any:
		for _, e := range x {
			if obj, ok := e.(map[string]any); ok {
				prune(obj)
			}
		}
	}
}

// names splits a comma-separated attribute list, dropping a core schema
// URN prefix.
func names(list string) []string {
	var out []string
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		for _, urn := range []string{UserSchema, GroupSchema} {
			if len(n) > len(urn) && strings.EqualFold(n[:len(urn)+1], urn+":") {
				n = n[len(urn)+1:]
			}
		}
		out = append(out, n)
	}
	return out
}

// Excludes reports whether the parameters leave attribute name out, so
// that the caller need not load it (a group's members).
func Excludes(attributes, excluded, name string) bool {
	for _, n := range names(excluded) {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	keep := names(attributes)
	if len(keep) == 0 {
		return false
	}
	for _, n := range keep {
		base, _, _ := strings.Cut(n, ".")
		if strings.EqualFold(base, name) {
			return false
		}
	}
	return true
}
