package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// size is the shape of the benchmark tenant.
type size struct {
	Users        int
	Roles        int
	MaxDepth     int // longest inheritance chain, counting the role itself
	Orgs         int
	Groups       int
	GroupMembers int
}

// fullSize is the dataset of issue #3's "Performance" section.
func fullSize(users int) size {
	return size{Users: users, Roles: 200, MaxDepth: 5, Orgs: 20, Groups: 50, GroupMembers: 20}
}

// quickSize is a smoke run: the same shape, a hundredth of the data.
func quickSize() size {
	return size{Users: 300, Roles: 40, MaxDepth: 5, Orgs: 5, Groups: 10, GroupMembers: 10}
}

// grant is a role held globally (org == -1) or in organization org.
type grant struct {
	role int
	org  int
}

type planRole struct {
	name    string
	perms   []string
	parents []int // indices of earlier roles
}

type planUser struct {
	global []int   // direct global roles, given to CreateUser
	scoped []grant // direct organization-scoped roles, given to Assign
}

type planGroup struct {
	members []int
	grants  []grant
}

// plan is the whole tenant, decided before anything is written, so the
// expected answer to every check is known without asking the server.
type plan struct {
	size   size
	roles  []planRole
	users  []planUser
	groups []planGroup

	closure [][]int    // role -> itself and every role it inherits, transitively
	perms   [][]string // user -> permission patterns held globally, sorted
}

var actions = []string{"read", "write", "list", "delete", "approve"}

// Permissions nobody holds: no role grants the action "purge" in any form.
const deniedAction = "purge"

// makePlan draws a tenant of shape sz from a seeded generator: roles in
// inheritance chains of 1..MaxDepth (a few with a second parent, the root
// of an earlier chain), 1-5 permissions each (some `resN:*`, rarely
// `*:list`), 1-3 direct roles per user of which about one in six is
// organization-scoped, and groups of distinct members holding 1-2 roles.
func makePlan(sz size, seed uint64) *plan {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	p := &plan{size: sz}

	var roots []int
	for len(p.roles) < sz.Roles {
		length := 1 + rng.IntN(sz.MaxDepth)
		for level := 0; level < length && len(p.roles) < sz.Roles; level++ {
			i := len(p.roles)
			r := planRole{name: fmt.Sprintf("r%03d", i), perms: randomPerms(rng)}
			if level > 0 {
				r.parents = append(r.parents, i-1)
			}
			// A second parent, the root of an earlier chain (depth 1, as
			// roots have no parents), keeps every path within MaxDepth.
			if level > 0 && len(roots) > 0 && rng.IntN(10) == 0 {
				if extra := roots[rng.IntN(len(roots))]; !slices.Contains(r.parents, extra) {
					r.parents = append(r.parents, extra)
				}
			}
			if level == 0 {
				roots = append(roots, i)
			}
			p.roles = append(p.roles, r)
		}
	}

	p.users = make([]planUser, sz.Users)
	for i := range p.users {
		u := &p.users[i]
		for _, role := range distinct(rng, sz.Roles, 1+rng.IntN(3)) {
			if sz.Orgs > 0 && rng.IntN(6) == 0 {
				u.scoped = append(u.scoped, grant{role: role, org: rng.IntN(sz.Orgs)})
			} else {
				u.global = append(u.global, role)
			}
		}
	}

	p.groups = make([]planGroup, sz.Groups)
	for i := range p.groups {
		g := &p.groups[i]
		g.members = distinct(rng, sz.Users, sz.GroupMembers)
		for _, role := range distinct(rng, sz.Roles, 1+rng.IntN(2)) {
			org := -1
			if sz.Orgs > 0 && rng.IntN(5) == 0 {
				org = rng.IntN(sz.Orgs)
			}
			g.grants = append(g.grants, grant{role: role, org: org})
		}
	}

	p.computeExpectations()
	return p
}

func randomPerms(rng *rand.Rand) []string {
	n := 1 + rng.IntN(5)
	set := map[string]bool{}
	for len(set) < n {
		res := fmt.Sprintf("res%d", rng.IntN(100))
		switch k := rng.IntN(100); {
		case k == 0:
			set["*:list"] = true
		case k < 6:
			set[res+":*"] = true
		default:
			set[res+":"+actions[rng.IntN(len(actions))]] = true
		}
	}
	perms := make([]string, 0, n)
	for q := range set {
		perms = append(perms, q)
	}
	slices.Sort(perms)
	return perms
}

// distinct returns k distinct numbers in [0, n).
func distinct(rng *rand.Rand, n, k int) []int {
	k = min(k, n)
	seen := make(map[int]bool, k)
	out := make([]int, 0, k)
	for len(out) < k {
		if i := rng.IntN(n); !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	return out
}

// computeExpectations is the benchmark's own reference model of a global
// check: direct global roles, global roles of the user's groups, everything
// they inherit; the default role (role_member) has no permissions here.
func (p *plan) computeExpectations() {
	p.closure = make([][]int, len(p.roles))
	for i := range p.roles {
		seen := map[int]bool{}
		stack := []int{i}
		for len(stack) > 0 {
			r := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[r] {
				continue
			}
			seen[r] = true
			p.closure[i] = append(p.closure[i], r)
			stack = append(stack, p.roles[r].parents...)
		}
	}

	held := make([][]int, len(p.users))
	for i, u := range p.users {
		held[i] = append(held[i], u.global...)
	}
	for _, g := range p.groups {
		for _, gr := range g.grants {
			if gr.org >= 0 {
				continue
			}
			for _, m := range g.members {
				held[m] = append(held[m], gr.role)
			}
		}
	}

	p.perms = make([][]string, len(p.users))
	for i, roles := range held {
		set := map[string]bool{}
		for _, r := range roles {
			for _, c := range p.closure[r] {
				for _, q := range p.roles[c].perms {
					set[q] = true
				}
			}
		}
		for q := range set {
			p.perms[i] = append(p.perms[i], q)
		}
		slices.Sort(p.perms[i])
	}
}

// maxDepth is the longest inheritance path in the plan, counting the role itself.
func (p *plan) maxDepth() int {
	depth := make([]int, len(p.roles))
	best := 0
	for i, r := range p.roles { // parents always come first
		depth[i] = 1
		for _, parent := range r.parents {
			depth[i] = max(depth[i], depth[parent]+1)
		}
		best = max(best, depth[i])
	}
	return best
}

// check is one permission check with its expected answer.
type check struct {
	user       int
	permission string
	allowed    bool
}

// randomCheck draws an allowed check (a permission one of the user's
// patterns grants, wildcards filled in) or a denied one (an action nobody
// holds), each half the time; users who hold nothing get denied checks.
func (p *plan) randomCheck(rng *rand.Rand) check {
	u := rng.IntN(len(p.users))
	if perms := p.perms[u]; len(perms) > 0 && rng.IntN(2) == 0 {
		res, act, _ := strings.Cut(perms[rng.IntN(len(perms))], ":")
		if res == "*" {
			res = fmt.Sprintf("res%d", rng.IntN(100))
		}
		if act == "*" {
			act = actions[rng.IntN(len(actions))]
		}
		return check{user: u, permission: res + ":" + act, allowed: true}
	}
	return check{user: u, permission: fmt.Sprintf("vault%d:%s", rng.IntN(100), deniedAction), allowed: false}
}

// counts summarises the plan for the report.
func (p *plan) counts() (globalDirect, scopedDirect, groupGrants, memberships int) {
	for _, u := range p.users {
		globalDirect += len(u.global)
		scopedDirect += len(u.scoped)
	}
	for _, g := range p.groups {
		groupGrants += len(g.grants)
		memberships += len(g.members)
	}
	return
}
