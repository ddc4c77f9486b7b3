package rbac

import (
	"regexp"
	"strings"
	"testing"
)

// The fuzz targets check the permission matcher and the name validators
// against plain reimplementations of the contract's words, without regular
// expressions. Seeds are in testdata/fuzz/<target>/ and run with every
// `go test`; `make fuzz` explores further.

// refPart reports whether s is one part of a permission: `*`, or one or
// more of a-z 0-9 _ . - (openapi.yaml, tag "Roles").
func refPart(s string) bool {
	if s == "*" {
		return true
	}
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// specPermission is the Permission pattern of openapi.yaml, verbatim: what
// a check asks for.
var specPermission = regexp.MustCompile(`^([a-z0-9_.-]+|\*):([a-z0-9_.-]+|\*)$`)

// specPattern is what a role's permissions and a token's scopes may hold: a
// permission, optionally owner-only.
var specPattern = regexp.MustCompile(`^(\*|[a-z0-9_.-]+):(\*|[a-z0-9_.-]+)(:own)?$`)

func refValidPermission(p string) bool {
	parts := strings.Split(p, ":")
	return len(parts) == 2 && refPart(parts[0]) && refPart(parts[1])
}

// refValidPattern: "patterns `resource:action`, each part `[a-z0-9_.-]+` or
// `*`, optionally followed by `:own`".
func refValidPattern(p string) bool {
	parts := strings.Split(p, ":")
	switch len(parts) {
	case 2:
		return refPart(parts[0]) && refPart(parts[1])
	case 3:
		return refPart(parts[0]) && refPart(parts[1]) && parts[2] == "own"
	}
	return false
}

// refGrants: "a pattern P grants a permission Q when each part of P is `*`
// or equals Q's part" (openapi.yaml, tag "Evaluation"); "holding
// `todo:update` covers `todo:update:own`; the reverse never holds".
func refGrants(p, q string) bool {
	pp, qq := strings.Split(p, ":"), strings.Split(q, ":")
	owned := func(parts []string) (bool, bool) {
		switch {
		case len(parts) == 2:
			return false, true
		case len(parts) == 3 && parts[2] == "own":
			return true, true
		}
		return false, false
	}
	pOwn, ok1 := owned(pp)
	qOwn, ok2 := owned(qq)
	if !ok1 || !ok2 || pOwn && !qOwn {
		return false
	}
	for i := range 2 {
		if pp[i] != "*" && pp[i] != qq[i] {
			return false
		}
	}
	return true
}

func FuzzGrants(f *testing.F) {
	for _, s := range [][3]string{
		{"docs:read", "docs:read", "docs:read"},
		{"*:*", "docs:*", "docs:read"},
		{"*:read", "docs:read", "x:y"},
		{"docs:*", "*:read", "docs:read"},
		{"a:b:c", "a:b:c", "a:b"},
		{":", ":", ""},
		{"todo:update", "todo:update:own", "todo:update:own"},
		{"todo:*:own", "todo:update", "todo:update:own"},
		{"*:*:own", "*:*", "docs:read:own"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, p, q, r string) {
		got := Grants(p, q) // must not panic, whatever the input
		if ValidPattern(p) && ValidPattern(q) {
			if want := refGrants(p, q); got != want {
				t.Fatalf("Grants(%q, %q) = %v, the contract says %v", p, q, got, want)
			}
			if Grants("*:*", q) != true {
				t.Fatalf("*:* does not grant %q", q)
			}
			// Granting is transitive: a pattern that grants a pattern
			// grants everything that one grants.
			if ValidPattern(r) && got && Grants(q, r) && !Grants(p, r) {
				t.Fatalf("%q grants %q which grants %q, but %q does not grant %q", p, q, r, p, r)
			}
			// A scope list grants what one of its patterns grants.
			if AnyGrants([]string{r, p}, q) != (got || Grants(r, q)) {
				t.Fatalf("AnyGrants disagrees with Grants for %q, %q, %q", r, p, q)
			}
			// Holding a permission covers it owner-only; an owner-only
			// pattern never grants a plain permission.
			if ValidPermission(q) && got && !Grants(p, q+OwnSuffix) {
				t.Fatalf("%q grants %q but not %q", p, q, q+OwnSuffix)
			}
			if !ValidPermission(p) && ValidPermission(q) && got {
				t.Fatalf("owner-only %q grants plain %q", p, q)
			}
		}
	})
}

func FuzzValidPermission(f *testing.F) {
	for _, s := range []string{"docs:read", "*:*", "users:*", "*:read", "a.b-c_d:x", "Docs:read", "docs",
		"docs:", ":read", "docs:read:x", "do cs:read", "**:read", "docs:read\n", "dócs:read", "",
		"todo:update:own", "*:*:own", "docs:own", "docs:own:own", "docs:read:own:own", "docs:read:OWN", "docs:read:own\n", ":own"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		valid := ValidPermission(p)
		if want := refValidPermission(p); valid != want {
			t.Fatalf("ValidPermission(%q) = %v, the contract says %v", p, valid, want)
		}
		if want := specPermission.MatchString(p); valid != want {
			t.Fatalf("ValidPermission(%q) = %v, openapi.yaml's pattern says %v", p, valid, want)
		}
		pattern := ValidPattern(p)
		if want := refValidPattern(p); pattern != want {
			t.Fatalf("ValidPattern(%q) = %v, the contract says %v", p, pattern, want)
		}
		if want := specPattern.MatchString(p); pattern != want {
			t.Fatalf("ValidPattern(%q) = %v, the pattern says %v", p, pattern, want)
		}
		// A pattern is a permission or a permission owner-only.
		if base, owned := strings.CutSuffix(p, OwnSuffix); pattern != (valid || owned && ValidPermission(base)) {
			t.Fatalf("ValidPattern(%q) = %v, ValidPermission(%q) = %v", p, pattern, base, ValidPermission(base))
		}
		if pattern && !Grants(p, p) {
			t.Fatalf("valid %q does not grant itself", p)
		}
		if pattern && p != "*:*" && Grants(p, "*:*") {
			t.Fatalf("%q grants *:*", p)
		}
		if pattern && p != "*:*" && p != "*:*:own" && Grants(p, "*:*:own") {
			t.Fatalf("%q grants *:*:own", p)
		}
	})
}

// refRoleName: `^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$` in words.
func refRoleName(n string) bool {
	if len(n) < 1 || len(n) > 64 {
		return false
	}
	for i, c := range []byte(n) {
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '_' && c != '-') {
			return false
		}
	}
	return true
}

func FuzzValidRoleName(f *testing.F) {
	for _, s := range []string{"editor", "Editor-2", "a", "_x", "-x", "x y", strings.Repeat("a", 64),
		strings.Repeat("a", 65), "", "rôle", "admin\n", "a/b", "a.b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, n string) {
		valid := ValidRoleName(n)
		if want := refRoleName(n); valid != want {
			t.Fatalf("ValidRoleName(%q) = %v, the contract says %v", n, valid, want)
		}
		// A valid name makes an id that is safe in a URL path as it is.
		if valid && strings.ContainsAny(RoleIDFor(n), "/?#%: ") {
			t.Fatalf("role id %q needs escaping", RoleIDFor(n))
		}
	})
}

// refTenantID: `^[a-z0-9][a-z0-9-]{1,62}$` in words.
func refTenantID(id string) bool {
	if len(id) < 2 || len(id) > 63 {
		return false
	}
	for i, c := range []byte(id) {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || i > 0 && c == '-'
		if !ok {
			return false
		}
	}
	return true
}

func FuzzValidTenantID(f *testing.F) {
	for _, s := range []string{"acme", "a1", "a", "-acme", "acme-", "Acme", "ac_me", strings.Repeat("a", 63),
		strings.Repeat("a", 64), "", "default", "a.b", "a/b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if got, want := ValidTenantID(id), refTenantID(id); got != want {
			t.Fatalf("ValidTenantID(%q) = %v, the contract says %v", id, got, want)
		}
	})
}
