package e2e

import (
	"strings"
	"testing"

	"github.com/rosterhq/roster/server/servertest"
)

// signInAsAdmin signs in as the operator, creates tenant acme with an
// administrator through the tenants page, reads the administrator's token
// from the one-time dialog, closes it with Esc, signs out and signs in again
// as that administrator. It returns the administrator's token.
func signInAsAdmin(t *testing.T, b *tab, tenant string) string {
	t.Helper()
	b.signIn("default", servertest.OperatorToken)
	b.waitText("main h1", "Tenants")
	b.fill(`form[aria-label="Create tenant"] [name="id"]`, tenant)
	b.fill(`form[aria-label="Create tenant"] [name="name"]`, "Acme")
	b.fill(`form[aria-label="Create tenant"] [name="admin.email"]`, "root@acme.test")
	b.press(`form[aria-label="Create tenant"]`, "Create tenant")
	b.waitFor("the token dialog", `document.querySelector("dialog[open] [data-testid=secret]")`)
	token := value[string](b, `document.querySelector("dialog[open] [data-testid=secret]").textContent.trim()`)
	if len(token) < 32 {
		t.Fatalf("the administrator's token %q is too short", token)
	}
	// Esc closes a dialog.
	b.key(`dialog[open] button`, "\x1b")
	b.waitFor("the dialog to close", `!document.querySelector("dialog[open]")`)
	b.waitText("table", tenant)

	b.press("header.top", "Sign out")
	b.waitFor("the sign-in form", `document.querySelector('form[aria-label="Sign in"]')`)
	if n := value[int](b, `sessionStorage.length`); n != 0 {
		t.Fatalf("signing out left %d items in session storage", n)
	}
	b.signIn(tenant, token)
	b.waitText("[data-testid=tenant]", tenant)
	return token
}

// TestConsoleFlow walks the console as an administrator would: sign in,
// create roles with inheritance and see the edge in the graph, create a
// user, assign a role with an expiry, read the evaluated roles and their
// sources, run a check that is allowed and then denied once the role is
// removed, read the audit log, and sign out.
func TestConsoleFlow(t *testing.T) {
	s := newSite(t)
	b := newTab(t, s)
	token := signInAsAdmin(t, b, "acme")

	// A bad permission is refused, and the error stands next to its field.
	b.open("roles")
	b.waitText("main h1", "Roles")
	b.fill(`form[aria-label="Create role"] [name="name"]`, "viewer")
	b.fill(`form[aria-label="Create role"] [name="permissions"]`, "Documents:Read")
	b.press(`form[aria-label="Create role"]`, "Create role")
	b.waitFor("the permissions field error", `document.querySelector('form[aria-label="Create role"] .field-error[data-field="permissions"]')`)
	b.waitText(`form[aria-label="Create role"] .problem`, "validation_error")

	b.fill(`form[aria-label="Create role"] [name="permissions"]`, "documents:read")
	b.fill(`form[aria-label="Create role"] [name="display_name"]`, "Viewer")
	b.press(`form[aria-label="Create role"]`, "Create role")
	b.waitText("main h1", "role_viewer")

	b.open("roles")
	b.fill(`form[aria-label="Create role"] [name="name"]`, "editor")
	b.fill(`form[aria-label="Create role"] [name="display_name"]`, "Editor")
	b.fill(`form[aria-label="Create role"] [name="permissions"]`, "documents:write\ndocuments:delete")
	b.check(`form[aria-label="Create role"]`, "role_viewer")
	b.press(`form[aria-label="Create role"]`, "Create role")
	b.waitText("main h1", "role_editor")
	// The role's page draws its part of the graph; the roles page, all of it.
	b.waitFor("the edge on the role's page", `document.querySelector('path[data-edge="role_editor>role_viewer"]')`)
	b.open("roles")
	b.waitFor("the edge in the roles graph", `document.querySelector('figure.graph path[data-edge="role_editor>role_viewer"]')`)
	b.waitFor("every role in the graph", `["role_admin","role_member","role_viewer","role_editor"].every(id => document.querySelector('figure.graph a[data-role="'+id+'"]'))`)
	b.screenshot("roles-graph", "figure.graph")

	// A user, assigned the editor role for a week with a reason.
	b.open("users")
	b.fill(`form[aria-label="Create user"] [name="email"]`, "ada@acme.test")
	b.fill(`form[aria-label="Create user"] [name="first_name"]`, "Ada")
	b.fill(`form[aria-label="Create user"] [name="last_name"]`, "Lovelace")
	b.press(`form[aria-label="Create user"]`, "Create user")
	b.waitText("main h1", "ada@acme.test")
	userID := value[string](b, `document.querySelector("main h1 code").textContent`)
	if !strings.HasPrefix(userID, "usr_") {
		t.Fatalf("user id %q", userID)
	}
	b.waitFor("the role picker", `document.querySelector('#assign-role option[value="role_editor"]')`)
	b.fill(`#assign-role`, "role_editor")
	expires := value[string](b, `(() => { const d = new Date(Date.now() + 7*86400e3); d.setMilliseconds(0); d.setSeconds(0);
		const p = n => String(n).padStart(2, "0");
		return d.getFullYear()+"-"+p(d.getMonth()+1)+"-"+p(d.getDate())+"T"+p(d.getHours())+":"+p(d.getMinutes()); })()`)
	b.fill(`form[aria-label="Assign role"] [name="expires_at"]`, expires)
	b.fill(`form[aria-label="Assign role"] [name="reason"]`, "onboarding")
	b.press(`form[aria-label="Assign role"]`, "Assign")
	b.waitFor("the assignment", `document.querySelector('[data-testid=assignments] tr[data-role="role_editor"]')`)
	b.waitText(`[data-testid=assignments] tr[data-role="role_editor"]`, "onboarding")
	if got := value[string](b, `document.querySelector('[data-testid=assignments] tr[data-role="role_editor"] [data-testid=expires] time').dateTime`); !strings.HasSuffix(got, "Z") {
		t.Errorf("the assignment's expiry reads %q, want the timestamp the API sent", got)
	}

	// Evaluated roles with their sources.
	b.waitFor("role_editor held directly", `document.querySelector('[data-testid=evaluated] tr[data-role="role_editor"] [data-source="direct"]')`)
	b.waitFor("role_viewer inherited", `document.querySelector('[data-testid=evaluated] tr[data-role="role_viewer"] [data-source="inherited"]')`)
	b.waitText(`[data-testid=evaluated] tr[data-role="role_viewer"]`, "via role_editor")
	b.waitFor("role_member by default", `document.querySelector('[data-testid=evaluated] tr[data-role="role_member"] [data-source="default"]')`)
	b.waitText("[data-testid=permissions]", "documents:read")
	b.screenshot("user-evaluated-roles", "[data-testid=evaluated]")

	// Tokens: the secret is shown once, with a copy button, and can be revoked.
	b.fill(`form[aria-label="Create token"] [name="name"]`, "ci")
	b.press(`form[aria-label="Create token"]`, "Create token")
	b.waitFor("the new token", `document.querySelector("dialog[open] [data-testid=secret]")`)
	userToken := value[string](b, `document.querySelector("dialog[open] [data-testid=secret]").textContent.trim()`)
	b.waitFor("the copy button", `[...document.querySelectorAll("dialog[open] button")].some(e => e.textContent.startsWith("Copy token"))`)
	b.press("dialog[open]", "Close")
	b.waitFor("the dialog to close", `!document.querySelector("dialog[open]")`)
	if strings.Contains(value[string](b, `document.body.innerText`), userToken) {
		t.Errorf("the token's secret is still on the page after its dialog closed")
	}
	b.press(`section[aria-labelledby="tokens-h"]`, "Revoke")
	b.waitFor("the token revoked", `!document.querySelector('section[aria-labelledby="tokens-h"] button[aria-label="Revoke ci"]')`)

	// The check panel: allowed, with the granting role; then denied.
	b.open("check")
	b.fill(`[name="user_id"]`, "ada@acme.test")
	b.fill(`[name="permission"]`, "documents:read")
	b.key(`[name="permission"]`, "\r") // Enter submits
	b.waitText("[data-testid=verdict] h2", "Allowed")
	b.waitText("[data-testid=granted-by]", "role_")
	b.screenshot("check-panel", "[data-testid=verdict]")
	// Reverse evaluation: who holds the permission.
	b.fill(`[name="holds_permission"]`, "documents:read")
	b.press(`form[aria-label="Who holds a permission"]`, "List holders")
	b.waitText("[data-testid=holders]", "ada@acme.test")

	b.open("users/" + userID)
	b.waitFor("the assignment", `document.querySelector('[data-testid=assignments] tr[data-role="role_editor"]')`)
	b.press(`[data-testid=assignments] tr[data-role="role_editor"]`, "Remove")
	b.waitFor("the assignment gone", `!document.querySelector('[data-testid=assignments] tr[data-role="role_editor"]')`)
	b.waitFor("role_viewer no longer held", `!document.querySelector('[data-testid=evaluated] tr[data-role="role_viewer"]')`)

	b.open("check")
	b.fill(`[name="user_id"]`, userID)
	b.fill(`[name="permission"]`, "documents:read")
	b.press(`form[aria-label="Check a permission"]`, "Check")
	b.waitText("[data-testid=verdict] h2", "Denied")
	b.waitText("[data-testid=why-not]", "None of the 1 role the user holds grants documents:read")
	b.waitText("[data-testid=why-not]", "role_member")
	b.screenshot("check-denied", "[data-testid=verdict]")

	// The audit log, filtered.
	b.open("audit")
	b.waitFor("audit events", `document.querySelector('[data-testid=audit] tr[data-action="assignment.delete"]')`)
	b.waitFor("audit events", `document.querySelector('[data-testid=audit] tr[data-action="role.create"]')`)
	b.fill(`form[aria-label="Filter audit events"] [name="action"]`, "role.create")
	b.press(`form[aria-label="Filter audit events"]`, "Filter")
	b.waitFor("only role.create events", `(() => { const rows = [...document.querySelectorAll('[data-testid=audit] tbody tr')];
		return rows.length === 2 && rows.every(r => r.dataset.action === "role.create"); })()`)
	// An out-of-range filter is a field error next to its field.
	b.fill(`form[aria-label="Filter audit events"] [name="action"]`, strings.Repeat("x", 81))
	b.press(`form[aria-label="Filter audit events"]`, "Filter")
	b.waitFor("the action field error", `document.querySelector('form[aria-label="Filter audit events"] .field-error[data-field="action"]')`)

	// Sign out forgets the token.
	b.press("header.top", "Sign out")
	b.waitFor("the sign-in form", `document.querySelector('form[aria-label="Sign in"]')`)
	if n := value[int](b, `sessionStorage.length + localStorage.length`); n != 0 {
		t.Errorf("signing out left %d items in the browser's storage", n)
	}
	if strings.Contains(value[string](b, `document.documentElement.outerHTML`), token) {
		t.Errorf("the signed-out page still holds the token")
	}
	s.assertSecretsUnexposed(t, servertest.OperatorToken, token, userToken)
}
