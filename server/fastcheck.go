package server

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/rosterhq/roster/internal/rbac"
)

// The spec validator costs more than the rest of a cached check (route
// lookup, decoding into interface{}, walking the schema): measured with
// BenchmarkCheckHTTP it was ~15% of all CPU against ~6% for the handler.
// For the two check routes, the hot path of the product, acceptValid
// recognises the common, valid request by hand and lets it skip the
// validator. It only ever accepts: anything it is not sure about goes
// through the full validator, which then answers with the usual named
// 400s. TestFastCheck_neverAcceptsWhatTheSpecRejects holds it to the spec.

const (
	routeCheck      = "/v1/tenants/:tenant_id/check"
	routeCheckBatch = "/v1/tenants/:tenant_id/check/batch"
	maxBatch        = 1000 // CheckBatchRequest.checks maxItems
)

func withFastChecks(validate echo.MiddlewareFunc) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		slow := validate(next)
		return func(c echo.Context) error {
			if c.Request().Method == "POST" && (c.Path() == routeCheck || c.Path() == routeCheckBatch) && acceptValid(c) {
				return next(c)
			}
			return slow(c)
		}
	}
}

// acceptValid reports whether the request is certainly valid per the spec.
// It leaves the body readable either way.
func acceptValid(c echo.Context) bool {
	req := c.Request()
	if mt, _, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType)); err != nil || mt != echo.MIMEApplicationJSON {
		return false
	}
	for key, vals := range req.URL.Query() {
		if key != "min_revision" {
			continue // the spec ignores unknown query parameters, as does the validator
		}
		if len(vals) != 1 {
			return false
		}
		n, err := strconv.ParseInt(vals[0], 10, 64)
		if err != nil || n < 0 {
			return false
		}
	}
	body, err := io.ReadAll(req.Body)
	req.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return false
	}
	if c.Path() == routeCheck {
		return validCheck(body)
	}
	return validBatch(body)
}

func validBatch(body []byte) bool {
	members, ok := object(body, "checks")
	if !ok {
		return false
	}
	raw := members["checks"]
	if len(raw) == 0 || raw[0] != '[' {
		return false
	}
	var checks []json.RawMessage
	if json.Unmarshal(raw, &checks) != nil || len(checks) < 1 || len(checks) > maxBatch {
		return false
	}
	for _, item := range checks {
		if !validCheck(item) {
			return false
		}
	}
	return true
}

func validCheck(body []byte) bool {
	members, ok := object(body, "user_id", "permission", "organization_id")
	if !ok {
		return false
	}
	user, ok := stringMember(members["user_id"], 80)
	if !ok || user == nil {
		return false
	}
	perm, ok := stringMember(members["permission"], 200)
	if !ok || perm == nil || !rbac.ValidPermission(*perm) {
		return false
	}
	_, ok = stringMember(members["organization_id"], 80)
	return ok
}

// object decodes one JSON object whose member names are all among allowed,
// compared exactly (encoding/json's struct decoding would match USER_ID to
// user_id, which the spec rejects), with nothing after it.
func object(body []byte, allowed ...string) (map[string]json.RawMessage, bool) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	var members map[string]json.RawMessage
	if dec.Decode(&members) != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	for name := range members {
		if !slices.Contains(allowed, name) {
			return nil, false
		}
	}
	return members, true
}

// stringMember accepts an absent member (nil) or a JSON string of at most
// maxLen characters; null or any other type is not accepted.
func stringMember(raw json.RawMessage, maxLen int) (*string, bool) {
	if raw == nil {
		return nil, true
	}
	if len(raw) == 0 || raw[0] != '"' {
		return nil, false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil || utf8.RuneCountInString(s) > maxLen {
		return nil, false
	}
	return &s, true
}
