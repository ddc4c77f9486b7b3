package server_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/server/servertest"
)

// BenchmarkAssignHTTP measures new role assignments on one tenant from 32
// concurrent writers over loopback HTTP: authorization, the write
// transaction, the audit event, the engine's catch-up. make bench's write
// throughput phase is the fuller picture; this one is for profiling
// (go test -run '^$' -bench AssignHTTP -cpuprofile cpu.out ./server/).
func BenchmarkAssignHTTP(b *testing.B) {
	env := servertest.New(b)
	op := env.Operator()
	if resp, err := op.CreateTenantWithResponse(bg, client.TenantCreate{Id: "acme", Name: "Acme"}); err != nil || resp.StatusCode() != 201 {
		b.Fatal(err)
	}
	roles := make([]string, 20)
	for i := range roles {
		resp, err := op.CreateRoleWithResponse(bg, "acme", client.RoleCreate{Name: fmt.Sprintf("r%d", i), DisplayName: "r", Permissions: []string{fmt.Sprintf("docs%d:read", i)}})
		if err != nil || resp.StatusCode() != 201 {
			b.Fatal(err, string(resp.Body))
		}
		roles[i] = resp.JSON201.Id
	}
	users := make([]string, 2000)
	for i := range users {
		resp, err := op.CreateUserWithResponse(bg, "acme", client.UserCreate{Email: openapi_types.Email(emailOf(i))})
		if err != nil || resp.StatusCode() != 201 {
			b.Fatal(err, string(resp.Body))
		}
		users[i] = resp.JSON201.Id
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	hc := &http.Client{Transport: tr}
	var next atomic.Int64
	b.SetParallelism(16) // 32 writers on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := int(next.Add(1))
			user, role := users[n%len(users)], roles[(n/len(users))%len(roles)]
			body := fmt.Sprintf(`{"role_id":%q}`, role)
			req, _ := http.NewRequest("POST", env.URL+"/v1/tenants/acme/users/"+user+"/roles", bytes.NewBufferString(body))
			req.Header.Set("Authorization", "Bearer "+servertest.OperatorToken)
			req.Header.Set("Content-Type", "application/json")
			res, err := hc.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 201 && res.StatusCode != 200 {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
}

// BenchmarkBulkCreateUsers measures one atomic POST /bulk creating 2,000
// users with two roles each (go test -run '^$' -bench BulkCreateUsers
// -cpuprofile cpu.out ./server/); make bench's bulk phase does 10,000.
func BenchmarkBulkCreateUsers(b *testing.B) {
	env := servertest.New(b)
	op := env.Operator()
	if resp, err := op.CreateTenantWithResponse(bg, client.TenantCreate{Id: "acme", Name: "Acme"}); err != nil || resp.StatusCode() != 201 {
		b.Fatal(err)
	}
	var roles []string
	for i := range 2 {
		resp, err := op.CreateRoleWithResponse(bg, "acme", client.RoleCreate{Name: fmt.Sprintf("r%d", i), DisplayName: "r", Permissions: []string{fmt.Sprintf("docs%d:read", i)}})
		if err != nil || resp.StatusCode() != 201 {
			b.Fatal(err, string(resp.Body))
		}
		roles = append(roles, resp.JSON201.Id)
	}
	b.ResetTimer()
	for n := range b.N {
		ops := make([]client.BulkOperation, 2000)
		for i := range ops {
			body := map[string]any{"email": fmt.Sprintf("u%d-%d@acme.test", n, i), "roles": roles}
			ops[i] = client.BulkOperation{Method: "POST", Path: "/users", Body: body}
		}
		atomic := true
		resp, err := op.BulkWriteWithResponse(bg, "acme", client.BulkRequest{Operations: ops, Atomic: &atomic})
		if err != nil || resp.StatusCode() != 200 || !resp.JSON200.Committed {
			b.Fatal(err, resp.StatusCode())
		}
	}
}
