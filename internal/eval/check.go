package eval

import (
	"slices"
	"strings"
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
	*roleSet
}

// roleSet is what holding a set of roles means. Many users hold the same
// set, so sets are shared (see closure.sets): a user's cache entry costs a
// few words, and evaluating a user mostly costs finding its held roles.
type roleSet struct {
	// match: own pattern of a role in the set, as written → the smallest
	// such role. The smallest granting role of a check is the smallest
	// among at most four lookups, one per plain pattern that could grant
	// it, and four more with `:own` appended when the user owns the resource.
	match map[string]match
	perms []string // sorted, distinct
}

type match struct{ role, pattern string }

// less orders matches by role, then pattern: a check reports the least.
func (m match) less(o match) bool {
	return m.role < o.role || m.role == o.role && m.pattern < o.pattern
}

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
// It is CheckOwned for a resource the user does not own (or none): only
// plain patterns grant.
func (t *Tenant) Check(userID, permission, org string, now time.Time) Decision {
	return t.CheckOwned(userID, permission, org, false, now)
}

// CheckOwned is Check on a resource that the user owns when owned: then an
// owner-only pattern (`todo:update:own`, `todo:*:own`) grants too. The
// permission is a plain `resource:action` (a `:own` one is granted to
// nobody). The decision names the smallest granting role and, of its
// patterns granting, the smallest, plain and owner-only alike, as written.
func (t *Tenant) CheckOwned(userID, permission, org string, owned bool, now time.Time) Decision {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.check(userID, permission, org, owned, now)
}

func (t *Tenant) check(userID, permission, org string, owned bool, now time.Time) Decision {
	keys, own, ok := grantingKeys(permission)
	if !ok || own {
		return Decision{}
	}
	e := t.entryFor(userID, org, now)
	if e == nil {
		return Decision{}
	}
	var best match
	found := false
	var buf [128]byte
	for _, k := range keys {
		// Indexing with string(bytes) does not allocate.
		key := append(append(append(buf[:0], k[0]...), ':'), k[1]...)
		if m, ok := e.match[string(key)]; ok && (!found || m.less(best)) {
			best, found = m, true
		}
		if owned {
			key = append(key, rbac.OwnSuffix...)
			if m, ok := e.match[string(key)]; ok && (!found || m.less(best)) {
				best, found = m, true
			}
		}
	}
	if !found {
		return Decision{}
	}
	return Decision{Allowed: true, RoleID: best.role, Pattern: best.pattern}
}

// Permissions is the sorted, distinct union of the own permissions of the
// roles Check considers, owner-only patterns as written (`todo:update:own`).
// The slice is shared with the cache and with other callers: read it, never
// modify it (its capacity is clipped, so append copies).
func (t *Tenant) Permissions(userID, org string, now time.Time) []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.permissions(userID, org, now)
}

func (t *Tenant) permissions(userID, org string, now time.Time) []string {
	e := t.entryFor(userID, org, now)
	if e == nil || len(e.perms) == 0 {
		return []string{} // never nil: callers encode it as a JSON array
	}
	return e.perms
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
				cacheStats.hits.Add(1)
				return e
			}
		}
	}
	cacheStats.misses.Add(1)
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
	held := t.heldIn(u, "", now, &e.window, nil)
	if org != "" {
		held = t.heldIn(u, org, now, &e.window, held)
	}
	slices.Sort(held)
	held = slices.Compact(held)
	key := strings.Join(held, "\x00")
	if rs, ok := t.sets.Load(key); ok {
		e.roleSet = rs.(*roleSet)
		return e
	}
	rs := &roleSet{match: make(map[string]match)}
	for _, id := range held {
		for _, p := range t.roles[id].perms {
			rs.perms = append(rs.perms, p)
			if !strings.Contains(p, ":") {
				continue // grants nothing
			}
			// held is sorted: the first role seen with a pattern is the smallest.
			if _, ok := rs.match[p]; !ok {
				rs.match[p] = match{role: id, pattern: p}
			}
		}
	}
	slices.Sort(rs.perms)
	rs.perms = slices.Clip(slices.Compact(rs.perms))
	t.sets.Store(key, rs)
	e.roleSet = rs
	return e
}

// heldIn appends to held the known roles u holds in scope (org id, "" for
// global) at now, possibly repeated, narrowing w to when that stays true.
func (t *Tenant) heldIn(u *user, scope string, now time.Time, w *window, held []string) []string {
	add := func(g rbac.Grant) {
		if g.OrgID == scope && w.active(g, now) {
			held = append(held, t.ancestors[g.RoleID]...)
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
			held = append(held, t.ancestors[d]...)
		}
	}
	return held
}
