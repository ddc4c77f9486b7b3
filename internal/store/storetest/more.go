package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/auth"
	"github.com/rosterhq/roster/internal/rbac"
)

func testOrganizations(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	r := f.role("r", nil)
	u := f.user("u@x.test")
	org, _, err := f.s.CreateOrganization(ctx, f.w(), rbac.OrganizationInput{Name: "Berlin", ExternalID: "crm-1"})
	require.NoError(t, err)
	f.unchanged(rbac.EConflict, "", func() error {
		_, _, err := f.s.CreateOrganization(ctx, f.w(), rbac.OrganizationInput{Name: "Other", ExternalID: "crm-1"})
		return err
	})
	name := "Berlin HQ"
	up, _, err := f.s.UpdateOrganization(ctx, rbac.Write{TenantID: "acme", Actor: operator, IfMatch: rbac.ETag(org.Version)}, org.ID, rbac.OrganizationPatch{Name: &name})
	require.NoError(t, err)
	require.Equal(t, name, up.Name)
	require.Equal(t, org.Version+1, up.Version)

	_, _, _, err = f.s.Assign(ctx, f.w(), u.ID, rbac.AssignmentInput{RoleID: r.ID, OrganizationID: org.ID})
	require.NoError(t, err)
	_, err = f.s.DeleteOrganization(ctx, f.w(), org.ID)
	require.NoError(t, err)
	list, _, err := f.s.ListAssignments(ctx, "acme", u.ID, rbac.Page{})
	require.NoError(t, err)
	require.Empty(t, list, "deleting an organization removes the assignments scoped to it")
	_, err = f.s.GetOrganization(ctx, "acme", org.ID)
	require.Equal(t, rbac.ENotFound, rbac.ErrorCode(err))
}

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

func testPagination(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	const n = 45
	for i := 0; i < n; i++ {
		f.user(fmtUser(i))
	}
	seen := map[string]bool{}
	after := ""
	pages := 0
	for {
		users, next, err := f.s.ListUsers(ctx, "acme", rbac.UserFilter{Page: rbac.Page{Limit: 20, After: after}})
		require.NoError(t, err)
		pages++
		for i, u := range users {
			require.False(t, seen[u.ID], "user listed twice")
			seen[u.ID] = true
			if i > 0 {
				require.Less(t, users[i-1].ID, u.ID, "ordered by id")
			}
		}
		if next == "" {
			break
		}
		after = next
	}
	require.Len(t, seen, n)
	require.Equal(t, 3, pages)

	evs, next, err := f.s.ListAuditEvents(ctx, "acme", rbac.AuditFilter{Page: rbac.Page{Limit: 2}})
	require.NoError(t, err)
	require.Equal(t, "user.create", evs[0].Action)
	older, _, err := f.s.ListAuditEvents(ctx, "acme", rbac.AuditFilter{Page: rbac.Page{Limit: 2, After: next}})
	require.NoError(t, err)
	require.True(t, !older[0].At.After(evs[1].At), "newest first across pages")
}

func testConcurrency(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	r := f.role("r", nil)
	u := f.user("u@x.test")
	const n = 40
	var wg sync.WaitGroup
	createdCount := make(chan bool, n)
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, created, _, err := f.s.Assign(ctx, f.w(), u.ID, rbac.AssignmentInput{RoleID: r.ID})
			errs <- err
			createdCount <- created
		}()
	}
	wg.Wait()
	close(errs)
	close(createdCount)
	for err := range errs {
		require.NoError(t, err)
	}
	created := 0
	for c := range createdCount {
		if c {
			created++
		}
	}
	require.Equal(t, 1, created, "exactly one of 40 identical assigns creates")
	list, _, err := f.s.ListAssignments(ctx, "acme", u.ID, rbac.Page{})
	require.NoError(t, err)
	require.Len(t, list, 1)

	codes := make(chan rbac.Code, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := f.s.CreateRole(ctx, f.w(), rbac.RoleInput{Name: "race", DisplayName: "race", Assignable: true})
			codes <- rbac.ErrorCode(err)
		}()
	}
	wg.Wait()
	close(codes)
	counts := map[rbac.Code]int{}
	for c := range codes {
		counts[c]++
	}
	require.Equal(t, map[rbac.Code]int{"": 1, rbac.EConflict: n - 1}, counts)
}
