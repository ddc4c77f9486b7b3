package scim

import (
	"strings"

	filter "github.com/scim2/filter-parser/v2"

	"github.com/rosterhq/roster/internal/rbac"
)

// MemberChange is one membership write a group PATCH asks for: Kind is
// "add", "remove" or "replace" (the whole set), IDs user ids.
type MemberChange struct {
	Kind string
	IDs  []string
}

// GroupPlan is what a group PATCH asks for: the kept attributes it sets
// (nil: untouched) and its membership changes, in order. Members are never
// read into memory to be patched: a group may have many thousands.
type GroupPlan struct {
	DisplayName *string
	ExternalID  *string
	Members     []MemberChange
}

// TouchesMembers reports whether the plan changes memberships (which
// needs assignments:write).
func (p GroupPlan) TouchesMembers() bool { return len(p.Members) > 0 }

// PlanGroupPatch reads a group PATCH: both Okta's forms (a path-less
// replace of {id, displayName}, `members[value eq "…"]` removal) and
// Entra's (capitalised ops, members listed in a Remove's value).
func PlanGroupPatch(ops []Op) (GroupPlan, error) {
	var p GroupPlan
	for _, op := range ops {
		if op.Path == "" {
			if err := p.pathless(op); err != nil {
				return GroupPlan{}, err
			}
			continue
		}
		t, err := Groups.target(op)
		if err != nil {
			return GroupPlan{}, err
		}
		switch t.a.name {
		case "displayName":
			if op.Op == "remove" {
				return GroupPlan{}, Bad(TypeMutability, "%s: displayName is required and cannot be removed", op.field)
			}
			if err := p.setName(op.Value, op.field+".value"); err != nil {
				return GroupPlan{}, err
			}
		case "externalId":
			if err := p.setExternalID(op.Value, op.Op, op.field+".value"); err != nil {
				return GroupPlan{}, err
			}
		case "members":
			if err := p.members(op, t); err != nil {
				return GroupPlan{}, err
			}
		}
	}
	return p, nil
}

func (p *GroupPlan) pathless(op Op) error {
	obj, ok := op.Value.(map[string]any)
	if !ok {
		return Bad(TypeInvalidValue, "%s.value: an operation without a path needs an object", op.field)
	}
	c, err := Groups.canonical(obj)
	if err != nil {
		return err
	}
	for k, v := range c {
		switch k {
		case "displayName":
			if err := p.setName(v, op.field+".value.displayName"); err != nil {
				return err
			}
		case "externalId":
			if err := p.setExternalID(v, op.Op, op.field+".value.externalId"); err != nil {
				return err
			}
		case "members":
			ids, err := memberIDs(v, op.field+".value.members")
			if err != nil {
				return err
			}
			kind := "add"
			if op.Op == "replace" {
				kind = "replace"
			}
			p.Members = append(p.Members, MemberChange{Kind: kind, IDs: ids})
		}
		// id, meta and schemas are read-only: Okta's rename sends the id along.
	}
	return nil
}

func (p *GroupPlan) setName(v any, field string) error {
	s, ok := v.(string)
	if !ok || strings.TrimSpace(s) == "" {
		return Bad(TypeInvalidValue, "%s: displayName must be a non-empty string", field)
	}
	if len([]rune(s)) > rbac.MaxGroupName {
		return Bad(TypeInvalidValue, "%s: at most %d characters", field, rbac.MaxGroupName)
	}
	p.DisplayName = &s
	return nil
}

func (p *GroupPlan) setExternalID(v any, op, field string) error {
	s := ""
	if op != "remove" && v != nil {
		var ok bool
		if s, ok = v.(string); !ok {
			return Bad(TypeInvalidValue, "%s: must be a string", field)
		}
	}
	p.ExternalID = &s
	return nil
}

func (p *GroupPlan) members(op Op, t target) error {
	if t.filter != nil {
		if op.Op != "remove" || t.fsub != nil {
			return Bad(TypeInvalidPath, "%s.path: members matched by a filter can only be removed", op.field)
		}
		ids, ok := memberValues(t.filter)
		if !ok {
			return Bad(TypeInvalidPath, "%s.path: members are matched by `value eq \"id\"` (or several joined by or)", op.field)
		}
		p.Members = append(p.Members, MemberChange{Kind: "remove", IDs: ids})
		return nil
	}
	var ids []string
	if op.Value != nil {
		v, err := canonicalValue(t.a, op.Value, op.field+".value")
		if err != nil {
			return err
		}
		if ids, err = memberIDs(v, op.field+".value"); err != nil {
			return err
		}
	}
	switch {
	case op.Op == "remove" && op.Value == nil:
		p.Members = append(p.Members, MemberChange{Kind: "replace", IDs: []string{}}) // remove them all
	case op.Op == "remove":
		p.Members = append(p.Members, MemberChange{Kind: "remove", IDs: ids}) // Entra's legacy form
	case op.Op == "replace":
		p.Members = append(p.Members, MemberChange{Kind: "replace", IDs: ids})
	default:
		p.Members = append(p.Members, MemberChange{Kind: "add", IDs: ids})
	}
	return nil
}

// memberValues reads the ids of `value eq "a" or value eq "b"`.
func memberValues(expr filter.Expression) ([]string, bool) {
	switch e := expr.(type) {
	case *filter.AttributeExpression:
		v, ok := e.CompareValue.(string)
		if e.Operator != filter.EQ || !ok || !strings.EqualFold(e.AttributePath.AttributeName, "value") {
			return nil, false
		}
		return []string{v}, true
	case *filter.LogicalExpression:
		if e.Operator != filter.OR {
			return nil, false
		}
		l, lok := memberValues(e.Left)
		r, rok := memberValues(e.Right)
		return append(l, r...), lok && rok
	}
	return nil, false
}

// PatchUser applies a PATCH to a user as UserResource renders it and
// returns the attributes it ends with.
func PatchUser(current map[string]any, ops []Op) (UserAttrs, error) {
	if err := Users.Apply(current, ops); err != nil {
		return UserAttrs{}, err
	}
	return userFrom(current)
}
