package scim

// Definitions describes the User, enterprise User and Group schemas as
// Roster keeps them (RFC 7643 §7): an attribute that is accepted but not
// kept says so in its description. Each is {id, name, description,
// attributes}.
func Definitions() []map[string]any {
	return []map[string]any{
		definition(UserSchema, "User", "A Roster user.", Users.attrs),
		definition(EnterpriseSchema, "EnterpriseUser", "Accepted, not kept.", Users.extensions[lowerEnterprise]),
		definition(GroupSchema, "Group", "A Roster group; which roles it carries is set in Roster.", Groups.attrs),
	}
}

const lowerEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user"

func definition(id, name, description string, attrs []attr) map[string]any {
	return map[string]any{"id": id, "name": name, "description": description, "attributes": attributeDefs(attrs, id == GroupSchema)}
}

func attributeDefs(attrs []attr, group bool) []map[string]any {
	out := make([]map[string]any, 0, len(attrs))
	for _, a := range attrs {
		d := map[string]any{
			"name": a.name, "type": typeName(a.kind), "multiValued": a.kind == kMulti,
			"required":   a.name == "userName" || (group && a.name == "displayName") || a.name == "id",
			"caseExact":  a.name == "id" || a.name == "externalId" || (group && a.name == "members"),
			"mutability": "readWrite", "returned": "default", "uniqueness": "none",
		}
		switch {
		case a.readOnly:
			d["mutability"] = "readOnly"
		case a.name == "password":
			d["mutability"], d["returned"] = "writeOnly", "never"
			d["description"] = "Accepted and ignored: never stored or returned."
		case !a.kept:
			d["description"] = "Accepted, not kept by Roster."
		}
		if a.name == "id" {
			d["returned"], d["uniqueness"] = "always", "server"
		}
		if a.name == "userName" || (group && a.name == "displayName") {
			d["uniqueness"] = "server"
		}
		if len(a.sub) > 0 {
			d["subAttributes"] = attributeDefs(a.sub, false)
		}
		out = append(out, d)
	}
	return out
}

func typeName(k kind) string {
	switch k {
	case kBool:
		return "boolean"
	case kComplex, kMulti:
		return "complex"
	}
	return "string"
}
