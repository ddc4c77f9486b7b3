package archtest

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/rosterhq/roster/"

// rule is one package's import rule, as its doc.go states it: an import is
// refused when it starts with a denied prefix, or, when allowed is set, when
// it is neither the standard library nor one of the allowed prefixes.
type rule struct {
	allowed []string // nil: anything not denied
	denied  []string
}

var rules = map[string]rule{
	// "It imports nothing from the HTTP layer or from any database driver."
	"internal/rbac": {allowed: []string{}},
	// "It imports only the standard library, internal/rbac and github.com/google/btree."
	"internal/eval": {allowed: []string{module + "internal/rbac", "github.com/google/btree"}},
	// "It imports internal/rbac and internal/eval, and reaches the database only through rbac.EvalSource."
	"internal/live": {allowed: []string{module + "internal/rbac", module + "internal/eval"}},
	// "It imports only goose and database/sql."
	"internal/migrations": {allowed: []string{"github.com/pressly/goose/v3"}},
	// "It never imports echo, GORM or anything under internal/ from non-test files."
	"client": {denied: []string{"github.com/labstack/echo", "gorm.io/", module + "internal/", module + "server", module + "gen"}},
	// "It talks to storage only through rbac.Store and must not import a database driver, GORM, or internal/app."
	"server":            {denied: []string{"gorm.io/", "github.com/mattn/go-sqlite3", "github.com/jackc/pgx", module + "internal/app", module + "internal/store"}},
	"internal/archtest": {allowed: []string{}},
}

// TestImports checks the non-test imports of every package with a rule.
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports,Standard", module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := map[string]bool{}
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(p.ImportPath, module)
		r, ok := rules[name]
		if !ok {
			continue
		}
		seen[name] = true
		for _, imp := range p.Imports {
			if !r.allows(imp) {
				t.Errorf("%s imports %s, which its doc.go rules out", name, imp)
			}
		}
	}
	for name := range rules {
		if !seen[name] {
			t.Errorf("no package %s: the rule is stale", name)
		}
	}
}

func (r rule) allows(imp string) bool {
	for _, d := range r.denied {
		if strings.HasPrefix(imp, d) {
			return false
		}
	}
	if r.allowed == nil || isStandard(imp) {
		return true
	}
	for _, a := range r.allowed {
		if imp == a || strings.HasPrefix(imp, a+"/") {
			return true
		}
	}
	return false
}

// isStandard: the standard library's paths have no dot in their first element.
func isStandard(imp string) bool {
	first, _, _ := strings.Cut(imp, "/")
	return !strings.Contains(first, ".")
}

func TestRule_allows(t *testing.T) {
	eval := rules["internal/eval"]
	client := rules["client"]
	for _, tt := range []struct {
		r    rule
		imp  string
		want bool
	}{
		{eval, "slices", true},
		{eval, "github.com/google/btree", true},
		{eval, module + "internal/rbac", true},
		{eval, module + "internal/live", false},
		{eval, "gorm.io/gorm", false},
		{client, "net/http", true},
		{client, "github.com/oapi-codegen/runtime", true},
		{client, "github.com/labstack/echo/v4", false},
		{client, module + "internal/rbac", false},
	} {
		if got := tt.r.allows(tt.imp); got != tt.want {
			t.Errorf("allows(%q) = %v, want %v", tt.imp, got, tt.want)
		}
	}
}
