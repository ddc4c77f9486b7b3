package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/rbac"
)

// testIdempotency: a keyed write runs once; its answer and its write commit
// together or not at all; another request with the key is refused; an
// answer older than the TTL frees its key, and the sweep deletes it.
func testIdempotency(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	now := time.Now()
	req := rbac.IdempotentRequest{Scope: "acme", Caller: "operator", Key: "k", Hash: "h1"}
	runs := 0
	createRole := func(name string) func(ctx context.Context) (rbac.IdempotentResponse, error) {
		return func(ctx context.Context) (rbac.IdempotentResponse, error) {
			runs++
			r, _, err := f.s.CreateRole(ctx, f.w(), rbac.RoleInput{Name: name, DisplayName: name, Permissions: []string{}})
			if err != nil {
				return rbac.IdempotentResponse{}, err
			}
			return rbac.IdempotentResponse{Status: 201, Header: map[string]string{"ETag": "v1"}, Body: []byte(`{"id":"` + r.ID + `"}`)}, nil
		}
	}

	resp, replayed, err := f.s.RunIdempotent(ctx, req, now, createRole("first"))
	require.NoError(t, err)
	require.False(t, replayed)
	rev := f.revision()
	resp2, replayed, err := f.s.RunIdempotent(ctx, req, now.Add(time.Minute), createRole("first"))
	require.NoError(t, err)
	require.True(t, replayed)
	require.Equal(t, resp, resp2, "the stored answer, headers and body")
	require.Equal(t, 1, runs, "a replay does not run the write")
	require.Equal(t, rev, f.revision())

	other := req
	other.Hash = "h2"
	_, _, err = f.s.RunIdempotent(ctx, other, now, createRole("second"))
	require.Equal(t, rbac.EIdempotencyMismatch, rbac.ErrorCode(err))

	// A failure after the write rolls the write back with it, and stores nothing.
	failing := rbac.IdempotentRequest{Scope: "acme", Caller: "operator", Key: "k2", Hash: "h"}
	_, _, err = f.s.RunIdempotent(ctx, failing, now, func(ctx context.Context) (rbac.IdempotentResponse, error) {
		if _, _, err := f.s.CreateRole(ctx, f.w(), rbac.RoleInput{Name: "rolledback", DisplayName: "R", Permissions: []string{}}); err != nil {
			return rbac.IdempotentResponse{}, err
		}
		return rbac.IdempotentResponse{}, errors.New("the answer could not be made")
	})
	require.Error(t, err)
	_, err = f.s.GetRole(ctx, "acme", "role_rolledback")
	require.Equal(t, rbac.ENotFound, rbac.ErrorCode(err), "the write went with the failure")
	require.Equal(t, rev, f.revision())
	_, replayed, err = f.s.RunIdempotent(ctx, failing, now, createRole("rolledback"))
	require.NoError(t, err)
	require.False(t, replayed, "nothing was stored for the failure")

	// Past the TTL the key is free again; the sweep deletes old answers.
	later := now.Add(rbac.IdempotencyTTL + time.Hour)
	_, replayed, err = f.s.RunIdempotent(ctx, req, later, createRole("again"))
	require.NoError(t, err)
	require.False(t, replayed, "an expired answer is not replayed")
	n, err := f.s.SweepIdempotencyKeys(ctx, later.Add(-rbac.IdempotencyTTL), 100)
	require.NoError(t, err)
	require.Equal(t, 1, n, "k2's answer, stored at now; k's was renewed at later")
}

// testInTransaction: writes made inside InTransaction commit together, or
// none does when fn fails.
func testInTransaction(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	rev := f.revision()
	err := f.s.InTransaction(ctx, "acme", func(ctx context.Context) error {
		for _, n := range []string{"a", "b"} {
			if _, _, err := f.s.CreateRole(ctx, f.w(), rbac.RoleInput{Name: n, DisplayName: n, Permissions: []string{}}); err != nil {
				return err
			}
		}
		return errors.New("the last step failed")
	})
	require.Error(t, err)
	require.Equal(t, rev, f.revision(), "nothing of a failed transaction")
	_, err = f.s.GetRole(ctx, "acme", "role_a")
	require.Equal(t, rbac.ENotFound, rbac.ErrorCode(err))

	require.NoError(t, f.s.InTransaction(ctx, "acme", func(ctx context.Context) error {
		for _, n := range []string{"a", "b"} {
			if _, _, err := f.s.CreateRole(ctx, f.w(), rbac.RoleInput{Name: n, DisplayName: n, Permissions: []string{}}); err != nil {
				return err
			}
		}
		return nil
	}))
	require.Equal(t, rev+2, f.revision(), "each write its own revision, committed together")
	changes, err := f.s.Changes(ctx, "acme", rev, 0)
	require.NoError(t, err)
	require.Len(t, changes, 2, "and its own change for the engines")
}
