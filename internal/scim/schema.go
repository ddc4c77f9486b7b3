package scim

import "strings"

// Schema URNs.
const (
	UserSchema       = "urn:ietf:params:scim:schemas:core:2.0:User"
	GroupSchema      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	EnterpriseSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	ListSchema       = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	PatchSchema      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
)

type kind int

const (
	kString kind = iota
	kBool
	kComplex
	kMulti // multi-valued complex
)

// attr is one attribute of a schema. Attributes that are not kept are
// accepted (they are in the standard schemas, and identity providers send
// them by default) and dropped; read-only ones are ignored in bodies and
// refused as PATCH targets.
type attr struct {
	name     string
	kind     kind
	sub      []attr
	kept     bool
	readOnly bool
}

// resourceSchema is a resource type's attributes, its extensions' (by URN)
// and which attributes compare exactly in filters (the rest ignore case).
type resourceSchema struct {
	name       string
	attrs      []attr
	extensions map[string][]attr // lower-case URN → attributes
	caseExact  map[string]bool   // lower-case attribute path
}

var (
	plainMulti   = []attr{{name: "value"}, {name: "display"}, {name: "type"}, {name: "primary", kind: kBool}}
	memberFields = []attr{{name: "value", kept: true}, {name: "$ref"}, {name: "display"}, {name: "type"}}
	metaAttr     = attr{name: "meta", kind: kComplex, readOnly: true, sub: []attr{
		{name: "resourceType"}, {name: "created"}, {name: "lastModified"}, {name: "location"}, {name: "version"}}}
)

// Users is the User schema as Roster keeps it (RFC 7643 §4.1, §4.3).
var Users = &resourceSchema{
	name: "User",
	attrs: []attr{
		{name: "id", readOnly: true}, {name: "externalId", kept: true}, {name: "userName", kept: true},
		{name: "name", kind: kComplex, kept: true, sub: []attr{{name: "givenName", kept: true}, {name: "familyName", kept: true},
			{name: "formatted"}, {name: "middleName"}, {name: "honorificPrefix"}, {name: "honorificSuffix"}}},
		{name: "displayName"}, {name: "nickName"}, {name: "profileUrl"}, {name: "title"}, {name: "userType"},
		{name: "preferredLanguage"}, {name: "locale"}, {name: "timezone"},
		{name: "active", kind: kBool, kept: true},
		{name: "password"},
		{name: "emails", kind: kMulti, kept: true, sub: plainMulti},
		{name: "phoneNumbers", kind: kMulti, sub: plainMulti}, {name: "ims", kind: kMulti, sub: plainMulti},
		{name: "photos", kind: kMulti, sub: plainMulti},
		{name: "addresses", kind: kMulti, sub: []attr{{name: "formatted"}, {name: "streetAddress"}, {name: "locality"},
			{name: "region"}, {name: "postalCode"}, {name: "country"}, {name: "type"}, {name: "primary", kind: kBool}}},
		{name: "groups", kind: kMulti, readOnly: true, sub: memberFields},
		{name: "entitlements", kind: kMulti, sub: plainMulti}, {name: "roles", kind: kMulti, sub: plainMulti},
		{name: "x509Certificates", kind: kMulti, sub: plainMulti},
		metaAttr,
	},
	extensions: map[string][]attr{strings.ToLower(EnterpriseSchema): {
		{name: "employeeNumber"}, {name: "costCenter"}, {name: "organization"}, {name: "division"}, {name: "department"},
		{name: "manager", kind: kComplex, sub: []attr{{name: "value"}, {name: "$ref"}, {name: "displayName"}}},
	}},
	caseExact: map[string]bool{"id": true, "externalid": true},
}

// Groups is the Group schema (RFC 7643 §4.2).
var Groups = &resourceSchema{
	name: "Group",
	attrs: []attr{
		{name: "id", readOnly: true}, {name: "externalId", kept: true}, {name: "displayName", kept: true},
		{name: "members", kind: kMulti, kept: true, sub: memberFields},
		metaAttr,
	},
	caseExact: map[string]bool{"id": true, "externalid": true, "members.value": true},
}

// find returns the attribute named name (ignoring case) among attrs.
func find(attrs []attr, name string) (attr, bool) {
	for _, a := range attrs {
		if strings.EqualFold(a.name, name) {
			return a, true
		}
	}
	return attr{}, false
}

// resolve finds a path's attribute: an optional schema URN prefix (the core
// schema's or an extension's), a name and an optional sub-attribute. It
// returns the attributes the name was found among (to read the value from
// an extension's object, ext is its canonical URN) and the attribute.
func (s *resourceSchema) resolve(uri, name string) (a attr, ext string, ok bool) {
	attrs := s.attrs
	if uri != "" {
		switch {
		case strings.EqualFold(uri, s.coreURN()):
		default:
			ea, known := s.extensions[strings.ToLower(uri)]
			if !known {
				return attr{}, "", false
			}
			attrs, ext = ea, EnterpriseSchema
		}
	}
	a, ok = find(attrs, name)
	return a, ext, ok
}

func (s *resourceSchema) coreURN() string {
	if s == Groups {
		return GroupSchema
	}
	return UserSchema
}
