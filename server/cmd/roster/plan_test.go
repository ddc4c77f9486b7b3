package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// exampleFile is the documented example, which the tests apply.
const exampleFile = "../../../docs/examples/tenant.yaml"

// newPlanCLI starts a server whose tenant holds the users the example
// file names.
func newPlanCLI(t *testing.T) *cli {
	c := newCLI(t, startServer(t))
	for _, u := range []string{"grace", "bob", "carol", "dave"} {
		c.must("users", "create", u+"@acme.test")
	}
	return c
}

// TestPlanApply plans and applies the documented example twice: the first
// plan shows drift (exit 2), apply writes it in one bulk, and the second
// plan and apply find nothing to do.
func TestPlanApply(t *testing.T) {
	c := newPlanCLI(t)

	code, out, errOut := c.run("plan", "-f", exampleFile, "--detailed-exitcode")
	if code != planChanges {
		t.Fatalf("first plan: exit %d, want 2; stderr %s", code, errOut)
	}
	wantContains(t, "first plan", out, "+ role viewer\n    permissions: documents:read\n",
		"+ role editor\n", "    inherits_from: viewer\n", "+ group Support\n", "+ role support to group Support\n",
		"+ member bob@acme.test to group Support\n", "+ role editor to user grace@acme.test\n",
		"Plan: 10 to add, 0 to change, 0 to remove.",
		"impact: 3 users\n", "  bob@acme.test\n    +documents:read\n    +tickets:read\n    +tickets:write\n",
		"  grace@acme.test\n    +documents:delete\n    +documents:read\n    +documents:write\n")
	if strings.Contains(out, "\x1b[") {
		t.Errorf("plan writes colours to a buffer:\n%q", out)
	}
	if code, _, _ := c.run("plan", "-f", exampleFile); code != 0 {
		t.Errorf("plan without --detailed-exitcode: exit %d, want 0", code)
	}

	code, _, errOut = c.run("apply", "-f", exampleFile)
	if code != 2 || !strings.Contains(errOut, "pass --yes") {
		t.Errorf("apply without --yes, stdin not a terminal: exit %d, stderr %q", code, errOut)
	}
	if code, _, _ := c.run("plan", "-f", exampleFile, "--detailed-exitcode"); code != planChanges {
		t.Errorf("apply without --yes wrote something: plan exit %d", code)
	}

	out = c.must("apply", "-f", exampleFile, "--yes")
	wantContains(t, "apply", out, "201 + role viewer\n", "204 + member carol@acme.test to group Support\n", "Applied 10 changes to tenant default")
	wantContains(t, "evaluated bob", c.must("evaluated", "bob@acme.test"), "role_support", "group:grp_", "role_viewer", "direct")
	if code, _, _ := c.run("check", "grace@acme.test", "documents:read"); code != checkAllowed {
		t.Errorf("grace cannot read documents after apply (inherited through editor): exit %d", code)
	}

	code, out, errOut = c.run("plan", "-f", exampleFile, "--detailed-exitcode")
	if code != planNoChanges || !strings.Contains(out, "No changes: tenant default matches") {
		t.Errorf("second plan: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if out := c.must("apply", "-f", exampleFile); !strings.Contains(out, "No changes") {
		t.Errorf("second apply: %q", out)
	}

	// Changes, prune and a new group with members, applied and planned again.
	edited := filepath.Join(t.TempDir(), "edited.yaml")
	text := strings.NewReplacer("permissions: [documents:read]", "permissions: [documents:read, documents:list]",
		"display_name: Editor", "display_name: Writer", "description: The support team", "description: All shifts", "      - carol@acme.test\n", "",
		"\nusers:", "\n  - name: Night shift\n    description: Weekends\n    roles: [editor]\n    members: [dave@acme.test]\n\nusers:").Replace(string(mustRead(t, exampleFile)))
	if err := os.WriteFile(edited, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	out = c.must("apply", "-f", edited, "--prune", "--yes")
	wantContains(t, "apply an edit", out, "200 ~ role viewer permissions: +documents:list\n", `200 ~ role editor display_name: "Editor" → "Writer"`,
		"201 + group Night shift\n", "201 + role editor to group Night shift\n", "204 + member dave@acme.test to group Night shift\n",
		"204 - member carol@acme.test from group Support\n", `200 ~ group Support description: "The support team" → "All shifts"`)
	if code, out, _ := c.run("plan", "-f", edited, "--prune", "--detailed-exitcode"); code != planNoChanges {
		t.Errorf("plan after applying the edit: exit %d\n%s", code, out)
	}
	if code, _, _ := c.run("check", "dave@acme.test", "documents:list"); code != checkAllowed {
		t.Errorf("dave (Night shift → editor → viewer) cannot list documents: exit %d", code)
	}

	// One bad operation: the bulk is atomic, so the good one is not written either.
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("roles:\n  - name: good\n    permissions: [a:b]\n  - name: bad\n    permissions: [Not A Permission]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = c.run("apply", "-f", bad, "--yes")
	if code != 1 {
		t.Errorf("apply with a bad operation: exit %d, want 1", code)
	}
	wantContains(t, "apply with a bad operation", errOut, "roster apply: nothing written: the dry run says operation 2 would fail: + role bad\n",
		"400 validation_error", "  permissions[0]:")
	if code, _, _ := c.run("roles", "get", "good"); code != 1 {
		t.Errorf("the good role of a failed apply exists: roles get exit %d", code)
	}
}

// TestPlan_cases plans edits of the applied example: each case names the
// edit and the lines of the plan (or the error) it must give.
func TestPlan_cases(t *testing.T) {
	c := newPlanCLI(t)
	c.must("apply", "-f", exampleFile, "--yes")
	base, err := os.ReadFile(exampleFile)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		edit     func(string) string
		prune    bool
		wantCode int
		want     []string // in stdout, or stderr on failure
		notWant  []string
	}{
		{"role added", appendText("  - name: auditor\n    permissions: [audit:read]\n", "\ngroups:"), false, planChanges,
			[]string{"+ role auditor\n    permissions: audit:read\n", "Plan: 1 to add, 0 to change, 0 to remove."}, nil},
		{"permission changed", replace("permissions: [documents:read]", "permissions: [documents:list]"), false, planChanges,
			[]string{"~ role viewer permissions: +documents:list -documents:read\n", "Plan: 0 to add, 1 to change, 0 to remove."}, nil},
		{"display name changed", replace("display_name: Viewer", "display_name: Reader"), false, planChanges,
			[]string{`~ role viewer display_name: "Viewer" → "Reader"`}, nil},
		{"group description changed", replace("description: The support team", "description: Tier 1"), false, planChanges,
			[]string{`~ group Support description: "The support team" → "Tier 1"` + "\n"}, nil},
		{"inheritance changed", replace("inherits_from: [viewer]", "inherits_from: [support]"), false, planChanges,
			[]string{"~ role editor inherits_from: +support -viewer\n"}, nil},
		{"member added", replace("      - carol@acme.test\n", "      - carol@acme.test\n      - dave@acme.test\n"), false, planChanges,
			[]string{"+ member dave@acme.test to group Support\n", "Plan: 1 to add, 0 to change, 0 to remove."}, nil},
		{"member left out, no prune", replace("      - carol@acme.test\n", ""), false, planNoChanges,
			[]string{"No changes"}, nil},
		{"member removed with prune", replace("      - carol@acme.test\n", ""), true, planChanges,
			[]string{"- member carol@acme.test from group Support\n", "Plan: 0 to add, 0 to change, 1 to remove."}, nil},
		{"direct assignment added", replace("roles: [editor]", "roles: [editor, support]"), false, planChanges,
			[]string{"+ role support to user grace@acme.test\n"}, nil},
		{"direct assignment removed with prune", replace("    roles: [viewer]\n", "    roles: []\n"), true, planChanges,
			[]string{"- role viewer from user bob@acme.test\n"}, []string{"grace"}},
		{"role left out, no prune", replace(supportRole, ""), false, planNoChanges, []string{"No changes"}, nil},
		{"role left out, still named, prune", replace(supportRole, ""), true, 1,
			[]string{`groups[0] (Support) roles: role "support" is not in the file, and --prune would delete it`}, nil},
		{"role removed with prune", func(s string) string {
			return strings.ReplaceAll(replace(supportRole, "")(s), "roles: [support, viewer]", "roles: [viewer]")
		}, true, planChanges, []string{"- role support from group Support\n", "- role support\n", "Plan: 0 to add, 0 to change, 2 to remove."}, nil},
		{"unknown email", replace("grace@acme.test", "nobody@acme.test"), false, 1,
			[]string{"users[0]: no user with email nobody@acme.test in the tenant"}, nil},
		{"unknown role", replace("roles: [editor]", "roles: [ghost]"), false, 1,
			[]string{`users[0] (grace@acme.test) roles: role "ghost" is neither in the file nor in the tenant`}, nil},
		{"system role defined", replace("name: viewer", "name: admin"), false, 1,
			[]string{"admin is a system role"}, nil},
		{"malformed YAML", replace("    display_name: Viewer\n", "    display_name: [Viewer\n"), false, 2,
			[]string{"tenant.yaml: line "}, nil},
		{"unknown key", replace("permissions: [documents:read]", "permission: [documents:read]"), false, 2,
			[]string{"tenant.yaml: line 7: field permission not found"}, nil},
		{"bulk reference in a description", replace("description: Reads documents", "description: costs ${5}"), false, 2,
			[]string{"roles[0] (viewer): ${ cannot be sent"}, nil},
		{"role twice", appendText("  - name: viewer\n", "\ngroups:"), false, 2,
			[]string{`roles[3]: role "viewer" is defined twice`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "tenant.yaml")
			if err := os.WriteFile(file, []byte(tt.edit(string(base))), 0o600); err != nil {
				t.Fatal(err)
			}
			args := []string{"plan", "-f", file, "--detailed-exitcode"}
			if tt.prune {
				args = append(args, "--prune")
			}
			code, out, errOut := c.run(args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d; stdout %q; stderr %q", code, tt.wantCode, out, errOut)
			}
			got := out + errOut
			wantContains(t, "plan", got, tt.want...)
			for _, nw := range tt.notWant {
				if strings.Contains(got, nw) {
					t.Errorf("plan mentions %q:\n%s", nw, got)
				}
			}
		})
	}
}

const supportRole = "  - name: support\n    display_name: Support agent\n    permissions: [tickets:read, tickets:write]\n"

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func replace(old, new string) func(string) string {
	return func(s string) string {
		if !strings.Contains(s, old) {
			panic("the example file lacks " + old)
		}
		return strings.Replace(s, old, new, 1)
	}
}

// appendText inserts text before the first occurrence of before.
func appendText(text, before string) func(string) string {
	return replace(before, "\n"+text[:len(text)-1]+before)
}

// TestRenderPlan pins the text of a small plan, with and without colour.
func TestRenderPlan(t *testing.T) {
	changes := []change{
		{Sign: "+", Text: "role auditor", Detail: []string{"permissions: audit:read"}},
		{Sign: "~", Text: "role viewer permissions: +docs:read -docs:write"},
		{Sign: "-", Text: "member bob@acme.test from group Support"},
	}
	var b bytes.Buffer
	renderPlan(&b, "acme", "tenant.yaml", changes, false)
	want := "+ role auditor\n    permissions: audit:read\n~ role viewer permissions: +docs:read -docs:write\n" +
		"- member bob@acme.test from group Support\n\nPlan: 1 to add, 1 to change, 1 to remove.\n"
	if b.String() != want {
		t.Errorf("plan:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	renderPlan(&b, "acme", "tenant.yaml", changes[1:2], true)
	if want := "\x1b[33m~ role viewer permissions: +docs:read -docs:write\x1b[0m\n"; !strings.HasPrefix(b.String(), want) {
		t.Errorf("coloured plan: %q, want prefix %q", b.String(), want)
	}
	b.Reset()
	org := "org_1"
	renderImpact(&b, &bulkAnswer{Impact: []userImpact{
		{UserID: "usr_1", Gained: []string{"docs:read"}, Lost: []string{"docs:write"}},
		{UserID: "usr_2", OrganizationID: &org, Gained: []string{"tickets:read"}},
	}, ImpactTruncated: true}, map[string]string{"usr_1": "bob@acme.test"})
	want = "impact: 2 users\n  bob@acme.test\n    +docs:read\n    -docs:write\n  usr_2 in organization org_1\n    +tickets:read\n" +
		"  … more users change (the server lists at most 10,000)\n"
	if b.String() != want {
		t.Errorf("impact:\n%s\nwant:\n%s", b.String(), want)
	}
}

// TestColour: colour needs a terminal, and NO_COLOR turns it off even there.
func TestColour(t *testing.T) {
	if (&cliEnv{getenv: env(nil), stdout: &bytes.Buffer{}}).colour() {
		t.Error("colour on a buffer")
	}
	if (&cliEnv{getenv: env(map[string]string{"NO_COLOR": "1"}), stdout: os.Stdout}).colour() {
		t.Error("colour with NO_COLOR set")
	}
}
