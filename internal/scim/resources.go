package scim

import (
	"strings"
	"time"

	"github.com/rosterhq/roster/internal/rbac"
)

// UserAttrs are the SCIM User attributes Roster keeps, read from a body.
type UserAttrs struct {
	UserName   string
	Email      string
	GivenName  string
	FamilyName string
	ExternalID string
	Active     *bool // nil: the body did not say
}

// ParseUser reads a POST or PUT body. userName is required, and an email:
// the primary one, else the first, else userName when it is an address.
func ParseUser(body map[string]any) (UserAttrs, error) {
	c, err := Users.canonical(body)
	if err != nil {
		return UserAttrs{}, err
	}
	return userFrom(c)
}

// userFrom reads a canonical User.
func userFrom(c map[string]any) (UserAttrs, error) {
	var u UserAttrs
	u.UserName, _ = c["userName"].(string)
	if strings.TrimSpace(u.UserName) == "" {
		return UserAttrs{}, Bad(TypeInvalidValue, "userName: is required")
	}
	if len([]rune(u.UserName)) > rbac.MaxUsername {
		return UserAttrs{}, Bad(TypeInvalidValue, "userName: at most %d characters", rbac.MaxUsername)
	}
	u.ExternalID, _ = c["externalId"].(string)
	if name, ok := c["name"].(map[string]any); ok {
		u.GivenName, _ = name["givenName"].(string)
		u.FamilyName, _ = name["familyName"].(string)
	}
	if b, ok := c["active"].(bool); ok {
		u.Active = &b
	}
	email, err := primaryEmail(c["emails"])
	if err != nil {
		return UserAttrs{}, err
	}
	if email == "" && strings.Contains(u.UserName, "@") {
		email = u.UserName
	}
	if email == "" {
		return UserAttrs{}, Bad(TypeInvalidValue, "emails: an email address is required (userName is not one)")
	}
	if !strings.Contains(email, "@") || strings.TrimSpace(email) != email {
		return UserAttrs{}, Bad(TypeInvalidValue, "emails: %q is not an email address", email)
	}
	u.Email = email
	return u, nil
}

// primaryEmail is the primary email's value, else the first's, else "".
func primaryEmail(v any) (string, error) {
	list, _ := v.([]any)
	first := ""
	for i, e := range list {
		obj, _ := e.(map[string]any)
		val, _ := obj["value"].(string)
		if val == "" {
			return "", Bad(TypeInvalidValue, "emails[%d].value: is required", i)
		}
		if p, _ := obj["primary"].(bool); p {
			return val, nil
		}
		if first == "" {
			first = val
		}
	}
	return first, nil
}

// Input is the Roster user the attributes describe (a new one is active
// unless active is false).
func (u UserAttrs) Input() rbac.UserInput {
	return rbac.UserInput{Email: u.Email, FirstName: u.GivenName, LastName: u.FamilyName,
		ExternalUserID: u.ExternalID, Username: u.UserName}
}

// Patch is the update that makes before hold these attributes: every kept
// attribute is set (so one left out is cleared), but a body that says
// nothing of active leaves the status.
func (u UserAttrs) Patch(before rbac.User) rbac.UserPatch {
	p := rbac.UserPatch{Email: &u.Email, FirstName: &u.GivenName, LastName: &u.FamilyName,
		ExternalUserID: &u.ExternalID, Username: &u.UserName}
	if u.Active != nil {
		st := rbac.StatusDisabled
		if *u.Active {
			st = rbac.StatusActive
		}
		p.Status = &st
	}
	if before.Username == "" && strings.EqualFold(u.UserName, before.Email) && strings.EqualFold(u.Email, before.Email) {
		// A user made without a username reads its email as userName:
		// sending that back is not a new username. (When the email
		// changes, the userName the IdP knows is kept as the username.)
		p.Username = nil
	}
	return p
}

// UserName is a user's SCIM userName: its username, or its email for a
// user made without one (through the native API), so that an identity
// provider matching by userName finds users that were there before it.
func UserName(u rbac.User) string {
	if u.Username != "" {
		return u.Username
	}
	return u.Email
}

// UserResource is a Roster user as a SCIM User; groups are the groups it is
// a member of, base the SCIM base URL (…/scim/v2).
func UserResource(u rbac.User, groups []rbac.Group, base string) map[string]any {
	m := map[string]any{
		"schemas":  []any{UserSchema},
		"id":       u.ID,
		"userName": UserName(u),
		"active":   u.Status != rbac.StatusDisabled,
		"emails":   []any{map[string]any{"value": u.Email, "type": "work", "primary": true}},
		"meta":     meta("User", base+"/Users/"+u.ID, u.CreatedAt, u.UpdatedAt, u.Version),
	}
	if u.ExternalUserID != "" {
		m["externalId"] = u.ExternalUserID
	}
	name := map[string]any{}
	if u.FirstName != "" {
		name["givenName"] = u.FirstName
	}
	if u.LastName != "" {
		name["familyName"] = u.LastName
	}
	if len(name) > 0 {
		m["name"] = name
	}
	refs := make([]any, len(groups))
	for i, g := range groups {
		refs[i] = map[string]any{"value": g.ID, "display": g.Name, "$ref": base + "/Groups/" + g.ID}
	}
	m["groups"] = refs
	return m
}

// GroupResource is a Roster group as a SCIM Group; members nil leaves the
// attribute out (excludedAttributes=members).
func GroupResource(g rbac.Group, members []rbac.User, base string) map[string]any {
	m := map[string]any{
		"schemas":     []any{GroupSchema},
		"id":          g.ID,
		"displayName": g.Name,
		"meta":        meta("Group", base+"/Groups/"+g.ID, g.CreatedAt, g.UpdatedAt, g.Version),
	}
	if g.ExternalID != "" {
		m["externalId"] = g.ExternalID
	}
	if members != nil {
		refs := make([]any, len(members))
		for i, u := range members {
			refs[i] = map[string]any{"value": u.ID, "display": UserName(u), "$ref": base + "/Users/" + u.ID, "type": "User"}
		}
		m["members"] = refs
	}
	return m
}

func meta(kind, location string, created, modified time.Time, version int64) map[string]any {
	return map[string]any{"resourceType": kind, "location": location, "version": rbac.ETag(version),
		"created": created.UTC().Format(time.RFC3339), "lastModified": modified.UTC().Format(time.RFC3339)}
}

// GroupAttrs are the SCIM Group attributes Roster keeps, read from a body.
type GroupAttrs struct {
	DisplayName string
	ExternalID  string
	// Members are user ids; nil when the body has no members attribute.
	Members []string
}

// ParseGroup reads a POST or PUT body.
func ParseGroup(body map[string]any) (GroupAttrs, error) {
	c, err := Groups.canonical(body)
	if err != nil {
		return GroupAttrs{}, err
	}
	var g GroupAttrs
	g.DisplayName, _ = c["displayName"].(string)
	if strings.TrimSpace(g.DisplayName) == "" {
		return GroupAttrs{}, Bad(TypeInvalidValue, "displayName: is required")
	}
	if len([]rune(g.DisplayName)) > rbac.MaxGroupName {
		return GroupAttrs{}, Bad(TypeInvalidValue, "displayName: at most %d characters", rbac.MaxGroupName)
	}
	g.ExternalID, _ = c["externalId"].(string)
	if _, ok := c["members"]; ok {
		ids, err := memberIDs(c["members"], "members")
		if err != nil {
			return GroupAttrs{}, err
		}
		g.Members = ids
	}
	return g, nil
}

// memberIDs reads the user ids of a canonical member list, each once.
func memberIDs(v any, field string) ([]string, error) {
	list, _ := v.([]any)
	ids := make([]string, 0, len(list))
	seen := map[string]bool{}
	for i, e := range list {
		obj, _ := e.(map[string]any)
		id, _ := obj["value"].(string)
		if id == "" {
			return nil, Bad(TypeInvalidValue, "%s[%d].value: is required", field, i)
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, nil
}
