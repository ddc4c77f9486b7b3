package rbac

import (
	"reflect"
	"testing"
)

func TestRoleGraph(t *testing.T) {
	edges := map[string][]string{"a": {"b", "ghost"}, "b": {"c"}, "c": nil, "x": {"y"}, "y": {"x"}}
	parents := func(id string) []string { return edges[id] }
	known := func(id string) bool { _, ok := edges[id]; return ok }
	for _, tt := range []struct {
		ids  []string
		want []string
	}{
		{[]string{"a"}, []string{"a", "b", "c"}},
		{[]string{"c", "b"}, []string{"b", "c"}},
		{[]string{"ghost"}, nil},
		{[]string{"x"}, []string{"x", "y"}},
	} {
		if got := Ancestors(parents, known, tt.ids...); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Ancestors(%v) = %v, want %v", tt.ids, got, tt.want)
		}
	}
	if got := FindCycle(parents, "x"); !reflect.DeepEqual(got, []string{"x", "y", "x"}) {
		t.Errorf("FindCycle(x) = %v", got)
	}
	if got := FindCycle(parents, "a"); got != nil {
		t.Errorf("FindCycle(a) = %v, want none", got)
	}
}
