package client

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"math"
	"net/http"
	"strconv"
	"time"
)

// WithRetries makes the Client retry a request up to n more times when no
// answer came back (a network error, a timeout) or the answer says to try
// again (429, 502, 503, 504), waiting Retry-After when the server says how
// long, else an exponential backoff from 100 ms, at most maxRetryWait.
// Every write (POST, PUT, PATCH, DELETE) is sent with an Idempotency-Key,
// the same on every attempt, so that a write whose answer was lost is
// answered again rather than made twice (openapi.yaml, Conventions). Put it
// after WithHTTPClient: it wraps the HTTP client configured before it.
func WithRetries(n int) Option {
	return func(c *RawClient) error {
		c.Client = &retrying{next: c.Client, retries: n, sleep: sleepCtx}
		return nil
	}
}

// maxRetryWait caps one wait between attempts.
const maxRetryWait = 10 * time.Second

type retrying struct {
	next    HttpRequestDoer
	retries int
	sleep   func(ctx context.Context, d time.Duration) error
}

func (r *retrying) Do(req *http.Request) (*http.Response, error) {
	if isWrite(req.Method) && req.Header.Get("Idempotency-Key") == "" {
		req.Header.Set("Idempotency-Key", newIdempotencyKey())
	}
	for attempt := 0; ; attempt++ {
		resp, err := r.next.Do(req)
		wait, again := retryable(resp, err, attempt)
		if !again || attempt >= r.retries || (req.Body != nil && req.GetBody == nil) {
			return resp, err
		}
		if resp != nil {
			resp.Body.Close()
		}
		if req.GetBody != nil {
			body, gerr := req.GetBody()
			if gerr != nil {
				return nil, gerr
			}
			req.Body = body
		}
		if serr := r.sleep(req.Context(), wait); serr != nil {
			return nil, serr
		}
	}
}

func isWrite(method string) bool {
	return method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch || method == http.MethodDelete
}

// retryable says whether an attempt's outcome is worth another, and after
// how long.
func retryable(resp *http.Response, err error, attempt int) (time.Duration, bool) {
	backoff := time.Duration(math.Min(float64(maxRetryWait), float64(100*time.Millisecond)*math.Pow(2, float64(attempt))))
	if err != nil {
		return backoff, true
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		if s, perr := strconv.Atoi(resp.Header.Get("Retry-After")); perr == nil && s >= 0 {
			return min(time.Duration(s)*time.Second, maxRetryWait), true
		}
		return backoff, true
	}
	return 0, false
}

// newIdempotencyKey is 128 random bits, URL-safe.
func newIdempotencyKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
