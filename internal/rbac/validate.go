package rbac

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// Input validation: every rule about a write's input that needs no stored
// data lives here, once. The store calls these first thing in each write,
// with its one clock (now), before it reads anything; the HTTP handlers
// only convert. An error is EInvalid naming the field as the API spells it;
// prefix places a nested input in its body ("assignments[2].").

// Limits on input sizes (openapi.yaml states them too).
const (
	MaxPermissions      = 500
	MaxMetadataBytes    = 16 << 10
	MaxReason           = 500
	MaxGroupName        = 200
	MaxGroupDescription = 2000
)

const msgPermission = "must be resource:action, each part [a-z0-9_.-]+ or *, optionally followed by :own"

// Validate checks a new tenant.
func (in TenantInput) Validate() error {
	if !ValidTenantID(in.ID) {
		return Invalid("id", "must match ^[a-z0-9][a-z0-9-]{1,62}$")
	}
	if in.AssignmentMode != "" {
		if err := validMode(in.AssignmentMode); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks a tenant update.
func (p TenantPatch) Validate() error {
	if p.AssignmentMode != nil {
		return validMode(*p.AssignmentMode)
	}
	return nil
}

func validMode(m string) error {
	if m != ModeMultiple && m != ModeSingle {
		return Invalid("settings.assignment_mode", "must be multiple or single")
	}
	return nil
}

// Validate checks a new role.
func (in RoleInput) Validate() error {
	if !ValidRoleName(in.Name) {
		return Invalid("name", "must match ^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
	}
	if strings.TrimSpace(in.DisplayName) == "" {
		return Invalid("display_name", "must not be empty")
	}
	if err := ValidatePermissions("permissions", in.Permissions); err != nil {
		return err
	}
	_, err := EncodeMetadata(in.Metadata)
	return err
}

// Validate checks a role update's fields on their own (the name, which
// cannot change, is checked against the role in Apply's caller: see
// CheckRoleChange).
func (p RolePatch) Validate() error {
	if p.DisplayName != nil && strings.TrimSpace(*p.DisplayName) == "" {
		return Invalid("display_name", "must not be empty")
	}
	if p.Permissions != nil {
		if err := ValidatePermissions("permissions", *p.Permissions); err != nil {
			return err
		}
	}
	if p.Metadata != nil {
		if _, err := EncodeMetadata(*p.Metadata); err != nil {
			return err
		}
	}
	return nil
}

// ValidatePermissions checks a list of permission patterns named field
// (ValidPattern: `:own` patterns included).
func ValidatePermissions(field string, perms []string) error {
	if len(perms) > MaxPermissions {
		return Invalid(field, fmt.Sprintf("at most %d permissions", MaxPermissions))
	}
	for i, p := range perms {
		if !ValidPattern(p) {
			return Invalid(fmt.Sprintf("%s[%d]", field, i), msgPermission)
		}
	}
	return nil
}

// EncodeMetadata checks a role's metadata and returns it as stored (nil
// for none).
func EncodeMetadata(m map[string]any) (*string, error) {
	if m == nil {
		return nil, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, Invalid("metadata", "must be a JSON object")
	}
	if len(b) > MaxMetadataBytes {
		return nil, Invalid("metadata", "must be at most 16 KiB as JSON")
	}
	s := string(b)
	return &s, nil
}

// Validate checks a new user.
func (in UserInput) Validate() error {
	if err := validEmail("email", in.Email); err != nil {
		return err
	}
	if in.Status != "" && in.Status != StatusActive && in.Status != StatusDisabled {
		return Invalid("status", "must be active or disabled")
	}
	return validUsername(in.Username)
}

// Validate checks a user update.
func (p UserPatch) Validate() error {
	if p.Email != nil {
		if err := validEmail("email", *p.Email); err != nil {
			return err
		}
	}
	if p.Username != nil {
		if err := validUsername(*p.Username); err != nil {
			return err
		}
	}
	if p.Status != nil && *p.Status != StatusActive && *p.Status != StatusDisabled {
		return Invalid("status", "must be active or disabled")
	}
	return nil
}

// MaxUsername bounds a username (SCIM userName), in characters.
const MaxUsername = 256

// validUsername: "" is no username; one that is set has a visible
// character, no control characters, and at most MaxUsername characters.
func validUsername(u string) error {
	if u == "" {
		return nil
	}
	if strings.TrimSpace(u) == "" {
		return Invalid("username", "must not be blank")
	}
	if len([]rune(u)) > MaxUsername {
		return Invalid("username", "at most 256 characters")
	}
	if strings.ContainsFunc(u, unicode.IsControl) {
		return Invalid("username", "must not contain control characters")
	}
	return nil
}

func validEmail(field, email string) error {
	if strings.TrimSpace(email) == "" || !strings.Contains(email, "@") {
		return Invalid(field, "must be an email address")
	}
	return nil
}

// Validate checks a new group.
func (in GroupInput) Validate() error { return validGroup(&in.Name, &in.Description) }

// Validate checks a group update.
func (p GroupPatch) Validate() error { return validGroup(p.Name, p.Description) }

func validGroup(name, description *string) error {
	if name != nil && strings.TrimSpace(*name) == "" {
		return Invalid("name", "must not be empty")
	}
	if name != nil && len([]rune(*name)) > MaxGroupName {
		return Invalid("name", "at most 200 characters")
	}
	if description != nil && len([]rune(*description)) > MaxGroupDescription {
		return Invalid("description", "at most 2000 characters")
	}
	return nil
}

// Validate checks a new organization.
func (in OrganizationInput) Validate() error { return validOrgName(&in.Name) }

// Validate checks an organization update.
func (p OrganizationPatch) Validate() error { return validOrgName(p.Name) }

func validOrgName(name *string) error {
	if name != nil && strings.TrimSpace(*name) == "" {
		return Invalid("name", "must not be empty")
	}
	return nil
}

// Validate checks an assignment's window and reason at now.
func (a AssignmentInput) Validate(prefix string, now time.Time) error {
	if a.ExpiresAt != nil && !a.ExpiresAt.After(now) {
		return Invalid(prefix+"expires_at", "must be in the future")
	}
	if a.ExpiresAt != nil && a.NotBefore != nil && !a.ExpiresAt.After(*a.NotBefore) {
		return Invalid(prefix+"expires_at", "must be later than not_before")
	}
	if len([]rune(a.Reason)) > MaxReason {
		return Invalid(prefix+"reason", "at most 500 characters")
	}
	return nil
}

// Validate checks a new token at now.
func (in TokenInput) Validate(now time.Time) error {
	for i, sc := range in.Scopes {
		if !ValidPattern(sc) {
			return Invalid(fmt.Sprintf("scopes[%d]", i), msgPermission)
		}
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(now) {
		return Invalid("expires_at", "must be in the future")
	}
	return nil
}
