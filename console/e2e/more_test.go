package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/server/servertest"
)

// TestConsoleGroupsOrganizationsPaging covers the pages the main flow does
// not: organizations, a group holding a role scoped to one, its members, the
// role held through the group; paging and search in a list; and the
// keyboard (focus is visible, the graph's roles open with Enter).
func TestConsoleGroupsOrganizationsPaging(t *testing.T) {
	s := newSite(t)
	userID := seed(t, s)
	c := s.env.Operator()
	for i := range 24 {
		res, err := c.CreateUserWithResponse(context.Background(), "default",
			client.UserCreate{Email: openapi_types.Email(fmt.Sprintf("user%02d@acme.test", i))})
		if err != nil || res.StatusCode() != http.StatusCreated {
			t.Fatalf("creating user %d: %v", i, err)
		}
	}
	b := newTab(t, s)
	b.signIn("default", servertest.OperatorToken)

	t.Run("organizations and groups", func(t *testing.T) {
		b.sub(t)
		b.open("organizations")
		b.fill(`form[aria-label="Create organization"] [name="name"]`, "Berlin")
		b.press(`form[aria-label="Create organization"]`, "Create organization")
		b.waitText("main table", "Berlin")
		orgID := value[string](b, `[...document.querySelectorAll("main table td")].find(td => td.textContent.includes("Berlin")).querySelector("code").textContent`)

		b.open("groups")
		b.fill(`form[aria-label="Create group"] [name="name"]`, "writers")
		b.press(`form[aria-label="Create group"]`, "Create group")
		b.waitText("main h1", "writers")
		b.waitFor("the role picker", `document.querySelector('#group-role option[value="role_viewer"]') && document.querySelector('#group-org option[value="`+orgID+`"]')`)
		b.fill("#group-role", "role_viewer")
		b.fill("#group-org", orgID)
		b.press(`form[aria-label="Add group role"]`, "Add role")
		b.waitText("main ul", "role_viewer")
		// An unknown user is refused with the API's own words.
		b.fill(`form[aria-label="Add member"] [name="data"]`, "usr_nobody")
		b.press(`form[aria-label="Add member"]`, "Add member")
		b.waitFor("the error", `document.querySelector('form[aria-label="Add member"] .field-error, main .problem')`)
		b.fill(`form[aria-label="Add member"] [name="data"]`, "ADA@acme.test") // by email, ignoring case
		b.press(`form[aria-label="Add member"]`, "Add member")
		b.waitText("main ul", "ada@acme.test")

		b.open("users/" + userID)
		b.waitFor("the organization filter", `document.querySelector('#eval-org option[value="`+orgID+`"]')`)
		b.fill("#eval-org", orgID)
		b.waitFor("role_viewer held through the group in Berlin",
			`[...document.querySelectorAll('[data-testid=evaluated] tr[data-role="role_viewer"]')].some(r => r.textContent.includes("Berlin") && r.querySelector('[data-source="group"]'))`)
	})

	t.Run("paging and search", func(t *testing.T) {
		b.sub(t)
		b.open("users")
		rows := `document.querySelectorAll("main table tbody tr").length`
		b.waitFor("a full first page", rows+` === 20`)
		b.press(`nav[aria-label="Users pages"]`, "Next →")
		b.waitFor("the second page", rows+` === 5`)
		b.waitText(`nav[aria-label="Users pages"]`, "Page 2")
		if value[bool](b, `!!document.querySelector('nav[aria-label="Users pages"] button:last-child:not(:disabled)')`) {
			t.Errorf("Next is enabled on the last page")
		}
		b.press(`nav[aria-label="Users pages"]`, "← Previous")
		b.waitFor("the first page again", rows+` === 20 && document.querySelector('nav[aria-label="Users pages"]').textContent.includes("Page 1")`)
		b.fill(`form[role=search] [name="search"]`, "ada@")
		b.press(`form[role=search]`, "Search")
		b.waitFor("one match", rows+` === 1`)
		b.waitText("main table tbody", "ada@acme.test")
	})

	t.Run("keyboard", func(t *testing.T) {
		b.sub(t)
		b.open("roles")
		b.waitFor("the graph", `document.querySelector('figure.graph a[data-role="role_viewer"]')`)
		// Tab moves through the page with a visible focus ring.
		b.eval(`document.activeElement.blur()`)
		for range 3 {
			b.run(chromedp.KeyEvent("\t"))
			outline := value[string](b, `(() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle + " " + s.outlineWidth; })()`)
			if strings.HasPrefix(outline, "none") || strings.HasSuffix(outline, " 0px") {
				t.Errorf("the focused %s shows no focus ring (%s)", value[string](b, `document.activeElement.outerHTML.slice(0, 80)`), outline)
			}
		}
		// A role in the graph opens with Enter.
		b.run(chromedp.Focus(chromedp.CSS(`figure.graph a[data-role="role_viewer"]`)))
		b.run(chromedp.KeyEvent("\r"))
		b.waitText("main h1", "role_viewer")
	})
}
