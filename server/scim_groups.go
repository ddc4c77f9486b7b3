package server

import (
	"context"
	"strings"

	"github.com/rosterhq/roster/gen"
	"github.com/rosterhq/roster/internal/rbac"
	"github.com/rosterhq/roster/internal/scim"
)

// SCIM Groups (openapi.yaml, scimListGroups …): a SCIM Group is a Roster
// group; its members are Roster group members, so joining or leaving grants
// or revokes the roles the group carries (set in Roster) on the next check.
// A request that is several store writes (create with members, a PATCH of
// many operations) runs them in one transaction (InTransaction): each is an
// ordinary audited write, and all commit or none does.

func (s *Server) ScimListGroups(ctx context.Context, req gen.ScimListGroupsRequestObject) (gen.ScimListGroupsResponseObject, error) {
	start, n := scimPage(req.Params.StartIndex, req.Params.Count)
	base := s.scimBase(ctx, req.TenantId)
	attrs, excluded := optStr(req.Params.Attributes), optStr(req.Params.ExcludedAttributes)
	matched, err := s.scimGroups(ctx, req.TenantId, optStr(req.Params.Filter), base)
	if err != nil {
		return nil, err
	}
	out := gen.ScimGroupList{Schemas: []string{scim.ListSchema}, TotalResults: len(matched), StartIndex: start,
		Resources: []gen.ScimGroup{}}
	for _, g := range pageOf(matched, start, n) {
		r, err := s.scimGroupOut(ctx, g, base, attrs, excluded)
		if err != nil {
			return nil, err
		}
		out.Resources = append(out.Resources, r)
	}
	out.ItemsPerPage = len(out.Resources)
	return gen.ScimListGroups200ApplicationScimPlusJSONResponse{Body: out}, nil
}

// scimGroups returns the groups a filter matches ("" matches all), in
// order of id.
func (s *Server) scimGroups(ctx context.Context, tenantID, raw, base string) ([]rbac.Group, error) {
	if strings.TrimSpace(raw) == "" {
		return s.allGroups(ctx, tenantID, rbac.GroupFilter{})
	}
	f, err := scim.Groups.ParseFilter(raw)
	if err != nil {
		return nil, err
	}
	var candidates []rbac.Group
	if lk, ok := f.Lookup(); ok {
		candidates, err = s.scimGroupLookup(ctx, tenantID, lk)
	} else {
		candidates, err = s.allGroups(ctx, tenantID, rbac.GroupFilter{})
	}
	if err != nil {
		return nil, err
	}
	// Members are read only when the filter is about them.
	withMembers := strings.Contains(strings.ToLower(raw), "members")
	out := candidates[:0]
	for _, g := range candidates {
		var members []rbac.User
		if withMembers {
			if members, err = s.allUsers(ctx, tenantID, rbac.UserFilter{GroupID: g.ID}); err != nil {
				return nil, err
			}
		}
		if f.Match(scim.GroupResource(g, members, base)) {
			out = append(out, g)
		}
	}
	return out, nil
}

func (s *Server) scimGroupLookup(ctx context.Context, tenantID string, lk scim.Lookup) ([]rbac.Group, error) {
	byID := map[string]rbac.Group{}
	for _, v := range lk.Values {
		var f rbac.GroupFilter
		switch lk.Attr {
		case "id":
			g, err := s.Store.GetGroup(ctx, tenantID, v)
			if rbac.IsCode(err, rbac.ENotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			byID[g.ID] = g
			continue
		case "displayName":
			f.Name = v
		case "externalId":
			f.ExternalID = v
		case "members.value":
			f.Member = v
		}
		groups, err := s.allGroups(ctx, tenantID, f)
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			byID[g.ID] = g
		}
	}
	return byIDOrder(byID), nil
}

// allGroups reads every group f selects, a store page at a time.
func (s *Server) allGroups(ctx context.Context, tenantID string, f rbac.GroupFilter) ([]rbac.Group, error) {
	return allPages(func(p rbac.Page) ([]rbac.Group, string, error) {
		f.Page = p
		return s.Store.ListGroups(ctx, tenantID, f)
	})
}

// scimGroupOut renders a group, with its members unless they are left out.
func (s *Server) scimGroupOut(ctx context.Context, g rbac.Group, base, attributes, excluded string) (gen.ScimGroup, error) {
	var members []rbac.User
	if !scim.Excludes(attributes, excluded, "members") {
		var err error
		if members, err = s.allUsers(ctx, g.TenantID, rbac.UserFilter{GroupID: g.ID}); err != nil {
			return gen.ScimGroup{}, err
		}
		if members == nil {
			members = []rbac.User{}
		}
	}
	m := scim.GroupResource(g, members, base)
	scim.Project(m, attributes, excluded)
	return asGen[gen.ScimGroup](m)
}

func (s *Server) ScimGetGroup(ctx context.Context, req gen.ScimGetGroupRequestObject) (gen.ScimGetGroupResponseObject, error) {
	g, err := s.Store.GetGroup(ctx, req.TenantId, req.GroupId)
	if err != nil {
		return nil, err
	}
	out, err := s.scimGroupOut(ctx, g, s.scimBase(ctx, req.TenantId), optStr(req.Params.Attributes), optStr(req.Params.ExcludedAttributes))
	if err != nil {
		return nil, err
	}
	return gen.ScimGetGroup200ApplicationScimPlusJSONResponse{Body: out,
		Headers: gen.ScimGetGroup200ResponseHeaders{ETag: rbac.ETag(g.Version)}}, nil
}

func (s *Server) ScimCreateGroup(ctx context.Context, req gen.ScimCreateGroupRequestObject) (gen.ScimCreateGroupResponseObject, error) {
	a, err := scim.ParseGroup(scimBody(req.JSONBody, req.ApplicationScimPlusJSONBody))
	if err != nil {
		return nil, err
	}
	if len(a.Members) > 0 {
		if err := requireAssign(ctx); err != nil {
			return nil, err
		}
	}
	var g rbac.Group
	var rev int64
	err = s.Store.InTransaction(ctx, req.TenantId, func(ctx context.Context) error {
		var err error
		if g, rev, err = s.Store.CreateGroup(ctx, write(ctx, req.TenantId, nil),
			rbac.GroupInput{Name: a.DisplayName, ExternalID: a.ExternalID}); err != nil {
			return err
		}
		if len(a.Members) > 0 {
			rev, err = s.Store.AddGroupMembers(ctx, write(ctx, req.TenantId, nil), g.ID, a.Members)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(a.Members) > 0 {
		if g, err = s.Store.GetGroup(ctx, req.TenantId, g.ID); err != nil {
			return nil, err
		}
	}
	base := s.scimBase(ctx, req.TenantId)
	out, err := s.scimGroupOut(ctx, g, base, "", "")
	if err != nil {
		return nil, err
	}
	return gen.ScimCreateGroup201ApplicationScimPlusJSONResponse{Body: out, Headers: gen.ScimCreateGroup201ResponseHeaders{
		ETag: rbac.ETag(g.Version), Location: base + "/Groups/" + g.ID, RosterRevision: rev}}, nil
}

func (s *Server) ScimReplaceGroup(ctx context.Context, req gen.ScimReplaceGroupRequestObject) (gen.ScimReplaceGroupResponseObject, error) {
	a, err := scim.ParseGroup(scimBody(req.JSONBody, req.ApplicationScimPlusJSONBody))
	if err != nil {
		return nil, err
	}
	plan := scim.GroupPlan{DisplayName: &a.DisplayName, ExternalID: &a.ExternalID}
	if a.Members != nil {
		plan.Members = []scim.MemberChange{{Kind: "replace", IDs: a.Members}}
	}
	g, rev, err := s.scimApplyGroup(ctx, req.TenantId, req.GroupId, req.Params.IfMatch, plan)
	if err != nil {
		return nil, err
	}
	out, err := s.scimGroupOut(ctx, g, s.scimBase(ctx, req.TenantId), "", "")
	if err != nil {
		return nil, err
	}
	return gen.ScimReplaceGroup200ApplicationScimPlusJSONResponse{Body: out,
		Headers: gen.ScimReplaceGroup200ResponseHeaders{ETag: rbac.ETag(g.Version), RosterRevision: rev}}, nil
}

func (s *Server) ScimPatchGroup(ctx context.Context, req gen.ScimPatchGroupRequestObject) (gen.ScimPatchGroupResponseObject, error) {
	ops, err := scim.ParsePatch(scimBody(req.JSONBody, req.ApplicationScimPlusJSONBody))
	if err != nil {
		return nil, err
	}
	plan, err := scim.PlanGroupPatch(ops)
	if err != nil {
		return nil, err
	}
	g, rev, err := s.scimApplyGroup(ctx, req.TenantId, req.GroupId, req.Params.IfMatch, plan)
	if err != nil {
		return nil, err
	}
	attrs, excluded := optStr(req.Params.Attributes), optStr(req.Params.ExcludedAttributes)
	if attrs == "" && excluded == "" {
		// RFC 7644 §3.5.2: 204, rather than a group of perhaps thousands of members.
		return gen.ScimPatchGroup204Response{Headers: gen.ScimPatchGroup204ResponseHeaders{RosterRevision: rev}}, nil
	}
	out, err := s.scimGroupOut(ctx, g, s.scimBase(ctx, req.TenantId), attrs, excluded)
	if err != nil {
		return nil, err
	}
	return gen.ScimPatchGroup200ApplicationScimPlusJSONResponse{Body: out,
		Headers: gen.ScimPatchGroup200ResponseHeaders{ETag: rbac.ETag(g.Version), RosterRevision: rev}}, nil
}

// scimApplyGroup carries out a plan in one transaction: the attributes
// first (where If-Match is checked), then each membership change as the
// native member writes do it (escalation, stronger users, audit).
func (s *Server) scimApplyGroup(ctx context.Context, tenantID, groupID string, ifMatch *string, plan scim.GroupPlan) (rbac.Group, int64, error) {
	if plan.TouchesMembers() {
		if err := requireAssign(ctx); err != nil {
			return rbac.Group{}, 0, err
		}
	}
	rev := int64(-1)
	err := s.Store.InTransaction(ctx, tenantID, func(ctx context.Context) error {
		var err error
		if _, rev, err = s.Store.UpdateGroup(ctx, write(ctx, tenantID, ifMatch), groupID,
			rbac.GroupPatch{Name: plan.DisplayName, ExternalID: plan.ExternalID}); err != nil {
			return err
		}
		for _, m := range plan.Members {
			w := write(ctx, tenantID, nil)
			switch m.Kind {
			case "add":
				rev, err = s.Store.AddGroupMembers(ctx, w, groupID, m.IDs)
			case "remove":
				rev, err = s.Store.RemoveGroupMembers(ctx, w, groupID, m.IDs)
			default:
				rev, err = s.Store.ReplaceGroupMembers(ctx, w, groupID, m.IDs)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return rbac.Group{}, 0, err
	}
	g, err := s.Store.GetGroup(ctx, tenantID, groupID)
	return g, rev, err
}

func (s *Server) ScimDeleteGroup(ctx context.Context, req gen.ScimDeleteGroupRequestObject) (gen.ScimDeleteGroupResponseObject, error) {
	rev, err := s.Store.DeleteGroup(ctx, write(ctx, req.TenantId, req.Params.IfMatch), req.GroupId)
	if err != nil {
		return nil, err
	}
	return gen.ScimDeleteGroup204Response{Headers: gen.ScimDeleteGroup204ResponseHeaders{RosterRevision: rev}}, nil
}
