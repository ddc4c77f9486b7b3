package e2e

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/server/servertest"
)

// The console's pages for the roles history, `at` on checks and bulk dry
// runs with their impact: each step drives the page and asserts what the
// user reads on it.

// localTime is the datetime-local value (with seconds) of an instant, in the
// browser's time zone.
func localTime(b *tab, at time.Time) string {
	return value[string](b, fmt.Sprintf(`(() => { const d = new Date(%d); const p = n => String(n).padStart(2, "0");
		return d.getFullYear()+"-"+p(d.getMonth()+1)+"-"+p(d.getDate())+"T"+p(d.getHours())+":"+p(d.getMinutes())+":"+p(d.getSeconds()); })()`, at.UnixMilli()))
}

func TestConsoleHistoryPointInTimeImpact(t *testing.T) {
	s := newSite(t)
	userID := seed(t, s)
	ctx := context.Background()
	// bob holds nothing: an edit of role_viewer changes nothing for him, so
	// the preview must not list him.
	bob, err := s.env.Operator().CreateUserWithResponse(ctx, "default", client.UserCreate{Email: "bob@acme.test"})
	if err != nil || bob.JSON201 == nil {
		t.Fatalf("creating bob: %v", err)
	}
	b := newTab(t, s)
	b.signIn("default", servertest.OperatorToken)

	t.Run("impact preview", func(t *testing.T) {
		b.sub(t)
		b.open("roles/role_viewer")
		b.waitFor("the edit form", `document.querySelector('form[aria-label="Edit role"] [name="permissions"]')`)
		b.fill(`form[aria-label="Edit role"] [name="permissions"]`, "documents:list")
		b.press(`form[aria-label="Edit role"]`, "Preview impact")
		// ada holds role_viewer through role_editor: she loses documents:read
		// and gains documents:list, in the global scope.
		row := `[data-testid=impact] tr[data-user="` + userID + `"]`
		b.waitFor("ada in the impact", `document.querySelector('`+row+` td a[href$="`+userID+`"]')`)
		b.waitText(row+` td:first-child a`, "ada@acme.test")
		b.waitText(row+` .lost`, "documents:read")
		b.waitText(row+` .gained`, "documents:list")
		b.waitText(row, "global")
		if n := value[int](b, `document.querySelectorAll('[data-testid=impact] tbody tr').length`); n != 1 {
			t.Errorf("the impact lists %d rows, want ada's only (bob, %s, holds nothing)", n, bob.JSON201.Id)
		}
		b.waitText("[data-testid=impact] h2", "nothing saved yet")
		b.screenshot("impact-preview", "[data-testid=impact]")
		// A preview writes nothing.
		res, err := s.env.Operator().GetRoleWithResponse(ctx, "default", "role_viewer")
		if err != nil || res.JSON200 == nil || !slices.Equal(res.JSON200.Permissions, []client.PermissionPattern{"documents:read"}) {
			t.Fatalf("after the preview role_viewer reads %v (%v), want it unchanged", res.JSON200, err)
		}
	})

	// An instant while ada holds role_editor, then the operator removes it.
	time.Sleep(1100 * time.Millisecond)
	held := time.Now()
	time.Sleep(1100 * time.Millisecond)
	res, err := s.env.Operator().RemoveUserRoleWithResponse(ctx, "default", userID, "role_editor", nil)
	if err != nil || res.StatusCode() != http.StatusNoContent {
		t.Fatalf("removing the role: %v", err)
	}
	removed := time.Now()

	t.Run("check at a point in time", func(t *testing.T) {
		b.sub(t)
		b.open("check")
		b.fill(`[name="user_id"]`, userID)
		b.fill(`[name="permission"]`, "documents:read")
		b.fill(`[name="at"]`, localTime(b, held))
		b.press(`form[aria-label="Check a permission"]`, "Check")
		b.waitText("[data-testid=verdict] h2", "Allowed")
		b.waitText("[data-testid=verdict]", "as of")
		// The instant answered for is the one asked, to the second.
		asOf := value[string](b, `document.querySelector('[data-testid=verdict] time').dateTime`)
		if got, err := time.Parse(time.RFC3339, asOf); err != nil || !got.Equal(held.Truncate(time.Second)) {
			t.Errorf("the verdict is as of %q (%v), want %s", asOf, err, held.Truncate(time.Second).UTC().Format(time.RFC3339))
		}
		b.waitFor("the granting role", `document.querySelector('[data-testid=granted-by] a[href$="role_editor"], [data-testid=granted-by] a[href$="role_viewer"]')`)
		b.fill(`[name="at"]`, "")
		b.press(`form[aria-label="Check a permission"]`, "Check")
		b.waitText("[data-testid=verdict] h2", "Denied")
		if value[bool](b, `document.querySelector('[data-testid=verdict]').textContent.includes("as of")`) {
			t.Error("the present answer says \"as of\"")
		}
	})

	t.Run("history", func(t *testing.T) {
		b.sub(t)
		b.open("users/" + userID)
		b.press(`section[aria-labelledby="history-h"]`, "Show the roles history")
		item := `[data-testid=history] li[data-role="role_editor"]`
		b.waitFor("the grant in the history", `document.querySelector('`+item+`')`)
		b.waitText(item, "direct")
		b.waitText(item, "granted by the operator")
		b.waitText(item, "revoked by the operator")
		b.waitText(item, "onboarding")
		// The interval: from before the instant checked to the removal (not "now").
		times := value[[]string](b, `[...document.querySelectorAll('`+item+` time')].map(t => t.dateTime)`)
		if len(times) != 2 {
			t.Fatalf("the interval shows %d instants %v, want from and until", len(times), times)
		}
		from, err1 := time.Parse(time.RFC3339Nano, times[0])
		until, err2 := time.Parse(time.RFC3339Nano, times[1])
		if err1 != nil || err2 != nil || from.After(held) || until.Before(held) || until.After(removed.Add(time.Second)) {
			t.Errorf("the interval reads %v, want from before %s until the removal at %s", times, held.UTC(), removed.UTC())
		}
		b.screenshot("roles-history", "[data-testid=history]")
	})
}
