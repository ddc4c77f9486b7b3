package app_test

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rosterhq/roster/client"
)

// The random worlds and operation lists of the dry-run property test.

const (
	dryRoles  = 5
	dryUsers  = 10
	dryGroups = 3
	dryOrgs   = 2
)

func dop(method client.BulkOperationMethod, path string, body any, ref string) client.BulkOperation {
	o := client.BulkOperation{Method: method, Path: path, Body: body}
	if ref != "" {
		o.Ref = &ref
	}
	return o
}

func (w *dryWorld) intn(n int) int { return w.rng.IntN(n) }

func (w *dryWorld) pick(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	return xs[w.intn(len(xs))]
}

// some is a random subset of xs, at most n long.
func (w *dryWorld) some(xs []string, n int) []string {
	out := []string{}
	for range w.intn(n + 1) {
		if x := w.pick(xs); x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func linkageBody(ids []string) map[string]any {
	data := []any{}
	for _, id := range ids {
		data = append(data, map[string]any{"type": "users", "id": id})
	}
	return map[string]any{"data": data}
}

// grant is an assignment body: global or scoped, now and then with a
// window that is open now (ends in two days) or not yet open.
func (w *dryWorld) grant(role string, orgs []string) map[string]any {
	body := map[string]any{"role_id": role}
	if org := w.pick(orgs); org != "" && w.intn(3) == 0 {
		body["scope"] = map[string]any{"type": "organization", "organization_id": org}
	}
	switch w.intn(6) {
	case 0:
		body["expires_at"] = time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	case 1:
		body["not_before"] = time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	}
	return body
}

// parents is what role i may inherit from: roles after it.
func (w *dryWorld) parents(i int) []string {
	var later []string
	for _, r := range w.roles {
		var j int
		if _, err := fmt.Sscanf(r, "role_r%d", &j); err == nil && j > i {
			later = append(later, r)
		}
	}
	return w.some(later, 2)
}

// setup is one atomic bulk making the world; collect reads its ids back.
func (w *dryWorld) setup() []client.BulkOperation {
	var ops []client.BulkOperation
	orgRefs := []string{}
	for i := range dryOrgs {
		ops = append(ops, dop(client.POST, "/organizations", map[string]any{"name": fmt.Sprintf("org %d", i)}, fmt.Sprintf("o%d", i)))
		orgRefs = append(orgRefs, fmt.Sprintf("${o%d}", i))
	}
	for i := dryRoles - 1; i >= 0; i-- { // parents first
		w.roles = append(w.roles, fmt.Sprintf("role_r%d", i))
		ops = append(ops, dop(client.POST, "/roles", map[string]any{"name": fmt.Sprintf("r%d", i), "display_name": "R",
			"permissions": w.some(w.perms, 2), "inherits_from": w.parents(i)}, ""))
	}
	userRefs := []string{}
	for i := range dryUsers {
		ops = append(ops, dop(client.POST, "/users", map[string]any{"email": fmt.Sprintf("u%d@%s.test", i, w.tenant),
			"roles": w.some(w.roles, 2)}, fmt.Sprintf("u%d", i)))
		userRefs = append(userRefs, fmt.Sprintf("${u%d}", i))
		if w.intn(2) == 0 {
			ops = append(ops, dop(client.POST, fmt.Sprintf("/users/${u%d}/roles", i), w.grant(w.pick(w.roles), orgRefs), ""))
		}
	}
	for i := range dryGroups {
		ops = append(ops, dop(client.POST, "/groups", map[string]any{"name": fmt.Sprintf("g%d", i)}, fmt.Sprintf("g%d", i)))
		ops = append(ops, dop(client.POST, fmt.Sprintf("/groups/${g%d}/relationships/members", i), linkageBody(w.some(userRefs, 4)), ""))
		for _, r := range w.some(w.roles, 2) {
			ops = append(ops, dop(client.POST, fmt.Sprintf("/groups/${g%d}/roles", i), w.grant(r, orgRefs), ""))
		}
	}
	return ops
}

func (w *dryWorld) collect(r client.BulkResult) {
	for _, res := range r.Results {
		body, _ := res.Body.(map[string]any)
		id, _ := body["id"].(string)
		switch {
		case strings.HasPrefix(id, "usr_"):
			w.users = append(w.users, id)
		case strings.HasPrefix(id, "grp_"):
			w.groups = append(w.groups, id)
		case strings.HasPrefix(id, "org_"):
			w.orgs = append(w.orgs, id)
		}
	}
}

// operations is a random list of one to four writes of every kind that
// moves permissions. The world's lists are not updated after a real run:
// a later round may name something it deleted (a 404 fails that unit,
// which the test checks too).
func (w *dryWorld) operations() []client.BulkOperation {
	var ops []client.BulkOperation
	for range 1 + w.intn(4) {
		u, g, r, o := w.pick(w.users), w.pick(w.groups), w.pick(w.roles), w.pick(w.orgs)
		switch w.intn(16) {
		case 0, 1:
			ops = append(ops, dop(client.POST, "/users/"+u+"/roles", w.grant(r, w.orgs), ""))
		case 2:
			as := []any{}
			for _, r := range w.some(w.roles, 2) {
				as = append(as, w.grant(r, w.orgs))
			}
			ops = append(ops, dop(client.PUT, "/users/"+u+"/roles", map[string]any{"assignments": as}, ""))
		case 3:
			ref := fmt.Sprintf("n%d", w.intn(1<<30))
			ops = append(ops, dop(client.POST, "/users", map[string]any{"email": ref + "@" + w.tenant + ".test", "roles": w.some(w.roles, 2)}, ref))
			if w.intn(2) == 0 {
				ops = append(ops, dop(client.POST, "/groups/"+g+"/relationships/members", linkageBody([]string{"${" + ref + "}"}), ""))
			}
		case 4:
			status := []string{"disabled", "active"}[w.intn(2)]
			ops = append(ops, dop(client.PATCH, "/users/"+u, map[string]any{"status": status}, ""))
		case 5:
			ops = append(ops, dop(client.DELETE, "/users/"+u, nil, ""))
		case 6:
			ops = append(ops, dop(client.POST, "/groups/"+g+"/relationships/members", linkageBody(w.some(w.users, 3)), ""))
		case 7:
			ops = append(ops, dop(client.DELETE, "/groups/"+g+"/relationships/members", linkageBody(w.some(w.users, 3)), ""))
		case 8:
			ops = append(ops, dop(client.POST, "/groups/"+g+"/roles", w.grant(r, w.orgs), ""))
		case 9:
			ops = append(ops, dop(client.DELETE, "/groups/"+g, nil, ""))
		case 10:
			ops = append(ops, dop(client.PUT, "/roles/"+r, map[string]any{"permissions": w.some(w.perms, 3)}, ""))
		case 11:
			var i int
			_, _ = fmt.Sscanf(r, "role_r%d", &i)
			ops = append(ops, dop(client.PUT, "/roles/"+r, map[string]any{"inherits_from": w.parents(i)}, ""))
		case 12:
			ops = append(ops, dop(client.DELETE, "/roles/role_r0", nil, "")) // nothing inherits from r0
		case 13:
			ops = append(ops, dop(client.DELETE, "/organizations/"+o, nil, ""))
		case 14:
			ops = append(ops, dop(client.PUT, "/roles/role_member", map[string]any{"permissions": w.some(w.perms, 2)}, ""))
		default:
			ops = append(ops, dop(client.POST, "/roles/"+r+"/relationships/assigned_users", linkageBody(w.some(w.users, 4)), ""))
		}
	}
	return ops
}
