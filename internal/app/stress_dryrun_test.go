package app_test

import (
	"net/http"

	"github.com/rosterhq/roster/client"
)

// dryRun is the stress test's what-if writer: a dry run of writes that, if
// any of them ever reached an engine, the readers or the final comparison
// would catch — the flip role's holders emptied (readers require exactly
// set A or set B to hold flip:go, always), a stable user deleted (the
// comparison requires it), a role's permissions rewritten, and a user made
// with a role, whose id must stay unknown everywhere.
func (w *worker) dryRun(kind string) {
	s := w.s
	stable, role := s.reg.pick(w.rng, &s.reg.stable), w.pickRole()
	ref := "u"
	ops := []client.BulkOperation{
		{Method: client.POST, Path: "/users", Body: map[string]any{"email": string(email(w.unique("dry"))), "roles": []string{role}}, Ref: &ref},
		{Method: client.PUT, Path: "/roles/" + stressFlipRole + "/relationships/assigned_users", Body: map[string]any{"data": []any{}}},
		{Method: client.PUT, Path: "/roles/" + role, Body: map[string]any{"permissions": w.somePerms()}},
		{Method: client.DELETE, Path: "/users/" + stable},
	}
	dry := true
	res, err := w.c().BulkWriteWithResponse(s.ctx, stressTenant, client.BulkRequest{Operations: ops, DryRun: &dry})
	if !w.wrote(kind, res, err, stable, role) {
		return
	}
	if res.JSON200.Committed {
		s.problems.add(s.servers[w.home], "dry run committed", "%s: %+v", w.name, res.JSON200.Results)
	}
	made, _ := res.JSON200.Results[0].Body.(map[string]any)
	id, _ := made["id"].(string)
	if id == "" {
		return // a race lost inside the unit (the stable user's role rewired, say)
	}
	i := w.anyServer()
	chk, err := w.cs[i].CheckPermissionWithResponse(s.ctx, stressTenant, nil, client.CheckRequest{UserId: id, Permission: "docs:read"})
	// A user_id in the body that no one has is 400 (API.md, Conventions).
	if w.readOK("check_dry_user", i, chk, err) && chk.StatusCode() != http.StatusBadRequest {
		s.problems.add(s.servers[i], "a dry run's user is known to /check", "%s: %d %s", id, chk.StatusCode(), chk.Body)
	}
}
