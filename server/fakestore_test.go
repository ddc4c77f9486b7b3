package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/auth"
	"github.com/rosterhq/roster/internal/rbac"
)

// fakeStore is the smallest rbac.Store the HTTP layer's unit tests need:
// tokens, tenants, user permissions, and a few reads and writes that echo
// their input after applying the input rules and the token rules every
// store applies (rbac's Validate methods, rbac.Caller.CanMint). Methods it does not implement panic through the nil embedded
// interface, which fails the test loudly.
type fakeStore struct {
	rbac.Store

	mu      sync.Mutex
	tokens  map[string]rbac.Token // by hash
	tenants map[string]bool
	perms   map[string][]string // by user id
	users   map[string]rbac.User
	touched []string
	minted  []rbac.TokenInput
}

var fakeNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func newFakeStore() *fakeStore {
	return &fakeStore{
		tokens:  map[string]rbac.Token{},
		tenants: map[string]bool{},
		perms:   map[string][]string{},
		users:   map[string]rbac.User{},
	}
}

// addToken registers a token and returns its secret.
func (f *fakeStore) addToken(t rbac.Token) string {
	secret, hash := auth.NewSecret()
	f.tokens[hash] = t
	if t.TenantID != "" {
		f.tenants[t.TenantID] = true
	}
	return secret
}

func (f *fakeStore) addUser(tenant, id string, perms ...string) {
	f.users[tenant+"/"+id] = rbac.User{TenantID: tenant, ID: id, Email: id + "@x.test", Status: rbac.StatusActive, Version: 3, CreatedAt: fakeNow, UpdatedAt: fakeNow}
	f.perms[id] = perms
	f.tenants[tenant] = true
}

func (f *fakeStore) Authenticate(_ context.Context, hash string, _ time.Time) (rbac.Token, error) {
	t, ok := f.tokens[hash]
	if !ok {
		return rbac.Token{}, rbac.Errorf(rbac.EUnauthorized, "no such token")
	}
	return t, nil
}

func (f *fakeStore) TouchToken(_ context.Context, id string, _ time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.touched = append(f.touched, id)
	return nil
}

func (f *fakeStore) GetTenant(_ context.Context, id string) (rbac.Tenant, error) {
	if !f.tenants[id] {
		return rbac.Tenant{}, rbac.NotFound("tenant")
	}
	return rbac.Tenant{ID: id, Name: id, Revision: 7, CreatedAt: fakeNow, UpdatedAt: fakeNow}, nil
}

func (f *fakeStore) GetUser(_ context.Context, tenantID, userID string) (rbac.User, error) {
	u, ok := f.users[tenantID+"/"+userID]
	if !ok {
		return rbac.User{}, rbac.NotFound("user")
	}
	return u, nil
}

func (f *fakeStore) ListAssignments(context.Context, string, string, rbac.Page) ([]rbac.Assignment, string, error) {
	return nil, "", nil
}

func (f *fakeStore) ListTokens(context.Context, string, string, rbac.Page) ([]rbac.Token, string, error) {
	return nil, "", nil
}

func (f *fakeStore) ListTenants(_ context.Context, p rbac.Page) ([]rbac.Tenant, string, error) {
	return []rbac.Tenant{{ID: "acme", CreatedAt: fakeNow, UpdatedAt: fakeNow}}, "acme", nil
}

func (f *fakeStore) CreateToken(_ context.Context, w rbac.Write, in rbac.TokenInput) (rbac.Token, int64, error) {
	if err := in.Validate(fakeNow); err != nil {
		return rbac.Token{}, 0, err
	}
	end, err := w.Caller.CanMint(in)
	if err != nil {
		return rbac.Token{}, 0, err
	}
	in.ExpiresAt = end
	f.mu.Lock()
	defer f.mu.Unlock()
	f.minted = append(f.minted, in)
	return rbac.Token{ID: "tok_new", TenantID: w.TenantID, UserID: in.UserID, Name: in.Name, Scopes: in.Scopes, CreatedAt: fakeNow}, 8, nil
}

func (f *fakeStore) Assign(_ context.Context, w rbac.Write, userID string, in rbac.AssignmentInput) (rbac.Assignment, bool, int64, error) {
	if err := in.Validate("", fakeNow); err != nil {
		return rbac.Assignment{}, false, 0, err
	}
	return rbac.Assignment{UserID: userID, RoleID: in.RoleID, OrganizationID: in.OrganizationID, AssignedBy: w.Actor.ID(), AssignedAt: fakeNow}, true, 9, nil
}

func (f *fakeStore) ReplaceAssignments(_ context.Context, w rbac.Write, userID string, in []rbac.AssignmentInput) ([]rbac.Assignment, int64, error) {
	for i, a := range in {
		if err := a.Validate(fmt.Sprintf("assignments[%d].", i), fakeNow); err != nil {
			return nil, 0, err
		}
	}
	return nil, 9, nil
}

func (f *fakeStore) CreateUser(_ context.Context, w rbac.Write, in rbac.UserInput) (rbac.User, int64, error) {
	return rbac.User{ID: "usr_new", Email: in.Email, Status: rbac.StatusActive, Roles: in.Roles, Version: 1}, 9, nil
}

func (f *fakeStore) Ping(context.Context) error { return nil }

// fixture is an app over a fakeStore with an operator, a tenant admin
// (`*:*`), a plain member (no permissions) and a reader in tenant acme, and
// a user of another tenant.
type fixture struct {
	store                                  *fakeStore
	h                                      http.Handler
	operator, admin, member, reader, other string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{store: newFakeStore()}
	s := f.store
	s.addUser("acme", "usr_admin", "*:*")
	s.addUser("acme", "usr_member")
	s.addUser("acme", "usr_reader", "users:read", "roles:read")
	s.addUser("globex", "usr_other", "*:*")
	f.operator = s.addToken(rbac.Token{ID: "tok_op"})
	f.admin = s.addToken(rbac.Token{ID: "tok_admin", TenantID: "acme", UserID: "usr_admin"})
	f.member = s.addToken(rbac.Token{ID: "tok_member", TenantID: "acme", UserID: "usr_member"})
	f.reader = s.addToken(rbac.Token{ID: "tok_reader", TenantID: "acme", UserID: "usr_reader"})
	f.other = s.addToken(rbac.Token{ID: "tok_other", TenantID: "globex", UserID: "usr_other"})
	f.h = New(Config{Store: s, Now: func() time.Time { return fakeNow }, Logger: slog.New(slog.DiscardHandler)})
	return f
}

// do sends one request; body "" sends none. It returns the recorder.
func (f *fixture) do(t *testing.T, token, method, target, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	var req *http.Request
	if body == "" {
		req = httptest.NewRequest(method, target, nil)
	} else {
		req = httptest.NewRequest(method, target, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

// problem decodes a problem+json answer and checks its status and code.
func problemOf(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) map[string]any {
	t.Helper()
	require.Equal(t, status, rec.Code, rec.Body.String())
	require.Equal(t, problemContentType, rec.Header().Get("Content-Type"))
	var p map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
	require.Equal(t, code, p["code"], rec.Body.String())
	require.EqualValues(t, status, p["status"])
	return p
}

// fieldsOf lists the `field` of each entry in a problem's errors.
func fieldsOf(p map[string]any) []string {
	var out []string
	errs, _ := p["errors"].([]any)
	for _, e := range errs {
		m, _ := e.(map[string]any)
		f, _ := m["field"].(string)
		out = append(out, f)
	}
	return out
}

func (f *fakeStore) GetRole(_ context.Context, _, roleID string) (rbac.Role, error) {
	return rbac.Role{ID: roleID, Name: roleID, Assignable: true}, nil
}
