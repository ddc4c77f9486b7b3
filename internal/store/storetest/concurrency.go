package storetest

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/rbac"
)

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
