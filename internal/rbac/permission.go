package rbac

import (
	"regexp"
	"strings"
)

var (
	roleNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)
	tenantIDRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)
)

// OwnSuffix marks an owner-only pattern (`todo:update:own`): it grants its
// permission only on a resource the checked user owns.
const OwnSuffix = ":own"

// ValidPermission reports whether p is `resource:action`, each part
// `[a-z0-9_.-]+` or `*`: a permission as a check asks for it (no `:own`).
// Written out rather than as a regexp: every check request validates one,
// and this is several times faster (FuzzValidPermission holds it to the
// pattern).
func ValidPermission(p string) bool {
	resource, action, ok := strings.Cut(p, ":")
	return ok && validPart(resource) && validPart(action)
}

// ValidPattern reports whether p is a permission pattern as roles and token
// scopes hold it: a permission (ValidPermission), optionally followed by
// `:own` (an owner-only grant). Written out like ValidPermission
// (FuzzValidPermission holds it to
// `^(\*|[a-z0-9_.-]+):(\*|[a-z0-9_.-]+)(:own)?$`).
func ValidPattern(p string) bool {
	resource, action, _, ok := SplitPattern(p)
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

// SplitPattern parses the shape of a pattern, `resource:action` or
// `resource:action:own` (own), without judging the parts' characters; ok is
// false for any other number of parts, or a third part other than `own`.
// So `docs:own` is the plain permission whose action is `own`.
func SplitPattern(p string) (resource, action string, own, ok bool) {
	resource, rest, ok := strings.Cut(p, ":")
	if !ok {
		return "", "", false, false
	}
	action, suffix, owned := strings.Cut(rest, ":")
	if owned && suffix != "own" {
		return "", "", false, false
	}
	return resource, action, owned, true
}

// ValidRoleName reports whether n is a valid role name.
func ValidRoleName(n string) bool { return roleNameRe.MatchString(n) }

// ValidTenantID reports whether id is a valid tenant slug.
func ValidTenantID(id string) bool { return tenantIDRe.MatchString(id) }

// RoleIDFor is the id of the role named name.
func RoleIDFor(name string) string { return "role_" + name }

// Grants reports whether pattern p grants q (a permission or a pattern):
// each part of p is `*` or equal to q's part, and p is plain or q is
// owner-only too. So `reports:*` is granted only by `reports:*` or `*:*`;
// `todo:update` grants `todo:update:own`, never the reverse.
func Grants(p, q string) bool {
	pr, pa, po, ok1 := SplitPattern(p)
	qr, qa, qo, ok2 := SplitPattern(q)
	if !ok1 || !ok2 {
		return false
	}
	return (pr == "*" || pr == qr) && (pa == "*" || pa == qa) && (!po || qo)
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
