package rbac

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

// Each input rule names the field the API spells, or accepts.
func TestValidate_namesTheField(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	past, later := now.Add(-time.Hour), now.Add(time.Hour)
	cases := []struct {
		name  string
		err   error
		field string // "" = valid
	}{
		{"tenant id", TenantInput{ID: "A!"}.Validate(), "id"},
		{"tenant mode", TenantInput{ID: "acme", AssignmentMode: "many"}.Validate(), "settings.assignment_mode"},
		{"tenant ok", TenantInput{ID: "acme"}.Validate(), ""},
		{"tenant patch mode", TenantPatch{AssignmentMode: ptr("x")}.Validate(), "settings.assignment_mode"},
		{"role name", RoleInput{Name: "bad name", DisplayName: "R"}.Validate(), "name"},
		{"role display name", RoleInput{Name: "r", DisplayName: " "}.Validate(), "display_name"},
		{"role permission", RoleInput{Name: "r", DisplayName: "R", Permissions: []string{"a:b", "nope"}}.Validate(), "permissions[1]"},
		{"role too many permissions", RoleInput{Name: "r", DisplayName: "R", Permissions: make([]string, MaxPermissions+1)}.Validate(), "permissions"},
		{"role metadata size", RoleInput{Name: "r", DisplayName: "R", Metadata: map[string]any{"k": strings.Repeat("x", MaxMetadataBytes)}}.Validate(), "metadata"},
		{"role ok", RoleInput{Name: "r", DisplayName: "R", Permissions: []string{"docs:*"}}.Validate(), ""},
		{"role owner-only ok", RoleInput{Name: "r", DisplayName: "R", Permissions: []string{"todo:update:own", "todo:*:own"}}.Validate(), ""},
		{"role owner-only suffix", RoleInput{Name: "r", DisplayName: "R", Permissions: []string{"todo:update:mine"}}.Validate(), "permissions[0]"},
		{"role patch owner-only", RolePatch{Permissions: ptr([]string{"*:*:own", "a:b:own:own"})}.Validate(), "permissions[1]"},
		{"role patch display name", RolePatch{DisplayName: ptr("")}.Validate(), "display_name"},
		{"role patch permission", RolePatch{Permissions: ptr([]string{"x"})}.Validate(), "permissions[0]"},
		{"user email", UserInput{Email: "nobody"}.Validate(), "email"},
		{"user patch status", UserPatch{Status: ptr("gone")}.Validate(), "status"},
		{"group name", GroupInput{Name: " "}.Validate(), "name"},
		{"group description", GroupPatch{Description: ptr(strings.Repeat("é", MaxGroupDescription+1))}.Validate(), "description"},
		{"organization name", OrganizationPatch{Name: ptr("")}.Validate(), "name"},
		{"assignment in the past", AssignmentInput{ExpiresAt: &past}.Validate("assignments[2].", now), "assignments[2].expires_at"},
		{"assignment window", AssignmentInput{NotBefore: &later, ExpiresAt: &later}.Validate("", now), "expires_at"},
		{"assignment reason", AssignmentInput{Reason: strings.Repeat("r", MaxReason+1)}.Validate("", now), "reason"},
		{"assignment ok", AssignmentInput{NotBefore: &now, ExpiresAt: &later}.Validate("", now), ""},
		{"token scope", TokenInput{Scopes: []string{"docs:read", "*"}}.Validate(now), "scopes[1]"},
		{"token scope owner-only", TokenInput{Scopes: []string{"todo:*:own", "docs:read"}}.Validate(now), ""},
		{"token scope bad suffix", TokenInput{Scopes: []string{"todo:*:own", "docs:read:all"}}.Validate(now), "scopes[1]"},
		{"token expiry", TokenInput{ExpiresAt: &now}.Validate(now), "expires_at"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.field == "" {
				if tc.err != nil {
					t.Fatalf("want valid, got %v", tc.err)
				}
				return
			}
			var e *Error
			if !errors.As(tc.err, &e) || e.Code != EInvalid || len(e.Fields) != 1 || e.Fields[0].Field != tc.field {
				t.Fatalf("want field %q, got %v", tc.field, tc.err)
			}
		})
	}
}

// Apply is the one "did anything change" for every update: setting a
// field to its value, or metadata to an equal JSON value, is no change.
func TestPatchApply_changed(t *testing.T) {
	role := Role{ID: "role_r", Name: "r", DisplayName: "R", Permissions: []string{"a:b"}, InheritsFrom: []string{},
		Metadata: map[string]any{"n": float64(1)}}
	user := User{Email: "a@x.test", Status: StatusActive, Roles: []string{"role_a", "role_b"}}
	cases := []struct {
		name    string
		changed bool
		want    bool
	}{
		{"role same display name", second(RolePatch{DisplayName: ptr("R")}.Apply(role)), false},
		{"role same permissions repeated", second(RolePatch{Permissions: ptr([]string{"a:b", "a:b"})}.Apply(role)), false},
		{"role same metadata as int", second(RolePatch{Metadata: ptr(map[string]any{"n": 1})}.Apply(role)), false},
		{"role new permission", second(RolePatch{Permissions: ptr([]string{"a:b", "c:d"})}.Apply(role)), true},
		{"role parents reordered", second(RolePatch{InheritsFrom: ptr([]string{})}.Apply(role)), false},
		{"user same roles other order", second(UserPatch{Roles: ptr([]string{"role_b", "role_a", "role_a"})}.Apply(user)), false},
		{"user one role fewer", second(UserPatch{Roles: ptr([]string{"role_a"})}.Apply(user)), true},
		{"user status", second(UserPatch{Status: ptr(StatusDisabled)}.Apply(user)), true},
		{"group same name", second(GroupPatch{Name: ptr("g")}.Apply(Group{Name: "g"})), false},
		{"organization new external id", second(OrganizationPatch{ExternalID: ptr("x")}.Apply(Organization{Name: "o"})), true},
		{"tenant same mode", second(TenantPatch{AssignmentMode: ptr(ModeSingle)}.Apply(Tenant{AssignmentMode: ModeSingle})), false},
	}
	for _, tc := range cases {
		if tc.changed != tc.want {
			t.Errorf("%s: changed = %v, want %v", tc.name, tc.changed, tc.want)
		}
	}
}

func second[A any](_ A, b bool) bool { return b }

// A role's name never changes, and system roles change only as allowed.
func TestCheckRoleChange(t *testing.T) {
	custom := Role{ID: "role_r", Name: "r", Permissions: []string{}}
	if err := CheckRoleChange(RolePatch{Name: ptr("s")}, custom, custom); ErrorCode(err) != EInvalid {
		t.Fatalf("rename: %v", err)
	}
	member := Role{ID: MemberRoleID, Name: "member", System: true, Permissions: []string{}}
	after, _ := RolePatch{Permissions: ptr([]string{"docs:read"})}.Apply(member)
	if err := CheckRoleChange(RolePatch{}, member, after); err != nil {
		t.Fatalf("role_member's permissions may change: %v", err)
	}
	after, _ = RolePatch{DisplayName: ptr("M")}.Apply(member)
	if err := CheckRoleChange(RolePatch{}, member, after); ErrorCode(err) != EInvalid {
		t.Fatalf("role_member's display name may not change: %v", err)
	}
}
