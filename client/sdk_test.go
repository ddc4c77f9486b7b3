package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"testing"
)

func TestNew_headers(t *testing.T) {
	tests := []struct {
		name     string
		token    string
		opts     []Option
		wantAuth string
		wantUA   string
	}{
		{name: "token", token: "rst_abc", wantAuth: "Bearer rst_abc", wantUA: "Go-http-client/1.1"},
		{name: "no token", wantAuth: "", wantUA: "Go-http-client/1.1"},
		{name: "user agent", token: "t", opts: []Option{WithUserAgent("acme-sync/2.0")}, wantAuth: "Bearer t", wantUA: "acme-sync/2.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gotAuth, gotUA string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotAuth, gotUA = r.Header.Get("Authorization"), r.Header.Get("User-Agent")
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"status":"ok"}`)
			}))
			defer srv.Close()

			c, err := New(srv.URL, tt.token, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			res, err := c.GetHealthzWithResponse(context.Background())
			if err := CheckResponse(res, err); err != nil {
				t.Fatal(err)
			}
			if gotAuth != tt.wantAuth || gotUA != tt.wantUA {
				t.Errorf("Authorization %q, User-Agent %q; want %q, %q", gotAuth, gotUA, tt.wantAuth, tt.wantUA)
			}
			if res.JSON200 == nil || res.JSON200.Status != "ok" {
				t.Errorf("JSON200 = %+v, want status ok", res.JSON200)
			}
		})
	}
}

func TestNew_httpClient(t *testing.T) {
	var used bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used = true
		return http.DefaultTransport.RoundTrip(r)
	})}
	c, err := New(srv.URL, "t", WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetHealthz(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !used {
		t.Error("the *http.Client given with WithHTTPClient was not used")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestNew_badURL(t *testing.T) {
	for _, u := range []string{"", "localhost:8080", "ftp://x", "http://", "://x"} {
		if _, err := New(u, "t"); err == nil {
			t.Errorf("New(%q) = nil error, want one", u)
		}
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   *Error // nil: no error
	}{
		{name: "200", status: 200, body: `{}`},
		{name: "204 empty", status: 204},
		{
			name:   "problem with fields",
			status: 400,
			body: `{"type":"https://roster.dev/problems/validation_error","title":"Bad Request","status":400,` +
				`"detail":"invalid input","code":"validation_error","errors":[{"field":"scope.organization_id","message":"unknown organization"}]}`,
			want: &Error{Status: 400, Code: "validation_error", Title: "Bad Request", Detail: "invalid input",
				Fields: []FieldError{{Field: "scope.organization_id", Message: "unknown organization"}}},
		},
		{
			name:   "problem without detail",
			status: 404,
			body:   `{"type":"about:blank","title":"Not Found","status":404,"code":"not_found"}`,
			want:   &Error{Status: 404, Code: "not_found", Title: "Not Found"},
		},
		{
			name:   "plain text",
			status: 431,
			body:   "431 Request Header Fields Too Large\n",
			want:   &Error{Status: 431, Title: "Request Header Fields Too Large", Detail: "431 Request Header Fields Too Large"},
		},
		{
			name:   "no body, known status",
			status: 409,
			want:   &Error{Status: 409, Code: "conflict", Title: "Conflict"},
		},
		{
			name:   "json that is not a problem",
			status: 500,
			body:   `{"message":"boom"}`,
			want:   &Error{Status: 500, Code: "internal", Title: "Internal Server Error", Detail: `{"message":"boom"}`},
		},
		{
			name:   "redirect is not success",
			status: 302,
			want:   &Error{Status: 302, Title: "Found"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.status, []byte(tt.body))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			var got *Error
			if !errors.As(err, &got) {
				t.Fatalf("Check = %#v, want an *Error", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Check =\n%#v\nwant\n%#v", got, tt.want)
			}
		})
	}
}

func TestCheck_longBodyIsCut(t *testing.T) {
	body := make([]byte, 5000)
	for i := range body {
		body[i] = 'x'
	}
	var e *Error
	if !errors.As(Check(502, body), &e) {
		t.Fatal("want *Error")
	}
	if len(e.Detail) > maxDetail+len("…") {
		t.Errorf("Detail has %d bytes, want at most %d", len(e.Detail), maxDetail+len("…"))
	}
}

func TestError_Error(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Status: 404, Code: "not_found", Title: "Not Found", Detail: "role not found"}, "roster: 404 not_found: role not found"},
		{&Error{Status: 403, Code: "forbidden", Title: "Forbidden"}, "roster: 403 forbidden: Forbidden"},
		{&Error{Status: 400, Code: "validation_error", Detail: "invalid input", Fields: []FieldError{
			{Field: "name", Message: "does not match the pattern"}, {Field: "permissions[0]", Message: "bad permission"},
		}}, "roster: 400 validation_error: invalid input (name: does not match the pattern; permissions[0]: bad permission)"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

// TestCheckResponse drives the generated client against a fake server, so it
// also proves that the problem body reaches CheckResponse intact.
func TestCheckResponse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"type":"about:blank","title":"Not Found","status":404,"detail":"role not found","code":"not_found"}`)
	}))
	defer srv.Close()
	c, err := New(srv.URL, "t")
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.GetRoleWithResponse(context.Background(), "acme", "role_nope")
	err = CheckResponse(res, err)
	wrapped := fmt.Errorf("sync roles: %w", err)
	if !IsCode(wrapped, "not_found") || IsCode(wrapped, "conflict") {
		t.Errorf("IsCode(%v): want not_found only", wrapped)
	}
	var e *Error
	if !errors.As(wrapped, &e) || e.Status != 404 || e.Detail != "role not found" {
		t.Errorf("errors.As = %+v", e)
	}

	transport := errors.New("connection refused")
	if got := CheckResponse((*GetRoleResponse)(nil), transport); got != transport {
		t.Errorf("CheckResponse(nil, err) = %v, want err itself", got)
	}
	if IsCode(nil, "not_found") || IsCode(transport, "not_found") {
		t.Error("IsCode is true for an error that is not an *Error")
	}
}

// pages serves items 0..n-1 as `limit`-sized pages, with the cursor being the
// next index; it counts the fetches.
type pages struct {
	n, limit, fetches int
	failAt            int // fetch number that fails; 0: none
}

func (p *pages) fetch(_ context.Context, cursor *string) ([]int, *string, error) {
	p.fetches++
	if p.fetches == p.failAt {
		return nil, nil, errors.New("boom")
	}
	start := 0
	if cursor != nil {
		start, _ = strconv.Atoi(*cursor)
	}
	var items []int
	for i := start; i < p.n && i < start+p.limit; i++ {
		items = append(items, i)
	}
	if start+p.limit >= p.n {
		return items, nil, nil
	}
	next := strconv.Itoa(start + p.limit)
	return items, &next, nil
}

func TestAll(t *testing.T) {
	tests := []struct {
		name        string
		p           pages
		stopAfter   int // break after this many items; 0: never
		wantItems   int
		wantFetches int
		wantErr     bool
	}{
		{name: "empty", p: pages{n: 0, limit: 10}, wantItems: 0, wantFetches: 1},
		{name: "one page", p: pages{n: 7, limit: 10}, wantItems: 7, wantFetches: 1},
		{name: "exact pages", p: pages{n: 20, limit: 10}, wantItems: 20, wantFetches: 2},
		{name: "three pages", p: pages{n: 25, limit: 10}, wantItems: 25, wantFetches: 3},
		{name: "break stops fetching", p: pages{n: 25, limit: 10}, stopAfter: 12, wantItems: 12, wantFetches: 2},
		{name: "error on second page", p: pages{n: 25, limit: 10, failAt: 2}, wantItems: 10, wantFetches: 2, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int
			var gotErr error
			for it, err := range All(context.Background(), tt.p.fetch) {
				if err != nil {
					gotErr = err
					continue // All must end by itself after an error
				}
				got = append(got, it)
				if len(got) == tt.stopAfter {
					break
				}
			}
			if len(got) != tt.wantItems || tt.p.fetches != tt.wantFetches || (gotErr != nil) != tt.wantErr {
				t.Errorf("got %d items, %d fetches, err %v; want %d, %d, err %v",
					len(got), tt.p.fetches, gotErr, tt.wantItems, tt.wantFetches, tt.wantErr)
			}
			for i, v := range got {
				if v != i {
					t.Fatalf("item %d is %d: pages out of order", i, v)
				}
			}
		})
	}
}

func TestAll_cancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := pages{n: 25, limit: 10}
	var n int
	var gotErr error
	for _, err := range All(ctx, p.fetch) {
		if err != nil {
			gotErr = err
			break
		}
		if n++; n == 10 {
			cancel()
		}
	}
	if !errors.Is(gotErr, context.Canceled) || p.fetches != 1 {
		t.Errorf("err %v after %d fetches; want context.Canceled after 1", gotErr, p.fetches)
	}
}

func TestAll_repeatedCursor(t *testing.T) {
	same := "c1"
	fetches := 0
	var gotErr error
	for _, err := range All(context.Background(), func(context.Context, *string) ([]int, *string, error) {
		fetches++
		return []int{1}, &same, nil
	}) {
		gotErr = err
	}
	if gotErr == nil || fetches != 2 {
		t.Errorf("err %v after %d fetches; want an error after 2", gotErr, fetches)
	}
}

// TestAll_generatedList walks a real list operation of the generated client
// over a fake server that pages through roles by cursor.
func TestAll_generatedList(t *testing.T) {
	ids := []string{"role_a", "role_b", "role_c", "role_d", "role_e"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/tenants/acme/roles" || r.Header.Get("Authorization") != "Bearer t" {
			http.Error(w, "unexpected request "+r.URL.String(), http.StatusTeapot)
			return
		}
		start, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		page := RoleList{Items: []Role{}}
		for i := start; i < len(ids) && i < start+limit; i++ {
			page.Items = append(page.Items, Role{Id: ids[i], Name: ids[i][len("role_"):], Permissions: []string{}, InheritsFrom: []string{}})
		}
		if start+limit < len(ids) {
			next := strconv.Itoa(start + limit)
			page.NextCursor = &next
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(page)
	}))
	defer srv.Close()
	c, err := New(srv.URL, "t")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var got []string
	for role, err := range All(ctx, func(ctx context.Context, cursor *string) ([]Role, *string, error) {
		res, err := c.ListRolesWithResponse(ctx, "acme", &ListRolesParams{Limit: new(2), Cursor: cursor})
		if err := CheckResponse(res, err); err != nil {
			return nil, nil, err
		}
		return res.JSON200.Items, res.JSON200.NextCursor, nil
	}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, role.Id)
	}
	if !reflect.DeepEqual(got, ids) {
		t.Errorf("walked %v, want %v", got, ids)
	}
}
