package server

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/rosterhq/roster/internal/rbac"
)

// checkInput enforces the encoding rules that the spec cannot state (openapi.yaml,
// "Input is bounded"): a query whose every pair can be read, and a body in
// UTF-8. Without it both failures went unseen: net/url drops a pair it
// cannot decode without a word (so `limit=%zz` quietly meant the default
// limit), and encoding/json turns bytes that are not UTF-8 into U+FFFD,
// which was then stored as if the client had sent it.
func checkInput(req *http.Request) error {
	if err := checkQueryString(req.URL.RawQuery); err != nil {
		return err
	}
	return checkBody(req)
}

// checkQueryString refuses exactly the pairs url.ParseQuery would drop (a
// malformed percent-escape, a semicolon, which Go no longer reads as a
// separator), and values that do not decode to UTF-8, naming the parameter
// when its name can be read and `query` otherwise. It allocates only for
// pairs that hold escapes.
func checkQueryString(raw string) error {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		key, value, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(key)
		if err != nil || strings.Contains(key, ";") || !utf8.ValidString(name) {
			return rbac.Invalid("query", "is not a well-formed query string (percent-escape every reserved byte)")
		}
		if strings.Contains(value, ";") {
			return rbac.Invalid(name, "holds a semicolon: send it as %3B")
		}
		v, err := url.QueryUnescape(value)
		if err != nil {
			return rbac.Invalid(name, "has a malformed percent-escape")
		}
		if !utf8.ValidString(v) {
			return rbac.Invalid(name, "is not valid UTF-8")
		}
	}
	return nil
}

// checkBody reads the body (the body limit already bounds it) and refuses
// one declared in another charset or that is not UTF-8. It leaves the body
// readable for the validator and the handlers.
func checkBody(req *http.Request) error {
	if req.Body == nil || req.Body == http.NoBody {
		return nil
	}
	body, err := io.ReadAll(req.Body)
	req.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		if errors.Is(err, echo.ErrStatusRequestEntityTooLarge) {
			return err // answered as 413
		}
		return rbac.Invalid("body", "could not be read")
	}
	if len(body) == 0 {
		return nil
	}
	if !utf8Declared(req.Header.Get(echo.HeaderContentType)) {
		return rbac.Invalid("body", "must be sent as UTF-8 (charset=utf-8, or no charset)")
	}
	if !utf8.Valid(body) {
		return rbac.Invalid("body", "is not valid UTF-8")
	}
	return nil
}

// utf8Declared reports whether a Content-Type allows reading the body as
// UTF-8: no charset, or utf-8 in any case. The validator reads the media
// type of a Content-Type whose parameters do not parse, so such a one is
// refused here when it mentions a charset that cannot be read for certain
// (`charset=utf-16; charset=utf-8`).
func utf8Declared(contentType string) bool {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return !strings.Contains(strings.ToLower(contentType), "charset")
	}
	return utf8Charset(params)
}

// utf8Charset reports whether the parameters of a media type allow UTF-8:
// no charset, or utf-8 in any case.
func utf8Charset(params map[string]string) bool {
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8")
}
