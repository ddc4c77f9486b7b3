package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/auth"
	"github.com/rosterhq/roster/internal/rbac"
)

// testMintedBy: a token minted for its user by someone else (a user with
// tokens:write, or the operator) keeps its minter, and a write made with it
// names the minter in its audit event's details.token_minted_by (docs/security.md,
// "The grant policy"); a token its own user minted names no one.
func testMintedBy(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	admin := f.user("admin@x.test")
	u := f.user("u@x.test")
	as := func(a rbac.Actor) rbac.Write { return rbac.Write{TenantID: f.tenant, Actor: a} }
	// authenticated is what a request made with the secret hash acts as
	// (the server's principal.Actor).
	authenticated := func(hash string) (rbac.Token, rbac.Actor) {
		t.Helper()
		tok, err := f.s.Authenticate(ctx, hash, time.Now())
		require.NoError(t, err)
		return tok, rbac.Actor{Operator: tok.Operator(), UserID: tok.UserID, MintedBy: tok.MintedBy}
	}
	mint := func(by rbac.Actor, userID string) (rbac.Token, rbac.Actor) {
		t.Helper()
		_, hash := auth.NewSecret()
		_, _, err := f.s.CreateToken(ctx, as(by), rbac.TokenInput{UserID: userID, Name: "t", Scopes: []string{"users:write"}, Hash: hash})
		require.NoError(t, err)
		return authenticated(hash)
	}
	// rename writes with a and returns the write's audit event.
	rename := func(a rbac.Actor, name string) rbac.AuditEvent {
		t.Helper()
		_, _, err := f.s.UpdateUser(ctx, as(a), u.ID, rbac.UserPatch{FirstName: &name})
		require.NoError(t, err)
		ev := f.lastEvent()
		require.Equal(t, string(rbac.ActionUserUpdate), ev.Action)
		require.Equal(t, a.ID(), ev.ActorID, "the actor is the token's user, minted by whomever")
		return ev
	}

	own, ownActor := mint(rbac.Actor{UserID: u.ID}, u.ID)
	require.Empty(t, own.MintedBy, "minted by its own user")
	require.NotContains(t, rename(ownActor, "Own").Details, "token_minted_by")

	byAdmin, byAdminActor := mint(rbac.Actor{UserID: admin.ID}, u.ID)
	require.Equal(t, u.ID, byAdmin.UserID)
	require.Equal(t, admin.ID, byAdmin.MintedBy)
	require.Equal(t, admin.ID, rename(byAdminActor, "ByAdmin").Details["token_minted_by"])

	byOperator, byOperatorActor := mint(operator, u.ID)
	require.Equal(t, rbac.OperatorID, byOperator.MintedBy)
	require.Equal(t, rbac.OperatorID, rename(byOperatorActor, "ByOperator").Details["token_minted_by"])

	// A token minted with the admin-minted one is minted by its actor, the
	// token's user: for that user itself it is the user's own (how a user
	// given a token makes one of its own), for another user it names the
	// user, not the admin. The minting write itself names the admin.
	self, selfActor := mint(byAdminActor, u.ID)
	require.Empty(t, self.MintedBy)
	require.Equal(t, admin.ID, f.lastEvent().Details["token_minted_by"], "the token.create made with the admin-minted token")
	require.NotContains(t, rename(selfActor, "Self").Details, "token_minted_by")
	v := f.user("v@x.test")
	forOther, _ := mint(byAdminActor, v.ID)
	require.Equal(t, u.ID, forOther.MintedBy)

	list, _, err := f.s.ListTokens(ctx, f.tenant, u.ID, rbac.Page{Limit: 100})
	require.NoError(t, err)
	minters := map[string]string{}
	for _, tok := range list {
		minters[tok.ID] = tok.MintedBy
	}
	require.Equal(t, map[string]string{own.ID: "", byAdmin.ID: admin.ID, byOperator.ID: rbac.OperatorID,
		self.ID: ""}, minters, "listed tokens carry their minter")

	// The admin tokens the operator hands out are the operator's.
	_, hash := auth.NewSecret()
	_, _, err = f.s.AddTenantAdmin(ctx, f.w(), rbac.UserInput{Email: "boss@x.test"}, hash)
	require.NoError(t, err)
	restored, restoredActor := authenticated(hash)
	require.Equal(t, rbac.OperatorID, restored.MintedBy)
	require.Equal(t, rbac.OperatorID, rename(restoredActor, "ByRestoredAdmin").Details["token_minted_by"])
	_, hash = auth.NewSecret()
	_, err = f.s.CreateTenant(ctx, operator, rbac.TenantInput{ID: "globex", Name: "Globex",
		Admin: &rbac.UserInput{Email: "hank@globex.test"}, AdminTokenHash: hash})
	require.NoError(t, err)
	first, _ := authenticated(hash)
	require.Equal(t, rbac.OperatorID, first.MintedBy)

	// The operator's own token and writes name no minter.
	_, opHash := auth.NewSecret()
	_, err = f.s.EnsureOperatorToken(ctx, opHash, false)
	require.NoError(t, err)
	op, opActor := authenticated(opHash)
	require.Empty(t, op.MintedBy)
	require.NotContains(t, rename(opActor, "ByOperatorItself").Details, "token_minted_by")
}
