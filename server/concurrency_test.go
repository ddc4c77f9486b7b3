package server_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/server/servertest"
)

// TestConcurrentWrites: identical writes racing over HTTP give one creation,
// the rest see it; nothing is duplicated or lost.
func TestConcurrentWrites(t *testing.T) {
	env := servertest.New(t)
	acme := newTenant(t, env, "acme")
	role := acme.role(t, "viewer", "docs:read")
	user := acme.user(t, "u@acme.test")
	const n = 40

	statuses := race(n, func() int {
		resp, err := acme.Admin.AssignUserRoleWithResponse(bg, "acme", user.Id, client.AssignmentCreate{RoleId: role.Id})
		require.NoError(t, err)
		return resp.StatusCode()
	})
	require.Equal(t, map[int]int{http.StatusCreated: 1, http.StatusOK: n - 1}, statuses)
	list, err := acme.Admin.ListUserRolesWithResponse(bg, "acme", user.Id, nil)
	require.NoError(t, err)
	require.Len(t, list.JSON200.Items, 1)

	statuses = race(n, func() int {
		resp, err := acme.Admin.CreateRoleWithResponse(bg, "acme", client.RoleCreate{Name: "racer", DisplayName: "Racer", Permissions: []string{}})
		require.NoError(t, err)
		return resp.StatusCode()
	})
	require.Equal(t, map[int]int{http.StatusCreated: 1, http.StatusConflict: n - 1}, statuses)

	statuses = race(n, func() int {
		resp, err := acme.Admin.CreateUserWithResponse(bg, "acme", client.UserCreate{Email: "same@acme.test"})
		require.NoError(t, err)
		return resp.StatusCode()
	})
	require.Equal(t, map[int]int{http.StatusCreated: 1, http.StatusConflict: n - 1}, statuses)
}

func race(n int, fn func() int) map[int]int {
	var mu sync.Mutex
	var wg sync.WaitGroup
	counts := map[int]int{}
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			code := fn()
			mu.Lock()
			counts[code]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return counts
}
