package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/rosterhq/roster/internal/rbac"
)

// Idempotency-Key (openapi.yaml, Conventions): a write under /v1 sent with a
// key runs at most once per caller, tenant and key; its answer is stored in
// the write's own transaction (rbac.IdempotencyStore) and a repeat of the
// same request answers it again with `Idempotent-Replayed: true`.
//
// Invariant: inFlight holds the keys this replica is running; a repeat
// that arrives meanwhile is 409 rather than a wait. A repeat on another
// replica waits on the tenant's write lock and then finds the answer.

const headerIdempotencyKey = "Idempotency-Key"

// replayedHeaders are the answer's headers worth replaying.
var replayedHeaders = []string{echo.HeaderContentType, "Roster-Revision", "ETag", echo.HeaderLocation}

type idempotency struct {
	store    rbac.IdempotencyStore
	inFlight sync.Map // scope \x00 caller \x00 key → struct{}
	// afterCommit, when set, runs between a keyed write's commit and its
	// answer (Config.AfterIdempotentCommit).
	afterCommit func(key string)
}

func (m *idempotency) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		key := req.Header.Get(headerIdempotencyKey)
		if key == "" || req.Method == http.MethodGet || req.Method == http.MethodHead || !strings.HasPrefix(req.URL.Path, "/v1/") || keyIgnored(c.Path()) {
			return next(c)
		}
		if !validIdempotencyKey(key) {
			return rbac.Invalid(headerIdempotencyKey, "must be 1 to 255 printable ASCII characters")
		}
		p := principalFrom(req.Context())
		if p == nil {
			return next(c) // a route that needs no token writes nothing
		}
		scope, _ := param(c, "tenant_id")
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return err // the body limit's 413, among others
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		ir := rbac.IdempotentRequest{Scope: scope, Caller: p.Actor().ID(), Key: key, Hash: requestHash(req, body)}
		flight := ir.Scope + "\x00" + ir.Caller + "\x00" + ir.Key
		if _, busy := m.inFlight.LoadOrStore(flight, struct{}{}); busy {
			return rbac.Errorf(rbac.EConflict, "a request with this Idempotency-Key is still running; retry when it has answered")
		}
		defer m.inFlight.Delete(flight)

		orig := c.Response().Writer
		rec := &recorder{header: http.Header{}}
		resp, replayed, err := m.store.RunIdempotent(req.Context(), ir, p.now, func(ctx context.Context) (rbac.IdempotentResponse, error) {
			c.SetRequest(req.WithContext(ctx))
			c.Response().Writer = rec
			defer func() { c.Response().Writer = orig }()
			if err := next(c); err != nil {
				return rbac.IdempotentResponse{}, err
			}
			return rec.response(), nil
		})
		c.SetRequest(req)
		if err != nil {
			if c.Response().Committed && !replayed {
				// The handler's answer went to the recorder and was thrown
				// away with the transaction: the error handler answers.
				c.Response().Committed = false
			}
			return err
		}
		if !replayed && m.afterCommit != nil {
			m.afterCommit(key)
		}
		if replayed {
			for k, v := range resp.Header {
				c.Response().Header().Set(k, v)
			}
			c.Response().Header().Set("Idempotent-Replayed", "true")
			return c.Blob(resp.Status, resp.Header[echo.HeaderContentType], resp.Body)
		}
		for k, vs := range rec.header {
			orig.Header()[k] = vs
		}
		orig.WriteHeader(rec.status)
		_, err = orig.Write(rec.body.Bytes())
		return err
	}
}

// keyIgnored reports whether an echo route ignores Idempotency-Key: reads
// sent with POST (the checks, AuthZEN's decisions and searches) write
// nothing to guard, and POST /bulk's operations are the writes (a keyed
// bulk would hold one transaction around writes meant to commit one by one).
func keyIgnored(route string) bool {
	// SCIM writes ignore a key too: identity providers send none, and a
	// SCIM write may be several store writes in one transaction of its own.
	return route == routeCheck || route == routeCheckBatch || isAuthzenRoute(route) || route == routeBulk ||
		strings.HasPrefix(route, scimPrefix)
}

// recorder holds a keyed write's answer until its transaction commits.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

// response is what is stored for replay.
func (r *recorder) response() rbac.IdempotentResponse {
	out := rbac.IdempotentResponse{Status: r.status, Header: map[string]string{}, Body: bytes.Clone(r.body.Bytes())}
	if out.Status == 0 {
		out.Status = http.StatusOK
	}
	for _, h := range replayedHeaders {
		if v := r.header.Get(h); v != "" {
			out.Header[h] = v
		}
	}
	return out
}

// validIdempotencyKey: 1–255 printable ASCII characters (IETF
// Idempotency-Key draft).
func validIdempotencyKey(k string) bool {
	if len(k) == 0 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// requestHash identifies a request: method, path, query and body.
func requestHash(req *http.Request, body []byte) string {
	h := sha256.New()
	for _, part := range []string{req.Method, req.URL.EscapedPath(), req.URL.RawQuery} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}
