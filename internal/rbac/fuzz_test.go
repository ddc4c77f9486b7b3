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

// specPermission is the Permission pattern of openapi.yaml, verbatim.
var specPermission = regexp.MustCompile(`^([a-z0-9_.-]+|\*):([a-z0-9_.-]+|\*)$`)

func refValidPermission(p string) bool {
	parts := strings.Split(p, ":")
	return len(parts) == 2 && refPart(parts[0]) && refPart(parts[1])
}

// refGrants: "a pattern P grants a permission Q when each part of P is `*`
// or equals Q's part" (openapi.yaml, tag "Evaluation").
func refGrants(p, q string) bool {
	pp, qq := strings.Split(p, ":"), strings.Split(q, ":")
	if len(pp) != 2 || len(qq) != 2 {
		return false
	}
	for i := range pp {
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
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, p, q, r string) {
		got := Grants(p, q) // must not panic, whatever the input
		if ValidPermission(p) && ValidPermission(q) {
			if want := refGrants(p, q); got != want {
				t.Fatalf("Grants(%q, %q) = %v, the contract says %v", p, q, got, want)
			}
			if Grants("*:*", q) != true {
				t.Fatalf("*:* does not grant %q", q)
			}
			// Granting is transitive: a pattern that grants a pattern
			// grants everything that one grants.
			if ValidPermission(r) && got && Grants(q, r) && !Grants(p, r) {
				t.Fatalf("%q grants %q which grants %q, but %q does not grant %q", p, q, r, p, r)
			}
			// A scope list grants what one of its patterns grants.
			if AnyGrants([]string{r, p}, q) != (got || Grants(r, q)) {
				t.Fatalf("AnyGrants disagrees with Grants for %q, %q, %q", r, p, q)
			}
		}
	})
}

func FuzzValidPermission(f *testing.F) {
	for _, s := range []string{"docs:read", "*:*", "users:*", "*:read", "a.b-c_d:x", "Docs:read", "docs",
		"docs:", ":read", "docs:read:x", "do cs:read", "**:read", "docs:read\n", "dócs:read", ""} {
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
		if valid && !Grants(p, p) {
			t.Fatalf("valid %q does not grant itself", p)
		}
		if valid && p != "*:*" && Grants(p, "*:*") {
			t.Fatalf("%q grants *:*", p)
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
