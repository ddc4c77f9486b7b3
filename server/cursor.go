package server

import (
	"encoding/base64"
	"strings"

	"github.com/rosterhq/roster/internal/rbac"
)

// Cursors are opaque to clients so that the keyset behind them (an id today,
// maybe an id plus a sort key tomorrow) can change without breaking anyone:
// the version prefix lets a future format reject or migrate old cursors.
const cursorVersion = "v1:"

// defaultLimit is the page size when the client sends none (API.md, "Lists").
const defaultLimit = 20

// encodeCursor turns the store's `next` key into a next_cursor value; nil
// (JSON null) on the last page, because next_cursor is always present.
func encodeCursor(next string) *string {
	if next == "" {
		return nil
	}
	s := base64.RawURLEncoding.EncodeToString([]byte(cursorVersion + next))
	return &s
}

// decodeCursor returns the store key of a cursor this server issued, "" for
// none, and a validation error naming `cursor` for anything else.
func decodeCursor(c *string) (string, error) {
	if c == nil || *c == "" {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*c)
	if err != nil {
		return "", rbac.Invalid("cursor", "is not a cursor issued by this server")
	}
	key, ok := strings.CutPrefix(string(raw), cursorVersion)
	if !ok || key == "" {
		return "", rbac.Invalid("cursor", "is not a cursor issued by this server")
	}
	return key, nil
}

// page converts the generated limit and cursor parameters into an rbac.Page.
func page(limit *int, cursor *string) (rbac.Page, error) {
	after, err := decodeCursor(cursor)
	if err != nil {
		return rbac.Page{}, err
	}
	n := defaultLimit
	if limit != nil {
		n = *limit
	}
	// The validator enforces 1–100; this guards handlers called without it.
	if n < 1 || n > 100 {
		return rbac.Page{}, rbac.Invalid("limit", "must be between 1 and 100")
	}
	return rbac.Page{Limit: n, After: after}, nil
}
