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

// An owner-only pattern grants only owner-only permissions; a plain one
// grants both.
func TestGrants_own(t *testing.T) {
	cases := []struct {
		pattern, permission string
		want                bool
	}{
		// A plain pattern covers the owner-only permission.
		{"todo:update", "todo:update:own", true},
		{"todo:*", "todo:update:own", true},
		{"*:update", "todo:update:own", true},
		{"*:*", "todo:update:own", true},
		{"*:*", "*:*:own", true},
		{"todo:*", "todo:*:own", true},
		{"todo:read", "todo:update:own", false},
		{"todo:update", "list:update:own", false},
		// The reverse never holds.
		{"todo:update:own", "todo:update", false},
		{"todo:*:own", "todo:update", false},
		{"*:*:own", "todo:update", false},
		{"*:*:own", "*:*", false},
		// Owner-only grants owner-only, part by part.
		{"todo:update:own", "todo:update:own", true},
		{"todo:*:own", "todo:update:own", true},
		{"*:update:own", "todo:update:own", true},
		{"*:*:own", "todo:update:own", true},
		{"*:*:own", "todo:*:own", true},
		{"todo:update:own", "todo:*:own", false},
		{"todo:update:own", "todo:delete:own", false},
		{"todo:*:own", "list:update:own", false},
		// `own` is an action like any other without a third part.
		{"docs:own", "docs:own", true},
		{"docs:own", "docs:read:own", false},
		{"docs:*", "docs:own", true},
		{"docs:own:own", "docs:own", false},
		{"docs:own", "docs:own:own", true},
		// A third part other than own is no pattern.
		{"todo:update:mine", "todo:update:mine", false},
		{"*:*", "todo:update:mine", false},
		{"todo:update:own:own", "todo:update:own:own", false},
		{"todo:update:own", "todo:update:own:own", false},
	}
	for _, c := range cases {
		if got := Grants(c.pattern, c.permission); got != c.want {
			t.Errorf("Grants(%q, %q) = %v, want %v", c.pattern, c.permission, got, c.want)
		}
	}
	if !AnyGrants([]string{"todo:read", "todo:*:own"}, "todo:update:own") {
		t.Error("AnyGrants: todo:*:own grants todo:update:own")
	}
	if AnyGrants([]string{"todo:read", "todo:*:own"}, "todo:update") {
		t.Error("AnyGrants: no pattern grants todo:update")
	}
}

func TestValidPermission(t *testing.T) {
	for p, want := range map[string]bool{
		"docs:read": true, "*:*": true, "a.b-c_d:x": true, "docs:own": true,
		"Docs:read": false, "docs": false, "docs:": false, ":read": false, "docs:read:x": false, "do cs:read": false, "**:read": false,
		"docs:read:own": false, // a check asks for a plain permission
	} {
		if got := ValidPermission(p); got != want {
			t.Errorf("ValidPermission(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestValidPattern(t *testing.T) {
	for p, want := range map[string]bool{
		"docs:read": true, "*:*": true, "a.b-c_d:x": true, "docs:own": true,
		"docs:read:own": true, "todo:*:own": true, "*:*:own": true, "docs:own:own": true,
		"Docs:read": false, "docs": false, "docs:": false, ":read": false, "docs:read:x": false, "do cs:read": false, "**:read": false,
		"docs:read:": false, "docs:read:OWN": false, "docs:read:own:own": false, ":own": false, "docs::own": false,
		"docs:read:own\n": false, "own": false, "::own": false, "docs:read::own": false,
	} {
		if got := ValidPattern(p); got != want {
			t.Errorf("ValidPattern(%q) = %v, want %v", p, got, want)
		}
	}
}

// The grant policy judges owner-only permissions by the same rule: holding
// todo:update covers granting todo:update:own, never the reverse, and a
// token scoped owner-only holds only owner-only permissions.
func TestCaller_HoldsOwn(t *testing.T) {
	plain := &Caller{Holdings: []Holding{{Pattern: "todo:update"}}}
	owned := &Caller{Holdings: []Holding{{Pattern: "todo:update:own"}}}
	scoped := &Caller{Holdings: []Holding{{Pattern: "*:*"}}, Scopes: []string{"todo:*:own"}}
	for _, c := range []struct {
		name   string
		caller *Caller
		q      string
		want   bool
	}{
		{"plain covers own", plain, "todo:update:own", true},
		{"plain covers plain", plain, "todo:update", true},
		{"own does not cover plain", owned, "todo:update", false},
		{"own covers own", owned, "todo:update:own", true},
		{"own scope narrows to own", scoped, "todo:update", false},
		{"own scope allows own", scoped, "todo:delete:own", true},
		{"own scope is per resource", scoped, "list:delete:own", false},
	} {
		if got, _ := c.caller.Holds(c.q); got != c.want {
			t.Errorf("%s: Holds(%q) = %v, want %v", c.name, c.q, got, c.want)
		}
	}
	if err := owned.CanDefine([]string{"todo:update:own", "todo:update"}, "role_x"); ErrorCode(err) != EForbidden {
		t.Errorf("an owner-only holder defined a role holding the plain permission: %v", err)
	}
	if err := plain.CanDefine([]string{"todo:update:own", "todo:update"}, "role_x"); err != nil {
		t.Errorf("a plain holder may define the owner-only permission: %v", err)
	}
}
