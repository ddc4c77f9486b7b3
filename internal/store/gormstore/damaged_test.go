package gormstore_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/auth"
	"github.com/rosterhq/roster/internal/rbac"
	"github.com/rosterhq/roster/internal/store/gormstore"
)

// A JSON column damaged outside Roster is an error naming the row, never
// a silently empty value: empty scopes would make a narrowed token look
// unscoped-but-empty, empty permissions would change what a role grants.
func TestDamagedRows_areErrorsNotEmptyValues(t *testing.T) {
	ctx := context.Background()
	s, err := gormstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "roster.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	require.NoError(t, s.Migrate(ctx))
	op := rbac.Actor{Operator: true}
	_, err = s.CreateTenant(ctx, op, rbac.TenantInput{ID: "acme", Name: "Acme"})
	require.NoError(t, err)
	w := rbac.Write{TenantID: "acme", Actor: op}
	role, _, err := s.CreateRole(ctx, w, rbac.RoleInput{Name: "reader", DisplayName: "R", Permissions: []string{"docs:read"}, Assignable: true})
	require.NoError(t, err)
	u, _, err := s.CreateUser(ctx, w, rbac.UserInput{Email: "a@x.test"})
	require.NoError(t, err)
	_, hash := auth.NewSecret()
	tok, _, err := s.CreateToken(ctx, w, rbac.TokenInput{UserID: u.ID, Name: "t", Scopes: []string{"docs:read"}, Hash: hash})
	require.NoError(t, err)

	_, err = s.DB().ExecContext(ctx, `UPDATE roles SET permissions = '["docs:re' WHERE id = ?`, role.ID)
	require.NoError(t, err)
	_, err = s.DB().ExecContext(ctx, `UPDATE tokens SET scopes = '{' WHERE id = ?`, tok.ID)
	require.NoError(t, err)

	_, err = s.GetRole(ctx, "acme", role.ID)
	require.ErrorContains(t, err, role.ID)
	require.Equal(t, rbac.EInternal, rbac.ErrorCode(err))
	_, err = s.Authenticate(ctx, hash, time.Now())
	require.ErrorContains(t, err, tok.ID)
	require.Equal(t, rbac.EInternal, rbac.ErrorCode(err))
	_, _, err = s.ListTokens(ctx, "acme", u.ID, rbac.Page{Limit: 10})
	require.Error(t, err)
}
