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

// The console's pages for three operations of API.md that arrive with issue
// 16 (the roles history, `at` on checks, bulk dry runs with their impact).
// Each step first asks the server whether it offers the operation; when it
// does not, the step checks that the console says so ("not available on
// this server", where that answer is one the spec describes) and skips with
// the reason, and it runs in full once the server has it.

// unavailable reports why the server does not offer an operation, or "".
func historyUnavailable(t *testing.T, s *site, userID string) string {
	status, _ := probe(t, s, http.MethodGet, "/v1/tenants/default/users/"+userID+"/roles/history", "")
	if status == http.StatusOK {
		return ""
	}
	return fmt.Sprintf("GET /users/{user_id}/roles/history answers %d on this server (it comes with issue 16)", status)
}

func fieldRefused(status int, problem map[string]any, field string) bool {
	if status != http.StatusBadRequest {
		return false
	}
	errs, _ := problem["errors"].([]any)
	for _, e := range errs {
		if m, _ := e.(map[string]any); m["field"] == field {
			return true
		}
	}
	return false
}

func atUnavailable(t *testing.T, s *site, userID string) string {
	at := time.Now().Add(-time.Second).UTC().Format(time.RFC3339)
	status, p := probe(t, s, http.MethodPost, "/v1/tenants/default/check",
		`{"user_id":"`+userID+`","permission":"documents:read","at":"`+at+`"}`)
	if fieldRefused(status, p, "at") {
		return fmt.Sprintf("POST /check refuses `at` on this server (%v; it comes with issue 16)", p["errors"])
	}
	return ""
}

func dryRunUnavailable(t *testing.T, s *site) string {
	status, p := probe(t, s, http.MethodPost, "/v1/tenants/default/bulk",
		`{"operations":[{"method":"PUT","path":"/roles/role_viewer","body":{"permissions":[]}}],"dry_run":true}`)
	if fieldRefused(status, p, "dry_run") {
		return fmt.Sprintf("POST /bulk refuses dry_run on this server (%v; it comes with issue 16)", p["errors"])
	}
	if _, ok := p["impact"]; status == http.StatusOK && !ok {
		return "POST /bulk with dry_run answers without impact on this server"
	}
	return ""
}

// localTime is the datetime-local value (with seconds) of an instant, in the
// browser's time zone.
func localTime(b *tab, at time.Time) string {
	return value[string](b, fmt.Sprintf(`(() => { const d = new Date(%d); const p = n => String(n).padStart(2, "0");
		return d.getFullYear()+"-"+p(d.getMonth()+1)+"-"+p(d.getDate())+"T"+p(d.getHours())+":"+p(d.getMinutes())+":"+p(d.getSeconds()); })()`, at.UnixMilli()))
}

func TestConsoleHistoryPointInTimeImpact(t *testing.T) {
	s := newSite(t)
	userID := seed(t, s)
	b := newTab(t, s)
	b.signIn("default", servertest.OperatorToken)

	t.Run("impact preview", func(t *testing.T) {
		b.sub(t)
		b.open("roles/role_viewer")
		b.waitFor("the edit form", `document.querySelector('form[aria-label="Edit role"] [name="permissions"]')`)
		b.fill(`form[aria-label="Edit role"] [name="permissions"]`, "documents:list")
		b.press(`form[aria-label="Edit role"]`, "Preview impact")
		if why := dryRunUnavailable(t, s); why != "" {
			b.waitText(".unavailable", "not available on this server")
			t.Skip(why)
		}
		b.waitFor("the impact", `document.querySelector('[data-testid=impact] td a[href$="`+userID+`"]')`)
		b.waitText(`[data-testid=impact] .lost`, "documents:read")
		b.waitText(`[data-testid=impact] .gained`, "documents:list")
		b.screenshot("impact-preview", "[data-testid=impact]")
		// A preview writes nothing.
		res, err := s.env.Operator().GetRoleWithResponse(context.Background(), "default", "role_viewer")
		if err != nil || res.JSON200 == nil || !slices.Equal(res.JSON200.Permissions, []client.PermissionPattern{"documents:read"}) {
			t.Fatalf("after the preview role_viewer reads %v (%v), want it unchanged", res.JSON200, err)
		}
	})

	// An instant while ada holds role_editor, then the role is removed.
	time.Sleep(1100 * time.Millisecond)
	held := time.Now()
	time.Sleep(1100 * time.Millisecond)
	res, err := s.env.Operator().RemoveUserRoleWithResponse(context.Background(), "default", userID, "role_editor", nil)
	if err != nil || res.StatusCode() != http.StatusNoContent {
		t.Fatalf("removing the role: %v", err)
	}

	t.Run("check at a point in time", func(t *testing.T) {
		b.sub(t)
		b.open("check")
		b.fill(`[name="user_id"]`, userID)
		b.fill(`[name="permission"]`, "documents:read")
		b.fill(`[name="at"]`, localTime(b, held))
		b.press(`form[aria-label="Check a permission"]`, "Check")
		if why := atUnavailable(t, s, userID); why != "" {
			b.waitText(".unavailable", "not available on this server")
			t.Skip(why)
		}
		b.waitText("[data-testid=verdict] h2", "Allowed")
		b.waitText("[data-testid=verdict]", "as of")
		b.fill(`[name="at"]`, "")
		b.press(`form[aria-label="Check a permission"]`, "Check")
		b.waitText("[data-testid=verdict] h2", "Denied")
	})

	t.Run("history", func(t *testing.T) {
		b.sub(t)
		if why := historyUnavailable(t, s, userID); why != "" {
			t.Skip(why)
		}
		b.open("users/" + userID)
		b.press(`section[aria-labelledby="history-h"]`, "Show the roles history")
		b.waitFor("the grant in the history", `document.querySelector('[data-testid=history] li[data-role="role_editor"]')`)
		b.waitText(`[data-testid=history] li[data-role="role_editor"]`, "onboarding")
		b.waitText(`[data-testid=history] li[data-role="role_editor"]`, "revoked by operator")
	})
}
