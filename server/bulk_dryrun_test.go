package server_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/server"
	"github.com/rosterhq/roster/server/servertest"
)

// dryRun sends ops as a dry run and requires that it wrote nothing: the
// revision, the audit log and the evaluation state read from the database
// are as they were, and the answer reports the revision as it is.
func (tn tenant) dryRun(t *testing.T, env *servertest.Env, atomic bool, ops ...client.BulkOperation) client.BulkResult {
	t.Helper()
	rev, events := env.Revision(tn.ID), env.AuditCount(tn.ID)
	before, err := env.Store.LoadSnapshot(context.Background(), tn.ID)
	require.NoError(t, err)
	dry := true
	res, err := tn.Admin.BulkWriteWithResponse(bg, tn.ID, client.BulkRequest{Operations: ops, Atomic: &atomic, DryRun: &dry})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode(), "%s", res.Body)
	require.Equal(t, rev, revisionHeader(t, res.HTTPResponse), "Roster-Revision: the tenant's, unmoved")
	require.Equal(t, rev, res.JSON200.Revision)
	require.False(t, res.JSON200.Committed, "a dry run commits nothing")
	require.Equal(t, rev, env.Revision(tn.ID), "no revision")
	require.Equal(t, events, env.AuditCount(tn.ID), "no audit event")
	after, err := env.Store.LoadSnapshot(context.Background(), tn.ID)
	require.NoError(t, err)
	require.Equal(t, before, after, "no row")
	require.NotNil(t, res.JSON200.Impact, "a dry run always answers impact")
	return *res.JSON200
}

func imp(user, org string, gained, lost []string) client.BulkImpact {
	i := client.BulkImpact{UserId: user, Gained: gained, Lost: lost}
	if i.Gained == nil {
		i.Gained = []string{}
	}
	if i.Lost == nil {
		i.Lost = []string{}
	}
	if org != "" {
		i.OrganizationId = &org
	}
	return i
}

func members(ids ...string) map[string]any {
	data := []any{}
	for _, id := range ids {
		data = append(data, map[string]any{"type": "users", "id": id})
	}
	return map[string]any{"data": data}
}

func (tn tenant) group(t *testing.T, name string, roleIDs []string, memberIDs ...string) string {
	t.Helper()
	ops := []client.BulkOperation{bulkOp(client.POST, "/groups", map[string]any{"name": name}, "g")}
	for _, r := range roleIDs {
		ops = append(ops, bulkOp(client.POST, "/groups/${g}/roles", map[string]any{"role_id": r}, ""))
	}
	if len(memberIDs) > 0 {
		ops = append(ops, bulkOp(client.POST, "/groups/${g}/relationships/members", members(memberIDs...), ""))
	}
	r := tn.bulk(t, true, ops...)
	require.True(t, r.Committed, "%+v", r.Results)
	return r.Results[0].Body.(map[string]any)["id"].(string)
}

func (tn tenant) org(t *testing.T, name string) string {
	t.Helper()
	res, err := tn.Admin.CreateOrganizationWithResponse(bg, tn.ID, client.OrganizationCreate{Name: name})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, res.StatusCode(), "%s", res.Body)
	return res.JSON201.Id
}

// Each path by which permissions move shows in impact, for the users it
// reaches and no one else; a dry run writes nothing and the engine answers
// as before.
func TestBulkDryRun_impactPaths(t *testing.T) {
	type world struct {
		tn             tenant
		u, v           string // u holds role_editor (docs:write); v holds nothing
		viewer, editor string // role_viewer: docs:read; role_editor: docs:write
		org            string // an organization a case made, if any
	}
	cases := []struct {
		name string
		ops  func(t *testing.T, w *world) []client.BulkOperation
		want func(w *world) []client.BulkImpact
	}{
		{"direct grant",
			func(t *testing.T, w *world) []client.BulkOperation {
				return []client.BulkOperation{bulkOp(client.POST, "/users/"+w.v+"/roles", map[string]any{"role_id": w.viewer}, "")}
			},
			func(w *world) []client.BulkImpact {
				return []client.BulkImpact{imp(w.v, "", []string{"docs:read"}, nil)}
			}},
		{"direct removal",
			func(t *testing.T, w *world) []client.BulkOperation {
				return []client.BulkOperation{bulkOp(client.DELETE, "/users/"+w.u+"/roles/"+w.editor, nil, "")}
			},
			func(w *world) []client.BulkImpact {
				return []client.BulkImpact{imp(w.u, "", nil, []string{"docs:write"})}
			}},
		{"group membership",
			func(t *testing.T, w *world) []client.BulkOperation {
				g := w.tn.group(t, "readers", []string{w.viewer})
				return []client.BulkOperation{bulkOp(client.POST, "/groups/"+g+"/relationships/members", members(w.u, w.v), "")}
			},
			func(w *world) []client.BulkImpact {
				return []client.BulkImpact{imp(w.u, "", []string{"docs:read"}, nil), imp(w.v, "", []string{"docs:read"}, nil)}
			}},
		{"group role",
			func(t *testing.T, w *world) []client.BulkOperation {
				g := w.tn.group(t, "team", nil, w.v)
				return []client.BulkOperation{bulkOp(client.POST, "/groups/"+g+"/roles", map[string]any{"role_id": w.viewer}, "")}
			},
			func(w *world) []client.BulkImpact {
				return []client.BulkImpact{imp(w.v, "", []string{"docs:read"}, nil)}
			}},
		{"group deleted",
			func(t *testing.T, w *world) []client.BulkOperation {
				g := w.tn.group(t, "team", []string{w.viewer}, w.v)
				return []client.BulkOperation{bulkOp(client.DELETE, "/groups/"+g, nil, "")}
			},
			func(w *world) []client.BulkImpact {
				return []client.BulkImpact{imp(w.v, "", nil, []string{"docs:read"})}
			}},
		{"inheritance edge added",
			func(t *testing.T, w *world) []client.BulkOperation {
				return []client.BulkOperation{bulkOp(client.PUT, "/roles/"+w.editor, map[string]any{"inherits_from": []string{w.viewer}}, "")}
			},
			func(w *world) []client.BulkImpact {
				return []client.BulkImpact{imp(w.u, "", []string{"docs:read"}, nil)}
			}},
		{"inheritance edge removed, seen by the holders of an inheriting role",
			func(t *testing.T, w *world) []client.BulkOperation {
				// role_lead inherits role_editor, which (for now) inherits role_viewer.
				w.tn.bulk(t, true, bulkOp(client.PUT, "/roles/"+w.editor, map[string]any{"inherits_from": []string{w.viewer}}, ""),
					bulkOp(client.POST, "/roles", map[string]any{"name": "lead", "display_name": "Lead", "permissions": []string{}, "inherits_from": []string{w.editor}}, ""),
					bulkOp(client.POST, "/users/"+w.v+"/roles", map[string]any{"role_id": "role_lead"}, ""))
				return []client.BulkOperation{bulkOp(client.PUT, "/roles/"+w.editor, map[string]any{"inherits_from": []string{}}, "")}
			},
			func(w *world) []client.BulkImpact {
				return []client.BulkImpact{imp(w.u, "", nil, []string{"docs:read"}), imp(w.v, "", nil, []string{"docs:read"})}
			}},
		{"role permission edit",
			func(t *testing.T, w *world) []client.BulkOperation {
				return []client.BulkOperation{bulkOp(client.PUT, "/roles/"+w.editor, map[string]any{"permissions": []string{"docs:write", "docs:publish"}}, "")}
			},
			func(w *world) []client.BulkImpact {
				return []client.BulkImpact{imp(w.u, "", []string{"docs:publish"}, nil)}
			}},
		{"default role edit reaches every active user",
			func(t *testing.T, w *world) []client.BulkOperation {
				return []client.BulkOperation{bulkOp(client.PUT, "/roles/role_member", map[string]any{"permissions": []string{"wiki:read"}}, "")}
			},
			func(w *world) []client.BulkImpact {
				// The admin holds *:*, which does not list wiki:read either.
				return []client.BulkImpact{imp(w.tn.AdminUser.Id, "", []string{"wiki:read"}, nil),
					imp(w.u, "", []string{"wiki:read"}, nil), imp(w.v, "", []string{"wiki:read"}, nil)}
			}},
		{"role deleted",
			func(t *testing.T, w *world) []client.BulkOperation {
				return []client.BulkOperation{bulkOp(client.DELETE, "/roles/"+w.editor, nil, "")}
			},
			func(w *world) []client.BulkImpact {
				return []client.BulkImpact{imp(w.u, "", nil, []string{"docs:write"})}
			}},
		{"user disabled",
			func(t *testing.T, w *world) []client.BulkOperation {
				return []client.BulkOperation{bulkOp(client.PATCH, "/users/"+w.u, map[string]any{"status": "disabled"}, "")}
			},
			func(w *world) []client.BulkImpact {
				return []client.BulkImpact{imp(w.u, "", nil, []string{"docs:write"})}
			}},
		{"user deleted",
			func(t *testing.T, w *world) []client.BulkOperation {
				return []client.BulkOperation{bulkOp(client.DELETE, "/users/"+w.u, nil, "")}
			},
			func(w *world) []client.BulkImpact {
				return []client.BulkImpact{imp(w.u, "", nil, []string{"docs:write"})}
			}},
		{"organization-scoped grant",
			func(t *testing.T, w *world) []client.BulkOperation {
				org := w.tn.org(t, "Berlin")
				w.org = org
				return []client.BulkOperation{bulkOp(client.POST, "/users/"+w.v+"/roles",
					map[string]any{"role_id": w.viewer, "scope": map[string]any{"type": "organization", "organization_id": org}}, "")}
			},
			func(w *world) []client.BulkImpact {
				return []client.BulkImpact{imp(w.v, w.org, []string{"docs:read"}, nil)}
			}},
		{"organization deleted",
			func(t *testing.T, w *world) []client.BulkOperation {
				org := w.tn.org(t, "Berlin")
				w.org = org
				w.tn.bulk(t, true, bulkOp(client.POST, "/users/"+w.v+"/roles",
					map[string]any{"role_id": w.viewer, "scope": map[string]any{"type": "organization", "organization_id": org}}, ""))
				return []client.BulkOperation{bulkOp(client.DELETE, "/organizations/"+org, nil, "")}
			},
			func(w *world) []client.BulkImpact {
				return []client.BulkImpact{imp(w.v, w.org, nil, []string{"docs:read"})}
			}},
		{"a user made in the run, with a role",
			func(t *testing.T, w *world) []client.BulkOperation {
				return []client.BulkOperation{bulkOp(client.POST, "/users", map[string]any{"email": "new@acme.test", "roles": []string{w.viewer}}, "")}
			},
			func(w *world) []client.BulkImpact {
				return []client.BulkImpact{imp("new", "", []string{"docs:read"}, nil)}
			}},
		{"changes that cancel out",
			func(t *testing.T, w *world) []client.BulkOperation {
				return []client.BulkOperation{
					bulkOp(client.POST, "/users/"+w.v+"/roles", map[string]any{"role_id": w.viewer}, ""),
					bulkOp(client.DELETE, "/users/"+w.v+"/roles/"+w.viewer, nil, ""),
				}
			},
			func(w *world) []client.BulkImpact { return []client.BulkImpact{} }},
	}
	env := servertest.New(t) // one server, a tenant of its own per case
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tn := newTenant(t, env, fmt.Sprintf("case-%d", i))
			w := world{tn: tn, viewer: tn.role(t, "viewer", "docs:read").Id, editor: tn.role(t, "editor", "docs:write").Id}
			w.u = tn.user(t, "u@"+tn.ID+".test", w.editor).Id
			w.v = tn.user(t, "v@"+tn.ID+".test").Id
			ops := tc.ops(t, &w)
			uAllowed := tn.allowed(t, w.u, "docs:write")
			r := tn.dryRun(t, env, true, ops...)
			for _, res := range r.Results {
				require.Less(t, res.Status, 300, "%+v", r.Results)
			}
			want := tc.want(&w)
			for i := range want {
				if want[i].UserId == "new" { // the id the run made (and dropped)
					want[i].UserId = r.Results[0].Body.(map[string]any)["id"].(string)
				}
			}
			slices.SortFunc(want, func(a, b client.BulkImpact) int { return strings.Compare(a.UserId, b.UserId) })
			require.Equal(t, want, *r.Impact)
			require.Nil(t, r.ImpactTruncated)
			require.Equal(t, uAllowed, tn.allowed(t, w.u, "docs:write"), "the engine answers as before")
		})
	}
}

// Single-role tenants: an assignment replaces the user's role, so the dry
// run shows the old role's permissions lost and the new one's gained.
func TestBulkDryRun_singleRoleReplacement(t *testing.T) {
	env, acme, a, b := singleTenant(t)
	u := acme.user(t, "u@acme.test", a.Id)
	r := acme.dryRun(t, env, true, bulkOp(client.POST, "/users/"+u.Id+"/roles", map[string]any{"role_id": b.Id}, ""))
	require.Equal(t, []int{201}, statuses(r))
	require.Equal(t, []client.BulkImpact{imp(u.Id, "", []string{"docs:write"}, []string{"docs:read"})}, *r.Impact)
	require.Equal(t, []string{a.Id}, acme.globalRoles(t, u.Id), "nothing replaced for real")
}

// A dry run is authorized as the real thing: a forbidden operation answers
// 403 in its result, and a unit with a failure would write nothing.
func TestBulkDryRun_authorizedLikeTheRealThing(t *testing.T) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	helpdesk := tenant{ID: "acme", AdminToken: callerWith(t, env, "acme", acme.AdminToken, "users:write", "checks:read")}
	helpdesk.Admin = env.Client(helpdesk.AdminToken)
	r := helpdesk.dryRun(t, env, false,
		bulkOp(client.POST, "/users", map[string]any{"email": "new@acme.test"}, ""),
		bulkOp(client.PATCH, "/users/"+acme.AdminUser.Id, map[string]any{"status": "disabled"}, ""),
		bulkOp(client.POST, "/users", map[string]any{"email": "newer@acme.test"}, ""),
	)
	require.Equal(t, []int{201, 403, 424}, statuses(r), "the stronger user is protected; the unit stops there")
	require.Equal(t, "forbidden", r.Results[1].Body.(map[string]any)["code"])
	require.Empty(t, *r.Impact, "a unit with a failure would write nothing")

	ok := helpdesk.dryRun(t, env, true, bulkOp(client.POST, "/users", map[string]any{"email": "new@acme.test"}, ""))
	require.Equal(t, []int{201}, statuses(ok))
	require.Empty(t, *ok.Impact, "a user with no roles gains nothing (role_member grants none)")
}

// dry_run evaluates the operations together whatever atomic says: with
// atomic false, refs still carry ids forward and a failure stops the rest.
func TestBulkDryRun_alwaysOneUnit(t *testing.T) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	viewer := acme.role(t, "viewer", "docs:read")
	for _, atomic := range []bool{false, true} {
		r := acme.dryRun(t, env, atomic,
			bulkOp(client.POST, "/users", map[string]any{"email": "ada@acme.test"}, "ada"),
			bulkOp(client.POST, "/users/${ada}/roles", map[string]any{"role_id": viewer.Id}, ""),
		)
		require.Equal(t, []int{201, 201}, statuses(r))
		id := r.Results[0].Body.(map[string]any)["id"].(string)
		require.Equal(t, []client.BulkImpact{imp(id, "", []string{"docs:read"}, nil)}, *r.Impact)

		failed := acme.dryRun(t, env, atomic,
			bulkOp(client.POST, "/users", map[string]any{"email": "bob@acme.test"}, "bob"),
			bulkOp(client.POST, "/users/${bob}/roles", map[string]any{"role_id": "role_nope"}, ""),
			bulkOp(client.POST, "/users", map[string]any{"email": "cy@acme.test"}, ""),
		)
		require.Equal(t, []int{201, 400, 424}, statuses(failed), "atomic=%v", atomic)
		require.Empty(t, *failed.Impact)
	}
}

// Impact evaluates other users: a dry run needs checks:read besides what
// its operations need, else the whole request is 403 and nothing runs.
func TestBulkDryRun_needsChecksRead(t *testing.T) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	token := callerWith(t, env, "acme", acme.AdminToken, "users:write")
	rev := env.Revision("acme")
	dry := true
	res, err := env.Client(token).BulkWriteWithResponse(bg, "acme", client.BulkRequest{DryRun: &dry,
		Operations: []client.BulkOperation{bulkOp(client.POST, "/users", map[string]any{"email": "new@acme.test"}, "")}})
	require.NoError(t, err)
	requireProblem(t, res.HTTPResponse, res.Body, http.StatusForbidden, "forbidden", "")
	require.Contains(t, *problem(t, res.Body).Detail, "checks:read")
	require.Equal(t, rev, env.Revision("acme"))
}

// Past the limit, impact keeps its first entries (by user) and says it
// stopped.
func TestBulkDryRun_impactTruncated(t *testing.T) {
	server.SetMaxImpact(t, 2)
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	viewer := acme.role(t, "viewer", "docs:read")
	var ids []string
	for _, e := range []string{"a@acme.test", "b@acme.test", "c@acme.test"} {
		ids = append(ids, acme.user(t, e, viewer.Id).Id)
	}
	slices.Sort(ids)
	r := acme.dryRun(t, env, true, bulkOp(client.DELETE, "/roles/"+viewer.Id, nil, ""))
	require.Equal(t, []client.BulkImpact{imp(ids[0], "", nil, []string{"docs:read"}), imp(ids[1], "", nil, []string{"docs:read"})}, *r.Impact)
	require.Equal(t, ptr(true), r.ImpactTruncated)
}
