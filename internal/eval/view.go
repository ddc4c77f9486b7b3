package eval

import "time"

// View is one state of a tenant, held for the queries of one response so
// that they all answer from it: a batch of checks, an evaluated list and the
// revision reported with them agree, whatever Apply does meanwhile.
//
// A View holds the tenant's read lock until Close: keep it for the
// computation only (no I/O, no waiting), and never call the Tenant's own
// methods, or take another View, while it is open — a pending Apply would
// make that second read lock wait for the first, forever.
type View struct{ t *Tenant }

// View opens a view of the tenant's current state; Close it.
func (t *Tenant) View() View {
	t.mu.RLock()
	return View{t}
}

// Read runs fn in a view of the tenant's current state and closes it, also
// when fn panics: a view left open would block every Apply, and with it
// every later catch-up of the tenant, for good.
func (t *Tenant) Read(fn func(v View)) {
	v := t.View()
	defer v.Close()
	fn(v)
}

// Close ends the view.
func (v View) Close() { v.t.mu.RUnlock() }

// Revision is the revision of the state the view reads.
func (v View) Revision() int64 { return v.t.rev.Load() }

// HasUser reports whether the user exists, active or not.
func (v View) HasUser(id string) bool { return v.t.users[id] != nil }

// Check is Tenant.Check in this view.
func (v View) Check(userID, permission, org string, now time.Time) Decision {
	return v.t.check(userID, permission, org, false, now)
}

// CheckOwned is Tenant.CheckOwned in this view.
func (v View) CheckOwned(userID, permission, org string, owned bool, now time.Time) Decision {
	return v.t.check(userID, permission, org, owned, now)
}

// ResolveUser is Tenant.ResolveUser in this view.
func (v View) ResolveUser(ref string) (id string, ok bool) { return v.t.resolveUser(ref) }

// IsOwner reports whether owner — a user id, external_user_id or email, as
// ResolveUser reads it — names the user userID: a check's owner turned into
// CheckOwned's owned. No owner ("") is nobody.
func (v View) IsOwner(userID, owner string) bool {
	id, ok := v.t.resolveUser(owner)
	return ok && id == userID
}

// Permissions is Tenant.Permissions in this view.
func (v View) Permissions(userID, org string, now time.Time) []string {
	return v.t.permissions(userID, org, now)
}

// EvaluatedRoles is Tenant.EvaluatedRoles in this view.
func (v View) EvaluatedRoles(userID, org string, allScopes bool, now time.Time) []EvaluatedRole {
	return v.t.evaluatedRoles(userID, org, allScopes, now)
}

// HoldersOfRole is Tenant.HoldersOfRole in this view.
func (v View) HoldersOfRole(roleID, org, after string, limit int, now time.Time) ([]string, string) {
	return v.t.holdersOfRole(roleID, org, after, limit, now)
}

// HoldersOfPermission is Tenant.HoldersOfPermission in this view.
func (v View) HoldersOfPermission(permission, org, after string, limit int, now time.Time) ([]string, string) {
	return v.t.holdersOfPermission(permission, org, after, limit, now)
}

// HasUser reports whether the user exists, active or not.
func (t *Tenant) HasUser(id string) bool {
	v := t.View()
	defer v.Close()
	return v.HasUser(id)
}
