package server

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The owner, who holds a permission through an owner-only grant only, is
// placed in the holders' id order across pages, exactly once, and pages
// keep their size.
func TestWithOwner(t *testing.T) {
	cases := []struct {
		name     string
		ids      []string
		next     string
		owner    string
		limit    int
		wantIDs  []string
		wantNext string
	}{
		{"inside a full page: the last moves to the next page", []string{"a", "c"}, "c", "b", 2, []string{"a", "b"}, "b"},
		{"after a page with more to come: a later page has it", []string{"a", "c"}, "c", "d", 2, []string{"a", "c"}, "c"},
		{"after the last page, which has room", []string{"a"}, "", "b", 2, []string{"a", "b"}, ""},
		{"after the last page, which is full: one more page", []string{"a", "c"}, "", "d", 2, []string{"a", "c"}, "c"},
		{"an empty last page", nil, "", "b", 2, []string{"b"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ids, next := withOwner(append([]string(nil), c.ids...), c.next, c.owner, c.limit)
			require.Equal(t, c.wantIDs, ids)
			require.Equal(t, c.wantNext, next)
		})
	}
}
