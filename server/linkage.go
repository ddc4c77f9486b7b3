package server

import (
	"context"
	"fmt"

	"github.com/rosterhq/roster/gen"
	"github.com/rosterhq/roster/internal/rbac"
)

// JSON:API linkage (openapi.yaml, tag "Relationships"): the one implementation behind
// a group's members and a role's assigned users. Each relationship has a
// self link (the linkage) and a related link (the users themselves); both
// documents page with links.next, null on the last page.

// linkageIDs takes the user ids of a JSON:API linkage body, sent as
// application/json or application/vnd.api+json (the generated wrapper binds
// each media type to its own field).
func linkageIDs(asJSON *gen.LinkageRequest, asJSONAPI *gen.LinkageRequest) ([]string, error) {
	body := asJSON
	if body == nil {
		body = asJSONAPI
	}
	if body == nil {
		return nil, rbac.Invalid("body", "a JSON:API linkage document is required")
	}
	data := body.Data
	ids := make([]string, len(data))
	for i, d := range data {
		if d.Type != gen.ResourceIdentifierTypeUsers {
			return nil, rbac.Invalid(fmt.Sprintf("data[%d].type", i), "must be users")
		}
		ids[i] = d.Id
	}
	return ids, nil
}

// changeLinkage is the one body of the six linkage writes (add, replace,
// remove; members of a group, assignees of a role): the body's ids, then
// the store, which validates them (400) before it applies the grant policy
// (403), in that order for both relationships.
func changeLinkage(ctx context.Context, tenantID string, asJSON, asJSONAPI *gen.LinkageRequest,
	change func(w rbac.Write, ids []string) (int64, error)) (int64, error) {
	ids, err := linkageIDs(asJSON, asJSONAPI)
	if err != nil {
		return 0, err
	}
	return change(write(ctx, tenantID, nil), ids)
}

func usersOf(items []rbac.User) []string {
	ids := make([]string, len(items))
	for i, u := range items {
		ids[i] = u.ID
	}
	return ids
}

// linkage builds a JSON:API relationship document with its links.
func linkage(self, related string, ids []string, next string, limit int) gen.Linkage {
	out := gen.Linkage{Data: make([]gen.ResourceIdentifier, len(ids)), Links: pageLinks(self, related, self, next, limit)}
	for i, id := range ids {
		out.Data[i] = gen.ResourceIdentifier{Type: gen.ResourceIdentifierTypeUsers, Id: id}
	}
	return out
}

// userDocument builds the related document: the users with their attributes.
func userDocument(self, related string, users []rbac.User, next string, limit int) gen.UserDocument {
	out := gen.UserDocument{Data: make([]gen.UserResource, len(users)), Links: pageLinks(self, related, related, next, limit)}
	for i, u := range users {
		v := userOut(u)
		out.Data[i] = gen.UserResource{Type: gen.UserResourceTypeUsers, Id: u.ID, Attributes: gen.UserAttributes{
			Email: v.Email, FirstName: v.FirstName, LastName: v.LastName, ExternalUserId: v.ExternalUserId,
			Status: gen.UserStatus(v.Status), CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt}}
	}
	return out
}

// pageLinks names the relationship (self, related) and the next page of the
// document at pageOf, or null on the last page.
func pageLinks(self, related, pageOf, next string, limit int) gen.LinkageLinks {
	links := gen.LinkageLinks{Self: self, Related: related}
	if c := encodeCursor(next); c != nil {
		n := fmt.Sprintf("%s?limit=%d&cursor=%s", pageOf, limit, *c)
		links.Next = &n
	}
	return links
}
