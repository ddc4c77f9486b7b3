package rbac

import "slices"

// The role-inheritance walks, written once: the evaluation engine's
// closures and the store's rules (no escalation, cycles) all use these.
// parents answers a role's direct parents; known reports whether a role
// exists (unknown ones are left out and not walked through).

// Ancestors returns ids and every role they inherit from, transitively,
// sorted and distinct, keeping only known roles. A cycle ends its branch.
func Ancestors(parents func(id string) []string, known func(id string) bool, ids ...string) []string {
	seen := make(map[string]bool, len(ids))
	var out []string
	stack := slices.Clone(ids)
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[id] || !known(id) {
			continue
		}
		seen[id] = true
		out = append(out, id)
		stack = append(stack, parents(id)...)
	}
	slices.Sort(out)
	return out
}

// FindCycle returns a path start → … → start along parent edges when start
// can reach itself, else nil.
func FindCycle(parents func(id string) []string, start string) []string {
	var path []string
	onPath := map[string]bool{}
	done := map[string]bool{}
	var visit func(id string) []string
	visit = func(id string) []string {
		if onPath[id] {
			i := slices.Index(path, id)
			return append(slices.Clone(path[i:]), id)
		}
		if done[id] {
			return nil
		}
		onPath[id] = true
		path = append(path, id)
		for _, p := range parents(id) {
			if c := visit(p); c != nil {
				return c
			}
		}
		path = path[:len(path)-1]
		onPath[id] = false
		done[id] = true
		return nil
	}
	return visit(start)
}
