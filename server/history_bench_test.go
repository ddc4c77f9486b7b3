package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/internal/rbac"
	"github.com/rosterhq/roster/server"
	"github.com/rosterhq/roster/server/servertest"
)

// BenchmarkCheckAt measures POST /check with `at` over loopback HTTP on a
// tenant with a year of write history made under a fake clock (1,000 users,
// 40 roles, a write every hour: 8,760 writes), at instants 1 day, 30 days
// and 1 year back. It reports p50 and p99 per age besides ns/op: the cost
// must not grow with the instant's age (make bench runs it;
// go test -run '^$' -bench CheckAt -benchtime 2000x ./server/).
func BenchmarkCheckAt(b *testing.B) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := start
	env := servertest.New(b, func(c *server.Config) { c.Now = func() time.Time { return time.Now() } })
	env.Store.SetClock(func() time.Time { return clock })
	ctx := context.Background()
	op := rbac.Actor{Operator: true}
	if _, err := env.Store.CreateTenant(ctx, op, rbac.TenantInput{ID: "acme", Name: "Acme"}); err != nil {
		b.Fatal(err)
	}
	w := rbac.Write{TenantID: "acme", Actor: op}
	roles := make([]string, 40)
	for i := range roles {
		r, _, err := env.Store.CreateRole(ctx, w, rbac.RoleInput{Name: fmt.Sprintf("r%02d", i), DisplayName: "R",
			Permissions: []string{fmt.Sprintf("app%d:read", i%10)}, Assignable: true})
		if err != nil {
			b.Fatal(err)
		}
		roles[i] = r.ID
	}
	users := make([]string, 1000)
	for i := range users {
		u, _, err := env.Store.CreateUser(ctx, w, rbac.UserInput{Email: fmt.Sprintf("u%d@acme.test", i), Roles: []string{roles[i%len(roles)]}})
		if err != nil {
			b.Fatal(err)
		}
		users[i] = u.ID
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for clock.Before(start.AddDate(1, 0, 0)) {
		clock = clock.Add(time.Hour)
		user, role := users[rng.IntN(len(users))], roles[rng.IntN(len(roles))]
		var err error
		if rng.IntN(3) == 0 {
			_, err = env.Store.Unassign(ctx, w, user, role, "")
		} else {
			_, _, _, err = env.Store.Assign(ctx, w, user, rbac.AssignmentInput{RoleID: role})
		}
		if err != nil && !rbac.IsCode(err, rbac.ENotFound) {
			b.Fatal(err)
		}
	}
	env.Store.SetClock(func() time.Time { return time.Now().UTC() })
	admin, err := env.Operator().AddTenantAdminWithResponse(bg, "acme", client.TenantAdmin{Email: "admin@acme.test"})
	if err != nil || admin.StatusCode() != http.StatusCreated {
		b.Fatal(err, string(admin.Body))
	}
	token := admin.JSON201.AdminToken
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	for _, age := range []struct {
		name string
		back time.Duration
	}{{"1day", 24 * time.Hour}, {"30days", 30 * 24 * time.Hour}, {"1year", 364 * 24 * time.Hour}} {
		at := clock.Add(-age.back).Format(time.RFC3339)
		b.Run(age.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			for i := 0; b.Loop(); i++ {
				body := fmt.Sprintf(`{"user_id":%q,"permission":"app%d:read","at":%q}`, users[i%len(users)], i%10, at)
				req, _ := http.NewRequest("POST", env.URL+"/v1/tenants/acme/check", bytes.NewBufferString(body))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				t0 := time.Now()
				res, err := hc.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				lat = append(lat, time.Since(t0))
				if res.StatusCode != http.StatusOK {
					b.Fatalf("status %d", res.StatusCode)
				}
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
