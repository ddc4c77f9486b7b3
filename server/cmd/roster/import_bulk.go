package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/rosterhq/roster/client"
)

// bulkBatch is how many operations one POST /bulk of an import carries: a
// few hundred users a request, each answered as if sent alone.
const bulkBatch = 1000

// userBatch collects the operations of consecutive user records for one
// POST /bulk (not atomic: a failing record does not hold back the others).
// A new user is one create carrying its plain global roles; a grant with a
// scope, a window or a reason, a known user's grant and a disabled status
// are operations of their own on the user's path (`${ref}` for one created
// in the same request). Rerunning is safe without idempotency keys: the
// lookups find every user already made, and granting a held role again
// changes nothing.
type userBatch struct {
	ops    []client.BulkOperation
	owners []string // the record (by email) each operation is for
	refs   map[string]string
	admins []record // role_admin grants: only the operator's /admins can make them
}

func (im *importer) usersInBulk(ctx context.Context, recs []record) error {
	b := &userBatch{refs: map[string]string{}}
	pending := 0 // user records in b
	for _, r := range recs {
		if r.Kind != "user" {
			continue
		}
		if err := im.addUser(b, r); err != nil {
			return fmt.Errorf("user %s: %w", r.Email, err)
		}
		pending++
		if len(b.ops) >= bulkBatch {
			if err := im.flushUsers(ctx, b, pending); err != nil {
				return err
			}
			b, pending = &userBatch{refs: map[string]string{}}, 0
		}
	}
	return im.flushUsers(ctx, b, pending)
}

func (im *importer) addUser(b *userBatch, r record) error {
	grants, err := im.assignments(r.Grants)
	if err != nil {
		return err
	}
	path := ""
	if id, ok := im.users[r.Email]; ok {
		path = "/users/" + id
		// A plain global grant the user holds already would change nothing:
		// a rerun sends none of them.
		grants = slices.DeleteFunc(grants, func(g client.AssignmentCreate) bool {
			return isPlain(g) && slices.Contains(im.held[id], g.RoleId)
		})
	} else {
		ref := fmt.Sprintf("u%d", len(b.refs))
		b.refs[r.Email] = ref
		body := map[string]any{"email": r.Email}
		for k, v := range map[string]string{"first_name": r.FirstName, "last_name": r.LastName, "external_user_id": r.ExternalID} {
			if v != "" {
				body[k] = v
			}
		}
		var plain []string
		rest := grants[:0:0]
		for _, g := range grants {
			if isPlain(g) && g.RoleId != "role_admin" {
				plain = append(plain, g.RoleId)
			} else {
				rest = append(rest, g)
			}
		}
		if len(plain) > 0 {
			body["roles"] = plain
		}
		grants = rest
		b.add(r.Email, client.BulkOperation{Method: client.POST, Path: "/users", Body: body, Ref: &ref})
		path = "/users/${" + ref + "}"
	}
	for _, g := range grants {
		if g.RoleId == "role_admin" && g.Scope == nil {
			b.admins = append(b.admins, r)
			continue
		}
		b.add(r.Email, client.BulkOperation{Method: client.POST, Path: path + "/roles", Body: g})
	}
	if r.Status == string(client.UserStatusDisabled) {
		b.add(r.Email, client.BulkOperation{Method: client.PATCH, Path: path, Body: map[string]any{"status": client.UserStatusDisabled}})
	}
	return nil
}

func (b *userBatch) add(email string, op client.BulkOperation) {
	b.ops = append(b.ops, op)
	b.owners = append(b.owners, email)
}

// flushUsers sends the batch, learns the ids of the users it created, and
// fails naming the first record an operation of which failed.
func (im *importer) flushUsers(ctx context.Context, b *userBatch, users int) error {
	if len(b.ops) > 0 {
		atomic := false
		res, err := im.c.BulkWriteWithResponse(ctx, im.tenant, client.BulkRequest{Operations: b.ops, Atomic: &atomic})
		if err := client.CheckResponse(res, err); err != nil {
			return err
		}
		var failed []string
		for i, out := range res.JSON200.Results {
			op := b.ops[i]
			if out.Status >= 300 {
				failed = append(failed, fmt.Sprintf("user %s: %s %s: %d %s", b.owners[i], op.Method, op.Path, out.Status, detail(out.Body)))
				continue
			}
			if op.Ref != nil {
				var created struct {
					ID string `json:"id"`
				}
				raw, _ := json.Marshal(out.Body)
				if err := json.Unmarshal(raw, &created); err != nil || created.ID == "" {
					return fmt.Errorf("user %s: the create answered no id", b.owners[i])
				}
				im.users[b.owners[i]] = created.ID
			}
		}
		if len(failed) > 0 {
			more := ""
			if len(failed) > 3 {
				more = fmt.Sprintf(" (and %d more)", len(failed)-3)
				failed = failed[:3]
			}
			return fmt.Errorf("%s%s", strings.Join(failed, "; "), more)
		}
	}
	for _, r := range b.admins {
		res, err := im.c.AddTenantAdminWithResponse(ctx, im.tenant, client.TenantAdmin{Email: openapi_types.Email(r.Email)}, key("admin", r))
		if err := client.CheckResponse(res, err); err != nil {
			return fmt.Errorf("user %s: role_admin is granted by the operator only (POST /v1/tenants/{id}/admins): %w", r.Email, err)
		}
	}
	for range users {
		im.tick()
	}
	return nil
}

// isPlain reports whether a grant is global, without a window or a reason.
func isPlain(g client.AssignmentCreate) bool {
	return g.Scope == nil && g.NotBefore == nil && g.ExpiresAt == nil && g.Reason == nil
}

// detail is the problem detail of a failed operation's body, if it has one.
func detail(body any) string {
	if m, ok := body.(map[string]any); ok {
		if d, ok := m["detail"].(string); ok {
			return d
		}
	}
	return ""
}
