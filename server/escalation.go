package server

import (
	"context"

	"github.com/rosterhq/roster/internal/rbac"
)

// permEscalate lifts the no-escalation rule for its holder.
const permEscalate = "roles:escalate"

// No escalation (API.md, "Who may call what"): a caller may only create a
// role, change one, or grant one whose effective permissions (its own and
// everything it inherits) it holds itself. The store cannot check this — it
// does not know the caller's permissions — so the HTTP layer does, before the
// write. Unknown role ids are skipped here: the store answers them with 400
// or 404 in the contract's order.

// checkCovers answers 403 unless the caller holds every permission in perms.
func checkCovers(ctx context.Context, perms []string) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	if p.Token.Operator() {
		return nil
	}
	if ok, err := p.Grants(ctx, permEscalate); err != nil || ok {
		return err
	}
	for _, q := range perms {
		ok, err := p.Grants(ctx, q)
		if err != nil {
			return err
		}
		if !ok {
			return rbac.Errorf(rbac.EForbidden, "the role reaches beyond the caller's permissions (%s)", q)
		}
	}
	return nil
}

// checkGrant answers 403 unless the caller may grant every role in roleIDs
// directly (assign, replace, add, user create/patch, group roles,
// relationships). A role that is not assignable is left to the store, which
// refuses it with 400 whoever asks (API.md, "Roles"): were it counted here,
// a weaker caller would see 403 for what is a 400 for everyone else.
func (s *Server) checkGrant(ctx context.Context, tenantID string, roleIDs ...string) error {
	return s.checkGrantOf(ctx, tenantID, roleIDs, true)
}

// checkHeldGrant answers 403 unless the caller may grant every role in
// roleIDs, which something already holds (a group whose members are about
// to change): here no store check follows, so non-assignable roles count.
func (s *Server) checkHeldGrant(ctx context.Context, tenantID string, roleIDs ...string) error {
	return s.checkGrantOf(ctx, tenantID, roleIDs, false)
}

func (s *Server) checkGrantOf(ctx context.Context, tenantID string, roleIDs []string, skipUnassignable bool) error {
	if p := principalFrom(ctx); p != nil && p.Token.Operator() {
		return nil // skip the lookups
	}
	if skipUnassignable {
		var err error
		if roleIDs, err = s.assignable(ctx, tenantID, roleIDs); err != nil {
			return err
		}
	}
	perms, err := s.effectivePermissions(ctx, tenantID, roleIDs)
	if err != nil {
		return err
	}
	return checkCovers(ctx, perms)
}

// assignable keeps the roles of roleIDs that exist and may be granted.
func (s *Server) assignable(ctx context.Context, tenantID string, roleIDs []string) ([]string, error) {
	out := make([]string, 0, len(roleIDs))
	for _, id := range roleIDs {
		r, err := s.Store.GetRole(ctx, tenantID, id)
		if rbac.IsCode(err, rbac.ENotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if r.Assignable {
			out = append(out, id)
		}
	}
	return out, nil
}

// checkRole answers 403 unless the caller holds every permission a role
// would have with these permissions and parents: sent are the parents named
// in the request (one that is not assignable is the store's 400), kept the
// ones an update leaves as they were (all count).
func (s *Server) checkRole(ctx context.Context, tenantID string, perms, sent, kept []string) error {
	if p := principalFrom(ctx); p != nil && p.Token.Operator() {
		return nil
	}
	parents, err := s.assignable(ctx, tenantID, sent)
	if err != nil {
		return err
	}
	inherited, err := s.effectivePermissions(ctx, tenantID, append(parents, kept...))
	if err != nil {
		return err
	}
	return checkCovers(ctx, append(append([]string(nil), perms...), inherited...))
}

// effectivePermissions returns the permissions of roleIDs and of every role
// they inherit from, transitively; a cycle or a missing role ends its branch.
func (s *Server) effectivePermissions(ctx context.Context, tenantID string, roleIDs []string) ([]string, error) {
	var perms []string
	seen := map[string]bool{}
	queue := append([]string(nil), roleIDs...)
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if seen[id] {
			continue
		}
		seen[id] = true
		r, err := s.Store.GetRole(ctx, tenantID, id)
		if rbac.IsCode(err, rbac.ENotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		perms = append(perms, r.Permissions...)
		queue = append(queue, r.InheritsFrom...)
	}
	return perms, nil
}
