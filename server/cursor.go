package server

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/rosterhq/roster/gen"
	"github.com/rosterhq/roster/internal/rbac"
)

// Cursors are opaque to clients so that the keyset behind them (an id today,
// maybe an id plus a sort key tomorrow) can change without breaking anyone.
// Handlers speak the inner form below (page, encodeCursor), whose version
// prefix lets a future keyset reject or migrate old positions; clients only
// ever hold it sealed (cursorSeal, further down).
const cursorVersion = "v1:"

// defaultLimit is the page size when the client sends none (openapi.yaml, "Conventions").
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

// Sealed cursors. What a client holds is not the form above but a sealed
// one: an HMAC binds the position to the list it was issued for (openapi.yaml,
// "Input is bounded"), so a forged cursor, or one carried to another list
// (another operation, tenant, path id or filter), is a 400 naming `cursor`
// rather than a page of some other list starting at a chosen key. Sealing
// is one strict middleware around every operation that takes a `cursor`,
// so no list can forget it: it opens the cursor a request carries into the
// form above before the handler runs, and seals the next_cursor (or the
// JSON:API links.next) the handler answers with.

const (
	sealVersion = 1
	macSize     = 16 // 128 bits of HMAC-SHA256: forging one is out of reach
)

func errForeignCursor() error {
	return rbac.Invalid("cursor", "is not a cursor this server issued for this list")
}

type cursorSeal struct{ key []byte }

// newCursorSeal seals with key; nil means a random key for this process,
// which only suits a single process: replicas must share one
// (server.Config.CursorKey).
func newCursorSeal(key []byte) cursorSeal {
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			panic("crypto/rand failed: " + err.Error()) // never happens on supported platforms
		}
	}
	return cursorSeal{key: key}
}

func (s cursorSeal) mac(list []byte, position string) []byte {
	h := hmac.New(sha256.New, s.key)
	h.Write(list)
	h.Write([]byte{0}) // list never holds a NUL after its operation id: JSON escapes it
	h.Write([]byte(position))
	return h.Sum(nil)[:macSize]
}

func (s cursorSeal) seal(list []byte, position string) string {
	b := append([]byte{sealVersion}, s.mac(list, position)...)
	return base64.RawURLEncoding.EncodeToString(append(b, position...))
}

func (s cursorSeal) open(list []byte, cursor string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(b) <= 1+macSize || b[0] != sealVersion {
		return "", errForeignCursor()
	}
	position := string(b[1+macSize:])
	if !hmac.Equal(b[1:1+macSize], s.mac(list, position)) {
		return "", errForeignCursor()
	}
	return position, nil
}

// middleware is the strict middleware described above. Requests of
// operations without a `cursor` parameter pass untouched.
func (s cursorSeal) middleware(f gen.StrictHandlerFunc, operationID string) gen.StrictHandlerFunc {
	return func(c echo.Context, request any) (any, error) {
		req := reflect.ValueOf(request)
		cursor := cursorField(req)
		if !cursor.IsValid() {
			return f(c, request)
		}
		list, err := listOf(c.Request().Context(), operationID, req)
		if err != nil {
			return nil, err
		}
		if sealed, _ := cursor.Interface().(*string); sealed != nil && *sealed != "" {
			position, err := s.open(list, *sealed)
			if err != nil {
				return nil, err
			}
			v := copyOf(req)
			cursorField(v).Set(reflect.ValueOf(encodeCursor(position)))
			request = v.Interface()
		}
		resp, err := f(c, request)
		if err != nil || resp == nil {
			return resp, err
		}
		return s.sealNext(list, resp)
	}
}

// cursorField is the request's Params.Cursor (a *string), or the zero Value
// when the operation takes no cursor.
func cursorField(req reflect.Value) reflect.Value {
	if req.Kind() != reflect.Struct {
		return reflect.Value{}
	}
	params := req.FieldByName("Params")
	if params.Kind() != reflect.Struct {
		return reflect.Value{}
	}
	f := params.FieldByName("Cursor")
	if !f.IsValid() || f.Type() != reflect.TypeFor[*string]() {
		return reflect.Value{}
	}
	return f
}

// listOf names the list a request reads: its operation and everything in
// the request but the position (cursor), the page size (limit) and the
// freshness (min_revision), which a client may change from page to page.
// That is the tenant, the path ids and the filters (role_id, search,
// holds_role…). `me` counts as the caller's own id: the same list.
func listOf(ctx context.Context, operationID string, req reflect.Value) ([]byte, error) {
	v := copyOf(req)
	params := v.FieldByName("Params")
	for _, name := range []string{"Cursor", "Limit", "MinRevision"} {
		if f := params.FieldByName(name); f.IsValid() {
			f.SetZero()
		}
	}
	if u := v.FieldByName("UserId"); u.Kind() == reflect.String {
		if id, err := userID(ctx, u.String()); err == nil {
			u.SetString(id)
		}
	}
	b, err := json.Marshal(v.Interface())
	if err != nil {
		return nil, fmt.Errorf("cursor: describe the list of %s: %w", operationID, err)
	}
	return append([]byte(operationID+"\x00"), b...), nil
}

// sealNext seals the cursor of the next page in a list response: its
// next_cursor, or the cursor in a JSON:API document's links.next, which
// points at the same operation. Other responses pass untouched.
func (s cursorSeal) sealNext(list []byte, resp any) (any, error) {
	v := reflect.ValueOf(resp)
	if v.Kind() != reflect.Struct {
		return resp, nil
	}
	v = copyOf(v)
	obj := v
	if b := v.FieldByName("Body"); b.IsValid() && b.Kind() == reflect.Struct {
		obj = b // a response that declares headers carries its body in Body
	}
	next := obj.FieldByName("NextCursor")
	link := false
	if links := obj.FieldByName("Links"); !next.IsValid() && links.Kind() == reflect.Struct {
		next, link = links.FieldByName("Next"), true
	}
	if !next.IsValid() || next.Type() != reflect.TypeFor[*string]() || next.IsNil() {
		return resp, nil
	}
	inner := next.Elem().String()
	if link {
		u, err := url.Parse(inner)
		if err != nil {
			return nil, fmt.Errorf("cursor: links.next %q: %w", inner, err)
		}
		q := u.Query()
		c := q.Get("cursor")
		position, err := decodeCursor(&c)
		if err != nil || position == "" {
			return nil, fmt.Errorf("cursor: links.next %q holds no cursor", inner)
		}
		q.Set("cursor", s.seal(list, position))
		u.RawQuery = q.Encode()
		sealed := u.String()
		next.Set(reflect.ValueOf(&sealed))
		return v.Interface(), nil
	}
	position, err := decodeCursor(&inner)
	if err != nil || position == "" {
		return nil, fmt.Errorf("cursor: a handler answered next_cursor %q", inner)
	}
	sealed := s.seal(list, position)
	next.Set(reflect.ValueOf(&sealed))
	return v.Interface(), nil
}

// copyOf returns a settable copy of v, of the same type.
func copyOf(v reflect.Value) reflect.Value {
	c := reflect.New(v.Type()).Elem()
	c.Set(v)
	return c
}
