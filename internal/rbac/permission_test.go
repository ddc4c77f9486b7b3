package rbac

import "testing"

func TestGrants(t *testing.T) {
	cases := []struct {
		pattern, permission string
		want                bool
	}{
		{"docs:read", "docs:read", true},
		{"docs:read", "docs:write", false},
		{"docs:*", "docs:write", true},
		{"*:read", "docs:read", true},
		{"*:read", "docs:write", false},
		{"*:*", "anything:at-all", true},
		{"docs:read", "docs:*", false}, // asking for docs:* needs a docs:* or *:* grant
		{"docs:*", "docs:*", true},
		{"*:*", "docs:*", true},
		{"docs", "docs:read", false},
		{"docs:read", "docs", false},
	}
	for _, c := range cases {
		if got := Grants(c.pattern, c.permission); got != c.want {
			t.Errorf("Grants(%q, %q) = %v, want %v", c.pattern, c.permission, got, c.want)
		}
	}
}

func TestValidPermission(t *testing.T) {
	for p, want := range map[string]bool{
		"docs:read": true, "*:*": true, "a.b-c_d:x": true,
		"Docs:read": false, "docs": false, "docs:": false, ":read": false, "docs:read:x": false, "do cs:read": false, "**:read": false,
	} {
		if got := ValidPermission(p); got != want {
			t.Errorf("ValidPermission(%q) = %v, want %v", p, got, want)
		}
	}
}
