package server

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/rosterhq/roster/gen"
	"github.com/rosterhq/roster/internal/rbac"
	"github.com/rosterhq/roster/internal/scim"
)

// SCIM Users (openapi.yaml, scimListUsers …): a SCIM User is a Roster user.

func (s *Server) ScimListUsers(ctx context.Context, req gen.ScimListUsersRequestObject) (gen.ScimListUsersResponseObject, error) {
	start, n := scimPage(req.Params.StartIndex, req.Params.Count)
	base := s.scimBase(ctx, req.TenantId)
	matched, err := s.scimUsers(ctx, req.TenantId, optStr(req.Params.Filter), base)
	if err != nil {
		return nil, err
	}
	out := gen.ScimUserList{Schemas: []string{scim.ListSchema}, TotalResults: len(matched), StartIndex: start,
		Resources: []gen.ScimUser{}}
	for _, u := range pageOf(matched, start, n) {
		r, err := s.scimUserOut(ctx, u, base, optStr(req.Params.Attributes), optStr(req.Params.ExcludedAttributes))
		if err != nil {
			return nil, err
		}
		out.Resources = append(out.Resources, r)
	}
	out.ItemsPerPage = len(out.Resources)
	return gen.ScimListUsers200ApplicationScimPlusJSONResponse{Body: out}, nil
}

// scimUsers returns the tenant's users a filter matches ("" matches all),
// in order of id. An eq on an indexed attribute is answered by the store;
// anything else is matched against every user.
func (s *Server) scimUsers(ctx context.Context, tenantID, raw, base string) ([]rbac.User, error) {
	if strings.TrimSpace(raw) == "" {
		return s.allUsers(ctx, tenantID, rbac.UserFilter{})
	}
	f, err := scim.Users.ParseFilter(raw)
	if err != nil {
		return nil, err
	}
	var candidates []rbac.User
	if lk, ok := f.Lookup(); ok {
		candidates, err = s.scimUserLookup(ctx, tenantID, lk)
	} else {
		candidates, err = s.allUsers(ctx, tenantID, rbac.UserFilter{})
	}
	if err != nil {
		return nil, err
	}
	out := candidates[:0]
	for _, u := range candidates {
		if f.Match(scim.UserResource(u, nil, base)) {
			out = append(out, u)
		}
	}
	return out, nil
}

// scimUserLookup finds the users whose attribute equals one of the values.
// userName is a user's username, or the email of a user without one
// (rbac.UserFilter.Login), as scim.UserName renders them.
func (s *Server) scimUserLookup(ctx context.Context, tenantID string, lk scim.Lookup) ([]rbac.User, error) {
	byID := map[string]rbac.User{}
	for _, v := range lk.Values {
		var fs []rbac.UserFilter
		switch lk.Attr {
		case "id":
			u, err := s.Store.GetUser(ctx, tenantID, v)
			if rbac.IsCode(err, rbac.ENotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			byID[u.ID] = u
			continue
		case "userName":
			fs = []rbac.UserFilter{{Login: v}}
		case "emails.value":
			fs = []rbac.UserFilter{{Email: v}}
		case "externalId":
			fs = []rbac.UserFilter{{ExternalUserID: v}}
		}
		for _, f := range fs {
			users, err := s.allUsers(ctx, tenantID, f)
			if err != nil {
				return nil, err
			}
			for _, u := range users {
				byID[u.ID] = u
			}
		}
	}
	return byIDOrder(byID), nil
}

// allUsers reads every user f selects, a store page at a time.
func (s *Server) allUsers(ctx context.Context, tenantID string, f rbac.UserFilter) ([]rbac.User, error) {
	return allPages(func(p rbac.Page) ([]rbac.User, string, error) {
		f.Page = p
		return s.Store.ListUsers(ctx, tenantID, f)
	})
}

// allPages reads every page of a store list, 1,000 items at a time.
func allPages[T any](list func(rbac.Page) ([]T, string, error)) ([]T, error) {
	var out []T
	p := rbac.Page{Limit: 1000}
	for {
		items, next, err := list(p)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if next == "" {
			return out, nil
		}
		p.After = next
	}
}

// byIDOrder lists the values of a map keyed by id, in id order (SCIM lists
// are in a stable order).
func byIDOrder[T any](byID map[string]T) []T {
	out := make([]T, 0, len(byID))
	for _, id := range slices.Sorted(maps.Keys(byID)) {
		out = append(out, byID[id])
	}
	return out
}

// scimUserOut renders a user with its groups, projected.
func (s *Server) scimUserOut(ctx context.Context, u rbac.User, base, attributes, excluded string) (gen.ScimUser, error) {
	var groups []rbac.Group
	if !scim.Excludes(attributes, excluded, "groups") {
		var err error
		if groups, err = s.allGroups(ctx, u.TenantID, rbac.GroupFilter{Member: u.ID}); err != nil {
			return gen.ScimUser{}, err
		}
	}
	m := scim.UserResource(u, groups, base)
	scim.Project(m, attributes, excluded)
	return asGen[gen.ScimUser](m)
}

func (s *Server) ScimGetUser(ctx context.Context, req gen.ScimGetUserRequestObject) (gen.ScimGetUserResponseObject, error) {
	u, err := s.Store.GetUser(ctx, req.TenantId, req.UserId)
	if err != nil {
		return nil, err
	}
	out, err := s.scimUserOut(ctx, u, s.scimBase(ctx, req.TenantId), optStr(req.Params.Attributes), optStr(req.Params.ExcludedAttributes))
	if err != nil {
		return nil, err
	}
	return gen.ScimGetUser200ApplicationScimPlusJSONResponse{Body: out,
		Headers: gen.ScimGetUser200ResponseHeaders{ETag: rbac.ETag(u.Version)}}, nil
}

func (s *Server) ScimCreateUser(ctx context.Context, req gen.ScimCreateUserRequestObject) (gen.ScimCreateUserResponseObject, error) {
	a, err := scim.ParseUser(scimBody(req.JSONBody, req.ApplicationScimPlusJSONBody))
	if err != nil {
		return nil, err
	}
	in := a.Input()
	if a.Active != nil && !*a.Active {
		in.Status = rbac.StatusDisabled
	}
	u, rev, err := s.Store.CreateUser(ctx, write(ctx, req.TenantId, nil), in)
	if err != nil {
		return nil, err
	}
	base := s.scimBase(ctx, req.TenantId)
	out, err := asGen[gen.ScimUser](scim.UserResource(u, nil, base))
	if err != nil {
		return nil, err
	}
	return gen.ScimCreateUser201ApplicationScimPlusJSONResponse{Body: out, Headers: gen.ScimCreateUser201ResponseHeaders{
		ETag: rbac.ETag(u.Version), Location: base + "/Users/" + u.ID, RosterRevision: rev}}, nil
}

func (s *Server) ScimReplaceUser(ctx context.Context, req gen.ScimReplaceUserRequestObject) (gen.ScimReplaceUserResponseObject, error) {
	a, err := scim.ParseUser(scimBody(req.JSONBody, req.ApplicationScimPlusJSONBody))
	if err != nil {
		return nil, err
	}
	u, rev, err := s.scimUpdateUser(ctx, req.TenantId, req.UserId, req.Params.IfMatch, func(rbac.User) (scim.UserAttrs, error) { return a, nil })
	if err != nil {
		return nil, err
	}
	out, err := s.scimUserOut(ctx, u, s.scimBase(ctx, req.TenantId), "", "")
	if err != nil {
		return nil, err
	}
	return gen.ScimReplaceUser200ApplicationScimPlusJSONResponse{Body: out,
		Headers: gen.ScimReplaceUser200ResponseHeaders{ETag: rbac.ETag(u.Version), RosterRevision: rev}}, nil
}

func (s *Server) ScimPatchUser(ctx context.Context, req gen.ScimPatchUserRequestObject) (gen.ScimPatchUserResponseObject, error) {
	ops, err := scim.ParsePatch(scimBody(req.JSONBody, req.ApplicationScimPlusJSONBody))
	if err != nil {
		return nil, err
	}
	base := s.scimBase(ctx, req.TenantId)
	u, rev, err := s.scimUpdateUser(ctx, req.TenantId, req.UserId, req.Params.IfMatch, func(before rbac.User) (scim.UserAttrs, error) {
		return scim.PatchUser(scim.UserResource(before, nil, base), ops)
	})
	if err != nil {
		return nil, err
	}
	out, err := s.scimUserOut(ctx, u, base, "", "")
	if err != nil {
		return nil, err
	}
	return gen.ScimPatchUser200ApplicationScimPlusJSONResponse{Body: out,
		Headers: gen.ScimPatchUser200ResponseHeaders{ETag: rbac.ETag(u.Version), RosterRevision: rev}}, nil
}

// scimUpdateUser makes the user hold the attributes attrs computes from it
// as it is, in one UpdateUser. Without the caller's If-Match the write is
// still conditional on the version attrs read (so that a concurrent change
// is never overwritten with a stale PATCH), retried a few times.
func (s *Server) scimUpdateUser(ctx context.Context, tenantID, userID string, ifMatch *string,
	attrs func(before rbac.User) (scim.UserAttrs, error)) (rbac.User, int64, error) {
	for attempt := 0; ; attempt++ {
		before, err := s.Store.GetUser(ctx, tenantID, userID)
		if err != nil {
			return rbac.User{}, 0, err
		}
		a, err := attrs(before)
		if err != nil {
			return rbac.User{}, 0, err
		}
		w := write(ctx, tenantID, ifMatch)
		if ifMatch == nil {
			w.IfMatch = rbac.ETag(before.Version)
		}
		u, rev, err := s.Store.UpdateUser(ctx, w, userID, a.Patch(before))
		if ifMatch == nil && rbac.IsCode(err, rbac.EPrecondition) && attempt < 3 {
			continue
		}
		return u, rev, err
	}
}

func (s *Server) ScimDeleteUser(ctx context.Context, req gen.ScimDeleteUserRequestObject) (gen.ScimDeleteUserResponseObject, error) {
	rev, err := s.Store.DeleteUser(ctx, write(ctx, req.TenantId, req.Params.IfMatch), req.UserId)
	if err != nil {
		return nil, err
	}
	return gen.ScimDeleteUser204Response{Headers: gen.ScimDeleteUser204ResponseHeaders{RosterRevision: rev}}, nil
}
