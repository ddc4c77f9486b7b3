package rbac

import (
	"regexp"
	"strings"
)

var (
	permissionRe = regexp.MustCompile(`^([a-z0-9_.-]+|\*):([a-z0-9_.-]+|\*)$`)
	roleNameRe   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)
	tenantIDRe   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)
)

// ValidPermission reports whether p is `resource:action`, each part
// `[a-z0-9_.-]+` or `*`.
func ValidPermission(p string) bool { return permissionRe.MatchString(p) }

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
