package rbac

import (
	"regexp"
	"strings"
)

var (
	roleNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)
	tenantIDRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)
)

// ValidPermission reports whether p is `resource:action`, each part
// `[a-z0-9_.-]+` or `*`. Written out rather than as a regexp: every check
// request validates one, and this is several times faster
// (FuzzValidPermission holds it to the pattern).
func ValidPermission(p string) bool {
	resource, action, ok := strings.Cut(p, ":")
	return ok && validPart(resource) && validPart(action)
}

func validPart(s string) bool {
	if s == "*" {
		return true
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// ValidRoleName reports whether n is a valid role name.
func ValidRoleName(n string) bool { return roleNameRe.MatchString(n) }

// ValidTenantID reports whether id is a valid tenant slug.
func ValidTenantID(id string) bool { return tenantIDRe.MatchString(id) }

// RoleIDFor is the id of the role named name.
func RoleIDFor(name string) string { return "role_" + name }

// Grants reports whether pattern p grants permission q: each part of p is
// `*` or equal to q's part. So `reports:*` is granted only by `reports:*` or `*:*`.
func Grants(p, q string) bool {
	pr, pa, ok1 := strings.Cut(p, ":")
	qr, qa, ok2 := strings.Cut(q, ":")
	if !ok1 || !ok2 {
		return false
	}
	return (pr == "*" || pr == qr) && (pa == "*" || pa == qa)
}

// AnyGrants reports whether any pattern in ps grants q.
func AnyGrants(ps []string, q string) bool {
	for _, p := range ps {
		if Grants(p, q) {
			return true
		}
	}
	return false
}
