package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/auth"
	"github.com/rosterhq/roster/internal/rbac"
)

func testTokens(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	_, opHash := auth.NewSecret()
	created, err := f.s.EnsureOperatorToken(ctx, opHash, false)
	require.NoError(t, err)
	require.True(t, created)
	_, other := auth.NewSecret()
	created, err = f.s.EnsureOperatorToken(ctx, other, false)
	require.NoError(t, err)
	require.False(t, created, "an existing operator token is kept")
	op, err := f.s.Authenticate(ctx, opHash, time.Now())
	require.NoError(t, err)
	require.True(t, op.Operator())
	_, err = f.s.EnsureOperatorToken(ctx, other, true)
	require.NoError(t, err)
	_, err = f.s.Authenticate(ctx, opHash, time.Now())
	require.Equal(t, rbac.EUnauthorized, rbac.ErrorCode(err), "replacing the bootstrap token retires the old one")

	u := f.user("u@x.test")
	_, hash := auth.NewSecret()
	soon := time.Now().Add(time.Hour)
	tok, _, err := f.s.CreateToken(ctx, f.w(), rbac.TokenInput{UserID: u.ID, Name: "ci", Scopes: []string{"roles:read"}, ExpiresAt: &soon, Hash: hash})
	require.NoError(t, err)
	require.Equal(t, []string{"roles:read"}, tok.Scopes)
	got, err := f.s.Authenticate(ctx, hash, time.Now())
	require.NoError(t, err)
	require.Equal(t, u.ID, got.UserID)
	_, err = f.s.Authenticate(ctx, hash, soon.Add(time.Second))
	require.Equal(t, rbac.EUnauthorized, rbac.ErrorCode(err), "expired")

	require.NoError(t, f.s.TouchToken(ctx, tok.ID, time.Now()))
	list, _, err := f.s.ListTokens(ctx, "acme", u.ID, rbac.Page{})
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.NotNil(t, list[0].LastUsedAt)
	require.Zero(t, list[0].LastUsedAt.Second(), "kept to the minute")

	disabled := rbac.StatusDisabled
	_, _, err = f.s.UpdateUser(ctx, f.w(), u.ID, rbac.UserPatch{Status: &disabled})
	require.NoError(t, err)
	_, err = f.s.Authenticate(ctx, hash, time.Now())
	require.Equal(t, rbac.EUnauthorized, rbac.ErrorCode(err), "a disabled user's tokens stop working")
	active := rbac.StatusActive
	_, _, err = f.s.UpdateUser(ctx, f.w(), u.ID, rbac.UserPatch{Status: &active})
	require.NoError(t, err)

	f.unchanged(rbac.ENotFound, "", func() error { _, err := f.s.RevokeToken(ctx, f.w(), u.ID, "tok_nope"); return err })
	_, err = f.s.RevokeToken(ctx, f.w(), u.ID, tok.ID)
	require.NoError(t, err)
	_, err = f.s.Authenticate(ctx, hash, time.Now())
	require.Equal(t, rbac.EUnauthorized, rbac.ErrorCode(err), "revoked")
}
