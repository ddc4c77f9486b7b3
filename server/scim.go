package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/rosterhq/roster/internal/scim"
)

// SCIM 2.0 provisioning (openapi.yaml, tag SCIM; internal/scim holds the
// protocol). The handlers here map SCIM resources onto Roster's own writes
// — the same store units, grant policy and audit as the native API — and
// answer SCIM's own errors: application/scim+json with `status` a string
// and a scimType, whoever raised them (the authenticator, the validator,
// the store). Writes report Roster-Revision like every write, so the
// engine learns of them before the next request (notifyWrites).

// scimPrefix is the echo route prefix of every SCIM operation.
const scimPrefix = "/v1/tenants/:tenant_id/scim/v2/"

// isScimRoute reports whether a request is SCIM's: its echo route, or for
// a request no route matched (an unknown SCIM endpoint), its path.
func isScimRoute(route, path string) bool {
	if strings.HasPrefix(route, scimPrefix) {
		return true
	}
	_, rest, ok := strings.Cut(path, "/v1/tenants/")
	if !ok || !strings.HasPrefix(path, "/v1/tenants/") {
		return false
	}
	_, rest, _ = strings.Cut(rest, "/")
	return strings.HasPrefix(rest, "scim/v2/")
}

// scimErrorFor is the SCIM error for anything a SCIM route raised.
func scimErrorFor(err error) *scim.Error {
	var se *scim.Error
	if errors.As(err, &se) {
		return se
	}
	p := problemFor(err)
	e := &scim.Error{Status: p.Status, Detail: p.Title}
	if p.Detail != nil && *p.Detail != "" {
		e.Detail = *p.Detail
	}
	if p.Errors != nil && len(*p.Errors) > 0 {
		f := (*p.Errors)[0]
		e.Detail = scimField(f.Field) + ": " + f.Message
	}
	switch p.Status {
	case http.StatusBadRequest:
		e.Type = scim.TypeInvalidValue
		if p.Errors != nil && len(*p.Errors) > 0 && (*p.Errors)[0].Field == "body" {
			e.Type = scim.TypeInvalidSyntax
		}
	case http.StatusConflict:
		if strings.Contains(e.Detail, "already exists") {
			e.Type = scim.TypeUniqueness
		}
	}
	return e
}

var memberField = regexp.MustCompile(`^data\[\d+\](\.id)?$`)

// scimField names a native field as SCIM does.
func scimField(f string) string {
	switch f {
	case "username":
		return "userName"
	case "email":
		return "emails"
	case "external_user_id":
		return "externalId"
	case "first_name":
		return "name.givenName"
	case "last_name":
		return "name.familyName"
	case "status":
		return "active"
	case "name":
		return "displayName"
	}
	if memberField.MatchString(f) {
		return "members"
	}
	return f
}

// writeScimError answers a SCIM error (RFC 7644 §3.12).
func writeScimError(c echo.Context, e *scim.Error, log *slog.Logger) {
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(e.Status)
		return
	}
	body := map[string]any{"schemas": []string{scim.ErrorSchema}, "status": strconv.Itoa(e.Status)}
	if e.Type != "" {
		body["scimType"] = e.Type
	}
	if e.Detail != "" {
		body["detail"] = e.Detail
	}
	b, _ := json.Marshal(body)
	if err := c.Blob(e.Status, "application/scim+json", b); err != nil {
		log.WarnContext(c.Request().Context(), "write scim error", "error", err)
	}
}

// scimBody is a request's body, whichever media type carried it.
func scimBody[T ~map[string]any](a, b *T) map[string]any {
	switch {
	case a != nil:
		return *a
	case b != nil:
		return *b
	}
	return map[string]any{}
}

// scimBase is the tenant's SCIM base URL (for meta.location and $ref):
// from --public-url, else from the request (requestBase).
func (s *Server) scimBase(ctx context.Context, tenantID string) string {
	base := s.PublicURL
	if base == "" {
		base, _ = ctx.Value(requestBaseKey{}).(string)
	}
	return strings.TrimSuffix(base, "/") + "/v1/tenants/" + url.PathEscape(tenantID) + "/scim/v2"
}

// scimPage reads startIndex and count as RFC 7644 §3.4.2.4 says: 1-based,
// less than 1 is 1; count less than 0 is 0, and at most maxScimCount.
func scimPage(startIndex, count *int) (start, n int) {
	start, n = 1, defaultScimCount
	if startIndex != nil && *startIndex > 1 {
		start = *startIndex
	}
	if count != nil {
		n = min(max(*count, 0), maxScimCount)
	}
	return start, n
}

const (
	defaultScimCount = 100
	maxScimCount     = 1000
)

// pageOf returns items[start-1 : start-1+n], clamped.
func pageOf[T any](items []T, start, n int) []T {
	from := min(start-1, len(items))
	return items[from:min(from+n, len(items))]
}

// asGen converts a rendered resource to its generated type.
func asGen[T any](m map[string]any) (T, error) {
	var out T
	b, err := json.Marshal(m)
	if err != nil {
		return out, err
	}
	return out, json.Unmarshal(b, &out)
}

func optStr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// currentRevision is the tenant's revision, for a write that made none.
func (s *Server) currentRevision(ctx context.Context, tenantID string) (int64, error) {
	t, err := s.Store.GetTenant(ctx, tenantID)
	return t.Revision, err
}
