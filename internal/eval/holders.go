package eval

import (
	"container/heap"
	"slices"
	"time"

	"github.com/google/btree"

	"github.com/rosterhq/roster/internal/rbac"
)

// defaultLimit is the page size when the caller asks for none.
const defaultLimit = 20

// HoldersOfRole lists, in id order after `after`, up to limit active users
// holding the role through any source in the global scope (or global ∪ org
// when org != ""); next is the last id returned when more exist, else "".
func (t *Tenant) HoldersOfRole(roleID, org, after string, limit int, now time.Time) (ids []string, next string) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.holdersOfRole(roleID, org, after, limit, now)
}

func (t *Tenant) holdersOfRole(roleID, org, after string, limit int, now time.Time) (ids []string, next string) {
	return t.holders(t.impliers[roleID], org, after, limit, now)
}

// HoldersOfPermission is HoldersOfRole for the users Check would allow.
// permission may be owner-only (`todo:update:own`): then its holders are
// the users CheckOwned would allow on a resource they own, through a plain
// pattern or an owner-only one; a plain permission's holders hold a plain
// pattern granting it.
func (t *Tenant) HoldersOfPermission(permission, org, after string, limit int, now time.Time) (ids []string, next string) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.holdersOfPermission(permission, org, after, limit, now)
}

func (t *Tenant) holdersOfPermission(permission, org, after string, limit int, now time.Time) (ids []string, next string) {
	keys, own, ok := grantingKeys(permission)
	if !ok {
		return []string{}, ""
	}
	var roles []string
	for _, k := range keys {
		for _, granting := range t.patterns[k[0]][k[1]] {
			roles = append(roles, t.impliers[granting]...)
		}
		if own {
			for _, granting := range t.patterns[k[0]][k[1]+rbac.OwnSuffix] {
				roles = append(roles, t.impliers[granting]...)
			}
		}
	}
	slices.Sort(roles)
	return t.holders(slices.Compact(roles), org, after, limit, now)
}

// holders merges the sorted sources of users holding any of roles: direct
// grants, members of groups with a grant, or everybody for a default role.
// Each source is sought to `after` and read lazily, so a page costs about
// limit × sources steps whatever the tenant's size; grants out of their
// window and inactive members are skipped as they come.
func (t *Tenant) holders(roles []string, org, after string, limit int, now time.Time) ([]string, string) {
	if limit <= 0 {
		limit = defaultLimit
	}
	scopes := []string{""}
	if org != "" {
		scopes = append(scopes, org)
	}
	var m merge
	seenGroups := make(map[string]bool)
	for _, id := range roles {
		if t.roles[id].def {
			// Every active user holds it globally, and global always counts.
			m = merge{treeCursor(t.active, after, nil)}
			break
		}
		for _, scope := range scopes {
			if tree := t.direct[id][scope]; tree != nil {
				m = append(m, treeCursor(tree, after, func(uid string) bool {
					u := t.users[uid]
					return u != nil && u.active && slices.ContainsFunc(u.grants, func(g rbac.Grant) bool {
						return g.RoleID == id && g.OrgID == scope && isActive(g, now)
					})
				}))
			}
			for gid := range t.groupGrants[id][scope] {
				g := t.groups[gid]
				if seenGroups[gid] || !slices.ContainsFunc(g.grants, func(g rbac.Grant) bool {
					return g.RoleID == id && g.OrgID == scope && isActive(g, now)
				}) {
					continue
				}
				seenGroups[gid] = true
				i, _ := slices.BinarySearch(g.members, after)
				m = append(m, sliceCursor(g.members[i:], after, t.isActive))
			}
		}
	}
	ids := m.take(after, limit)
	if len(ids) > limit {
		return ids[:limit], ids[limit-1]
	}
	return ids, ""
}

func (t *Tenant) isActive(userID string) bool {
	u := t.users[userID]
	return u != nil && u.active
}

// cursor reads one sorted source of user ids from after onwards: a slice
// (a group's members) or a B-tree read ahead chunk by chunk.
//
// The two kinds of storage are kept apart because they have different
// owners. win is only ever read and re-sliced from the front: for a slice
// source it is the group's own member list, which a query under the read
// lock must never write to. own is the tree's refill buffer, allocated by
// the cursor and only ever re-sliced to [:0] and appended to, so refilling
// depends on nothing win's consumption did to capacities (re-slicing a
// consumed window back up to a chunk's capacity once panicked on every
// source of more than 32 ids).
type cursor struct {
	win   []string              // ids not yet read: a window on the source slice or on own
	own   []string              // the tree's refill buffer; nil for a slice source
	tree  *btree.BTreeG[string] // refills own; nil for a slice, or once drained
	after string                // ids up to here are consumed
	keep  func(string) bool     // nil keeps all
	head  string
}

// chunk is how many ids a tree cursor reads ahead under one descent.
const chunk = 32

func treeCursor(tree *btree.BTreeG[string], after string, keep func(string) bool) *cursor {
	return &cursor{tree: tree, after: after, keep: keep, own: make([]string, 0, chunk)}
}

func sliceCursor(ids []string, after string, keep func(string) bool) *cursor {
	return &cursor{win: ids, after: after, keep: keep}
}

// advance moves head to the next kept id; false when there is none.
func (c *cursor) advance() bool {
	for {
		for len(c.win) > 0 {
			id := c.win[0]
			c.win = c.win[1:]
			if id <= c.after {
				continue
			}
			c.after = id
			if c.keep == nil || c.keep(id) {
				c.head = id
				return true
			}
		}
		if !c.refill() {
			return false
		}
	}
}

// refill reads the next chunk of ids after c.after from the tree into own;
// false when the tree has none left.
func (c *cursor) refill() bool {
	if c.tree == nil {
		return false
	}
	buf := c.own[:0]
	c.tree.AscendGreaterOrEqual(c.after, func(id string) bool {
		if id > c.after {
			buf = append(buf, id)
		}
		return len(buf) < chunk
	})
	if len(buf) < chunk {
		c.tree = nil // a short read reached the end
	}
	c.own, c.win = buf, buf
	return len(buf) > 0
}

// merge is a min-heap of cursors by head.
type merge []*cursor

func (m merge) Len() int           { return len(m) }
func (m merge) Less(i, j int) bool { return m[i].head < m[j].head }
func (m merge) Swap(i, j int)      { m[i], m[j] = m[j], m[i] }
func (m *merge) Push(x any)        { *m = append(*m, x.(*cursor)) }
func (m *merge) Pop() any {
	old := *m
	c := old[len(old)-1]
	*m = old[:len(old)-1]
	return c
}

// take returns up to n distinct ids in order, and one more when there is
// one: it tells the caller that another page exists. (Asking for n+1
// instead would overflow for the largest n.)
func (m merge) take(after string, n int) []string {
	live := m[:0]
	for _, c := range m {
		if c.advance() {
			live = append(live, c)
		}
	}
	heap.Init(&live)
	ids := []string{}
	last := after
	for len(live) > 0 && len(ids) <= n {
		c := live[0]
		if c.head > last {
			ids = append(ids, c.head)
			last = c.head
		}
		if c.advance() {
			heap.Fix(&live, 0)
		} else {
			heap.Pop(&live)
		}
	}
	return ids
}
