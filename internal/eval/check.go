package eval

import (
	"slices"
	"time"

	"github.com/rosterhq/roster/internal/rbac"
)

// Decision is the answer to a check; RoleID and Pattern are empty when denied.
type Decision struct {
	Allowed bool
	RoleID  string // the smallest granting role id
	Pattern string // the smallest pattern of RoleID granting the permission
}

// entry is a user's cached answer for one query scope (global, or global
// plus one organization). It stays true while the epoch is unchanged, the
// user's own cache has not been cleared, and now is within the window, so
// time passing a NotBefore or ExpiresAt needs no background job.
type entry struct {
	org   string
	epoch uint64
	window
	// match: resource → action → the smallest considered role having the
	// pattern `resource:action`, with the pattern. The smallest granting
	// role of a check is the smallest among at most four lookups.
	match map[string]map[string]match
	perms []string // sorted, distinct
}

type match struct{ role, pattern string }

// maxEntries bounds the scopes cached per user, against callers cycling
// through many organizations.
const maxEntries = 4

// window is the span [from, until) within which the set of active grants
// seen so far does not change; a zero bound is unbounded.
type window struct{ from, until time.Time }

func (w *window) contains(now time.Time) bool {
	return (w.from.IsZero() || !now.Before(w.from)) && (w.until.IsZero() || now.Before(w.until))
}

// active reports whether g is active at now, and narrows w to the span in
// which that answer holds.
func (w *window) active(g rbac.Grant, now time.Time) bool {
	ok := true
	if g.NotBefore != nil {
		if now.Before(*g.NotBefore) {
			ok = false
			w.upTo(*g.NotBefore)
		} else {
			w.since(*g.NotBefore)
		}
	}
	if g.ExpiresAt != nil {
		if now.Before(*g.ExpiresAt) {
			w.upTo(*g.ExpiresAt)
		} else {
			ok = false
			w.since(*g.ExpiresAt)
		}
	}
	return ok
}

func (w *window) upTo(b time.Time) {
	if w.until.IsZero() || b.Before(w.until) {
		w.until = b
	}
}

func (w *window) since(b time.Time) {
	if w.from.IsZero() || b.After(w.from) {
		w.from = b
	}
}

// isActive is the product's rule for a grant, without caching concerns.
func isActive(g rbac.Grant, now time.Time) bool {
	return (g.NotBefore == nil || !now.Before(*g.NotBefore)) && (g.ExpiresAt == nil || now.Before(*g.ExpiresAt))
}

// Check reports whether the user holds a role whose own permissions grant
// permission: roles held globally, plus those held in org when org != "".
func (t *Tenant) Check(userID, permission, org string, now time.Time) Decision {
	keys, ok := grantingKeys(permission)
	if !ok {
		return Decision{}
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	e := t.entryFor(userID, org, now)
	if e == nil {
		return Decision{}
	}
	var best match
	found := false
	for _, k := range keys {
		m, ok := e.match[k[0]][k[1]]
		if ok && (!found || m.role < best.role || m.role == best.role && m.pattern < best.pattern) {
			best, found = m, true
		}
	}
	if !found {
		return Decision{}
	}
	return Decision{Allowed: true, RoleID: best.role, Pattern: best.pattern}
}

// Permissions is the sorted, distinct union of the own permissions of the
// roles Check considers.
func (t *Tenant) Permissions(userID, org string, now time.Time) []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	e := t.entryFor(userID, org, now)
	if e == nil || len(e.perms) == 0 {
		return []string{} // never nil: callers encode it as a JSON array
	}
	return slices.Clone(e.perms)
}

// entryFor returns the user's answer for the scope, from the cache when it
// is still true. Nil for an unknown or inactive user. Called under the read
// lock.
func (t *Tenant) entryFor(userID, org string, now time.Time) *entry {
	u := t.users[userID]
	if u == nil || !u.active {
		return nil
	}
	cached := u.cache.Load()
	if cached != nil {
		for _, e := range *cached {
			if e.org == org && e.epoch == t.epoch && e.contains(now) {
				return e
			}
		}
	}
	e := t.evaluate(u, org, now)
	// Concurrent readers may overwrite each other's additions; that only
	// costs a recomputation.
	next := []*entry{e}
	if cached != nil {
		for _, old := range *cached {
			if old.org != org && old.epoch == t.epoch && len(next) < maxEntries {
				next = append(next, old)
			}
		}
	}
	u.cache.Store(&next)
	return e
}

func (t *Tenant) evaluate(u *user, org string, now time.Time) *entry {
	e := &entry{org: org, epoch: t.epoch}
	held := make(map[string]struct{})
	t.heldIn(u, "", now, &e.window, held)
	if org != "" {
		t.heldIn(u, org, now, &e.window, held)
	}
	e.match = make(map[string]map[string]match)
	for id := range held {
		for _, p := range t.roles[id].perms {
			e.perms = append(e.perms, p)
			keys, ok := grantingKeys(p)
			if !ok {
				continue
			}
			res, act := keys[0][0], keys[0][1]
			byAct := e.match[res]
			if byAct == nil {
				byAct = make(map[string]match)
				e.match[res] = byAct
			}
			if m, ok := byAct[act]; !ok || id < m.role {
				byAct[act] = match{role: id, pattern: p}
			}
		}
	}
	slices.Sort(e.perms)
	e.perms = slices.Compact(e.perms)
	return e
}

// heldIn adds to held the known roles u holds in scope (org id, "" for
// global) at now, narrowing w to when that stays true.
func (t *Tenant) heldIn(u *user, scope string, now time.Time, w *window, held map[string]struct{}) {
	add := func(g rbac.Grant) {
		if g.OrgID == scope && w.active(g, now) {
			for _, a := range t.ancestors[g.RoleID] {
				held[a] = struct{}{}
			}
		}
	}
	for _, g := range u.grants {
		add(g)
	}
	for gid := range t.memberOf[u.id] {
		for _, g := range t.groups[gid].grants {
			add(g)
		}
	}
	if scope == "" {
		for _, d := range t.defaults {
			for _, a := range t.ancestors[d] {
				held[a] = struct{}{}
			}
		}
	}
}
