package server

import (
	"context"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/rosterhq/roster/gen"
	"github.com/rosterhq/roster/internal/eval"
	"github.com/rosterhq/roster/internal/rbac"
)

// AuthZEN searches and the PDP metadata. Subject search pages over the
// engine's holders index, the same one `GET /users?holds_permission=`
// uses; its page token is a sealed holders cursor.

// defaultSearchLimit is a subject search's page size when none is asked.
const defaultSearchLimit = 100

// AuthzenSearchSubject lists the users for whom the evaluation would be
// true: the holders of the permission through plain grants, and the
// resource's owner when an owner-only grant gives it to them.
func (s *Server) AuthzenSearchSubject(ctx context.Context, req gen.AuthzenSearchSubjectRequestObject) (gen.AuthzenSearchSubjectResponseObject, error) {
	b := req.Body
	empty := gen.AuthzenSearchSubject200JSONResponse{Body: gen.AuthzenSubjectSearchResponse{Results: []gen.AuthzenSubjectRef{}}}
	perm := b.Resource.Type + ":" + b.Action.Name
	if b.Subject.Type != "user" || !rbac.ValidPermission(perm) {
		return empty, nil // AuthZEN: an unknown type finds nothing
	}
	props := propsOf(b.Resource.Properties)
	org := orgOf(props)
	list := []byte("authzen-subject\x00" + req.TenantId + "\x00" + perm + "\x00" + org + "\x00" + ownerOf(props))
	limit := defaultSearchLimit
	after := ""
	if p := b.Page; p != nil {
		if p.Limit != nil {
			limit = int(*p.Limit)
		}
		if p.Token != nil && *p.Token != "" {
			var err error
			if after, err = s.seal.open(list, *p.Token); err != nil {
				return nil, rbac.Invalid("page.token", "not a token of this search")
			}
		}
	}
	t, err := s.engine(ctx, req.TenantId)
	if err != nil {
		return nil, err
	}
	var ids []string
	var next string
	t.Read(func(v eval.View) {
		ids, next = v.HoldersOfPermission(perm, org, after, limit, s.now())
		owner, ok := v.ResolveUser(ownerOf(props))
		if ok && owner > after && !slices.Contains(ids, owner) && v.CheckOwned(owner, perm, org, true, s.now()).Allowed {
			ids, next = withOwner(ids, next, owner, limit)
		}
	})
	users, err := s.Store.GetUsers(ctx, req.TenantId, ids)
	if err != nil {
		return nil, err
	}
	out := empty
	for _, u := range users {
		id := u.ExternalUserID
		if id == "" {
			id = u.ID
		}
		out.Body.Results = append(out.Body.Results, gen.AuthzenSubjectRef{Type: "user", Id: id})
	}
	if next != "" {
		out.Body.Page.NextToken = s.seal.seal(list, next)
	}
	return out, nil
}

// withOwner places the owner, who holds the permission through an
// owner-only grant only, into a page of holders ordered by id: within the
// page when it sorts there (the page then gives up its last to keep its
// size), or after the last page.
func withOwner(ids []string, next, owner string, limit int) ([]string, string) {
	if next != "" && owner > ids[len(ids)-1] {
		return ids, next // a later page has it
	}
	i, _ := slices.BinarySearch(ids, owner)
	ids = slices.Insert(ids, i, owner)
	if len(ids) > limit {
		ids = ids[:limit]
		next = ids[limit-1]
	}
	return ids, next
}

// AuthzenSearchAction lists the actions the subject's permissions give on
// the resource's type, in one page.
func (s *Server) AuthzenSearchAction(ctx context.Context, req gen.AuthzenSearchActionRequestObject) (gen.AuthzenSearchActionResponseObject, error) {
	b := req.Body
	out := gen.AuthzenSearchAction200JSONResponse{Body: gen.AuthzenActionSearchResponse{Results: []gen.AuthzenActionRef{}}}
	if b.Subject.Type != "user" {
		return out, nil
	}
	t, err := s.engine(ctx, req.TenantId)
	if err != nil {
		return nil, err
	}
	props := propsOf(b.Resource.Properties)
	var actions []string
	t.Read(func(v eval.View) {
		user, ok := v.ResolveUser(b.Subject.Id)
		if !ok {
			return
		}
		owned := v.IsOwner(user, ownerOf(props))
		for _, p := range v.Permissions(user, orgOf(props), s.now()) {
			res, act, _ := strings.Cut(p, ":")
			act, own := strings.CutSuffix(act, ":own")
			if (res == b.Resource.Type || res == "*") && (!own || owned) {
				actions = append(actions, act)
			}
		}
	})
	slices.Sort(actions)
	for _, a := range slices.Compact(actions) {
		out.Body.Results = append(out.Body.Results, gen.AuthzenActionRef{Name: a})
	}
	return out, nil
}

// AuthzenMetadata describes the tenant's PDP. The URLs are built from
// --public-url, else from the request (requestBase).
func (s *Server) AuthzenMetadata(ctx context.Context, req gen.AuthzenMetadataRequestObject) (gen.AuthzenMetadataResponseObject, error) {
	if _, err := s.Store.GetTenant(ctx, req.TenantId); err != nil {
		return nil, err
	}
	base := s.PublicURL
	if base == "" {
		base, _ = ctx.Value(requestBaseKey{}).(string)
	}
	pdp := strings.TrimSuffix(base, "/") + "/v1/tenants/" + url.PathEscape(req.TenantId)
	at := func(p string) *string { u := pdp + "/access/v1/" + p; return &u }
	return gen.AuthzenMetadata200JSONResponse{Body: gen.AuthzenMetadata{
		PolicyDecisionPoint:       pdp,
		AccessEvaluationEndpoint:  *at("evaluation"),
		AccessEvaluationsEndpoint: at("evaluations"),
		SearchSubjectEndpoint:     at("search/subject"),
		SearchActionEndpoint:      at("search/action"),
	}}, nil
}

type requestBaseKey struct{}

// requestBase records the scheme and host the request was sent to (echo's
// Scheme honours X-Forwarded-Proto), for the metadata's URLs and SCIM's.
func requestBase(f gen.StrictHandlerFunc, operationID string) gen.StrictHandlerFunc {
	if operationID != "AuthzenMetadata" && !strings.HasPrefix(operationID, "Scim") {
		return f
	}
	return func(c echo.Context, request interface{}) (interface{}, error) {
		r := c.Request()
		base := c.Scheme() + "://" + r.Host
		c.SetRequest(r.WithContext(context.WithValue(r.Context(), requestBaseKey{}, base)))
		return f(c, request)
	}
}
