package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultTimeout bounds a whole request (connect, write, wait, read) of a
// Client built without WithHTTPClient.
const DefaultTimeout = 30 * time.Second

// Option configures a Client. The generated options are Options too:
// WithHTTPClient (any *http.Client or other HttpRequestDoer),
// WithRequestEditorFn and WithBaseURL.
type Option = ClientOption

// WithUserAgent sets the User-Agent header of every request.
func WithUserAgent(ua string) Option {
	return WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
		req.Header.Set("User-Agent", ua)
		return nil
	})
}

// Client is a Roster API client: the generated ClientWithResponses (one
// XxxWithResponse method per operation of openapi.yaml) sending
// `Authorization: Bearer <token>` with every request.
type Client struct {
	*ClientWithResponses
}

// New returns a Client for the Roster server at baseURL (such as
// "http://localhost:8080", without /v1) that authenticates with token, an
// operator or user token secret. An empty token sends no Authorization header,
// which is enough for /healthz and /readyz only.
func New(baseURL, token string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("roster: bad base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("roster: bad base URL %q: want http(s)://host[:port]", baseURL)
	}
	// Defaults first, so that the caller's options override them.
	all := []Option{WithHTTPClient(&http.Client{Timeout: DefaultTimeout})}
	if token != "" {
		bearer := "Bearer " + token
		all = append(all, WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", bearer)
			return nil
		}))
	}
	all = append(all, opts...)
	c, err := NewClientWithResponses(baseURL, all...)
	if err != nil {
		return nil, err
	}
	return &Client{ClientWithResponses: c}, nil
}

// Error is a failed answer from Roster, read from its problem+json body
// (RFC 9457). Use errors.As to reach it, or IsCode to test its Code.
type Error struct {
	Status int    // HTTP status
	Code   string // stable error code: validation_error, unauthorized, forbidden, not_found, conflict, …
	Title  string
	Detail string
	Fields []FieldError // for validation_error: which fields are wrong, by dotted path
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "roster: %d %s", e.Status, e.Code)
	switch {
	case e.Detail != "":
		b.WriteString(": " + e.Detail)
	case e.Title != "":
		b.WriteString(": " + e.Title)
	}
	for i, f := range e.Fields {
		if i == 0 {
			b.WriteString(" (")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(f.Field + ": " + f.Message)
		if i == len(e.Fields)-1 {
			b.WriteString(")")
		}
	}
	return b.String()
}

// codeForStatus names the contract's code for a status, for answers that
// carry no problem body (a proxy's 502, a plain-text 431).
var codeForStatus = map[int]string{
	http.StatusBadRequest:            "validation_error",
	http.StatusUnauthorized:          "unauthorized",
	http.StatusForbidden:             "forbidden",
	http.StatusNotFound:              "not_found",
	http.StatusConflict:              "conflict",
	http.StatusPreconditionFailed:    "precondition_failed",
	http.StatusRequestEntityTooLarge: "payload_too_large",
	http.StatusTooManyRequests:       "rate_limited",
	http.StatusInternalServerError:   "internal",
}

// maxDetail caps how much of a non-problem body ends up in Error.Detail.
const maxDetail = 200

// Check returns nil for a 2xx status, else an *Error built from body, which
// is normally application/problem+json. A body that is not a problem still
// gives an *Error, with the code the contract uses for that status (empty for
// statuses it has none for) and the start of the body as Detail.
func Check(status int, body []byte) error {
	if status >= 200 && status <= 299 {
		return nil
	}
	var p struct {
		Title  string       `json:"title"`
		Detail string       `json:"detail"`
		Code   string       `json:"code"`
		Errors []FieldError `json:"errors"`
	}
	if err := json.Unmarshal(body, &p); err == nil && p.Code != "" {
		return &Error{Status: status, Code: p.Code, Title: p.Title, Detail: p.Detail, Fields: p.Errors}
	}
	detail := strings.TrimSpace(string(body))
	if len(detail) > maxDetail {
		detail = detail[:maxDetail] + "…"
	}
	return &Error{Status: status, Code: codeForStatus[status], Title: http.StatusText(status), Detail: detail}
}

// Response is what every generated XxxResponse offers.
type Response interface {
	StatusCode() int
	GetBody() []byte
}

// CheckResponse folds the two results of a generated XxxWithResponse call
// into one error: err itself when the request failed, else Check of the
// answer (nil for 2xx).
//
//	res, err := c.GetRoleWithResponse(ctx, "acme", "role_editor")
//	if err := client.CheckResponse(res, err); err != nil { … }
func CheckResponse(res Response, err error) error {
	if err != nil {
		return err
	}
	if res == nil {
		return errors.New("roster: no response")
	}
	return Check(res.StatusCode(), res.GetBody())
}

// IsCode reports whether err is, or wraps, an *Error with the given code,
// such as "not_found" or "conflict".
func IsCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// All walks every page of a list: fetch gets the cursor of the page to read
// (nil for the first) and returns its items and the next cursor (nil or empty
// on the last page). Items come one by one with a nil error; a failed fetch
// yields one (zero, err) pair and ends the walk, as does a cancelled ctx.
//
//	for role, err := range client.All(ctx, func(ctx context.Context, cursor *string) ([]client.Role, *string, error) {
//		res, err := c.ListRolesWithResponse(ctx, "acme", &client.ListRolesParams{Cursor: cursor})
//		if err := client.CheckResponse(res, err); err != nil {
//			return nil, nil, err
//		}
//		return res.JSON200.Items, res.JSON200.NextCursor, nil
//	}) { … }
func All[T any](ctx context.Context, fetch func(ctx context.Context, cursor *string) (items []T, next *string, err error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var cursor *string
		for {
			var zero T
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			items, next, err := fetch(ctx, cursor)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if next == nil || *next == "" {
				return
			}
			if cursor != nil && *cursor == *next {
				// A server that hands back the cursor it was given would loop forever.
				yield(zero, fmt.Errorf("roster: pager: the server returned cursor %q twice", *next))
				return
			}
			c := *next
			cursor = &c
		}
	}
}
