package server_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/server/servertest"
)

// BenchmarkCheckHTTP measures POST /check end to end over loopback HTTP with
// keep-alive: token lookup, authorization, spec validation, evaluation, JSON.
// make bench's load test is the fuller picture; this one is for profiling
// (go test -run '^$' -bench CheckHTTP -cpuprofile cpu.out ./server/).
func BenchmarkCheckHTTP(b *testing.B) {
	env := servertest.New(b)
	op := env.Operator()
	if resp, err := op.CreateTenantWithResponse(bg, client.TenantCreate{Id: "acme", Name: "Acme"}); err != nil || resp.StatusCode() != 201 {
		b.Fatal(err)
	}
	for _, name := range []string{"checker", "editor"} {
		perms := []string{"docs:read", "docs:write"}
		if name == "checker" {
			perms = []string{"checks:read"}
		}
		resp, err := op.CreateRoleWithResponse(bg, "acme", client.RoleCreate{Name: name, DisplayName: name, Permissions: perms})
		if err != nil || resp.StatusCode() != 201 {
			b.Fatal(err, string(resp.Body))
		}
	}
	users := make([]string, 100)
	for i := range users {
		resp, err := op.CreateUserWithResponse(bg, "acme", client.UserCreate{Email: openapi_types.Email(emailOf(i)), Roles: &[]string{"role_editor"}})
		if err != nil || resp.StatusCode() != 201 {
			b.Fatal(err, string(resp.Body))
		}
		users[i] = resp.JSON201.Id
	}
	checker, err := op.CreateUserWithResponse(bg, "acme", client.UserCreate{Email: "checker@acme.test", Roles: &[]string{"role_checker"}})
	if err != nil {
		b.Fatal(err)
	}
	tok, err := op.CreateUserTokenWithResponse(bg, "acme", checker.JSON201.Id, client.TokenCreate{Name: "bench"})
	if err != nil || tok.StatusCode() != 201 {
		b.Fatal(err)
	}
	secret := tok.JSON201.Token
	url := env.URL + "/v1/tenants/acme/check"
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	hc := &http.Client{Transport: tr}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			body := fmt.Sprintf(`{"user_id":%q,"permission":"docs:write"}`, users[i%len(users)])
			i++
			req, _ := http.NewRequest("POST", url, bytes.NewBufferString(body))
			req.Header.Set("Authorization", "Bearer "+secret)
			req.Header.Set("Content-Type", "application/json")
			res, err := hc.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
}

func emailOf(i int) string { return fmt.Sprintf("user%03d@acme.test", i) }
