package main

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"
)

// scimWorkers is how many requests an identity provider's sync keeps in
// flight: Okta and Entra both provision with a handful of parallel
// requests per app.
const scimWorkers = 8

const scimTenant = "bench-scim"

// scimSyncResult is the SCIM phase's outcome.
type scimSyncResult struct {
	users, groups, members int
	requests               int
	usersTook, groupsTook  time.Duration
	latencies              []time.Duration // sorted, every request
	probeResult
}

// scimSync provisions users and groups into a fresh tenant as an identity
// provider's first sync does, Okta's way: for each user a lookup by
// userName (none found) and a create; then for each group a lookup by
// displayName, a create and one PATCH adding its members (every user is
// in one group). The tenant is made with the operator token; everything
// else is sent with a token scoped to what provisioning needs.
func scimSync(base, operator string, users, groups, workers int) (scimSyncResult, error) {
	a := &api{base: base, client: &http.Client{Timeout: 60 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}}}
	var created struct {
		AdminToken string `json:"admin_token"`
	}
	r, err := a.do(http.MethodPost, "/v1/tenants", operator, map[string]any{"id": scimTenant, "name": "SCIM sync",
		"admin": map[string]string{"email": "admin@scim.bench"}})
	if err == nil {
		err = r.expectStatus(http.StatusCreated, "POST /v1/tenants")
	}
	if err == nil {
		err = jsonField(r.body, &created)
	}
	if err != nil {
		return scimSyncResult{}, err
	}
	scim := "/v1/tenants/" + scimTenant + "/scim/v2"
	res := scimSyncResult{users: users, groups: groups}
	var mu sync.Mutex
	record := func(lat []time.Duration, local probeResult) {
		mu.Lock()
		defer mu.Unlock()
		res.latencies = append(res.latencies, lat...)
		res.errors += local.errors
		if res.firstErr == "" {
			res.firstErr = local.firstErr
		}
	}
	// call sends one request, expecting want, and decodes the id of a create.
	call := func(lat *[]time.Duration, local *probeResult, method, path string, body any, want int) string {
		r, err := a.do(method, path, created.AdminToken, body)
		if err == nil {
			err = r.expectStatus(want, method+" "+path)
		}
		if err != nil {
			local.fail(err)
			return ""
		}
		*lat = append(*lat, r.took)
		var out struct {
			ID string `json:"id"`
		}
		_ = jsonField(r.body, &out)
		return out.ID
	}
	parallel := func(n int, fn func(i int, lat *[]time.Duration, local *probeResult)) {
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var lat []time.Duration
				var local probeResult
				for i := w; i < n; i += workers {
					fn(i, &lat, &local)
				}
				record(lat, local)
			}()
		}
		wg.Wait()
	}

	ids := make([]string, users)
	start := time.Now()
	parallel(users, func(i int, lat *[]time.Duration, local *probeResult) {
		name := fmt.Sprintf("user%05d@scim.bench", i)
		filter := url.QueryEscape(`userName eq "` + name + `"`)
		call(lat, local, http.MethodGet, scim+"/Users?filter="+filter, nil, http.StatusOK)
		ids[i] = call(lat, local, http.MethodPost, scim+"/Users", map[string]any{
			"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
			"userName": name, "name": map[string]string{"givenName": "User", "familyName": fmt.Sprint(i)},
			"emails": []map[string]any{{"value": name, "type": "work", "primary": true}}, "active": true,
		}, http.StatusCreated)
	})
	res.usersTook = time.Since(start)

	start = time.Now()
	parallel(groups, func(g int, lat *[]time.Duration, local *probeResult) {
		name := fmt.Sprintf("Group %03d", g)
		call(lat, local, http.MethodGet, scim+"/Groups?excludedAttributes=members&filter="+url.QueryEscape(`displayName eq "`+name+`"`), nil, http.StatusOK)
		id := call(lat, local, http.MethodPost, scim+"/Groups", map[string]any{
			"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": name, "members": []any{}}, http.StatusCreated)
		if id == "" {
			return
		}
		var members []map[string]string
		for i := g; i < users; i += groups {
			if ids[i] != "" {
				members = append(members, map[string]string{"value": ids[i]})
			}
		}
		call(lat, local, http.MethodPatch, scim+"/Groups/"+id, map[string]any{
			"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": "add", "path": "members", "value": members}}}, http.StatusNoContent)
		mu.Lock()
		res.members += len(members)
		mu.Unlock()
	})
	res.groupsTook = time.Since(start)
	res.requests = len(res.latencies) + res.errors
	slices.Sort(res.latencies)
	return res, nil
}

func (r scimSyncResult) print(db string) {
	total := r.usersTook + r.groupsTook
	fmt.Printf("\nSCIM initial sync (%s), %d requests in flight, into a fresh tenant:\n", db, scimWorkers)
	fmt.Printf("  %d users (lookup by userName, then create): %s, %.0f users/s\n", r.users, round(r.usersTook), float64(r.users)/r.usersTook.Seconds())
	fmt.Printf("  %d groups (lookup, create, one PATCH adding %d members in all): %s\n", r.groups, r.members, round(r.groupsTook))
	fmt.Printf("  total %s for %d requests (p50 %s, p99 %s), errors %d; target ≤ 30 s\n", round(total), r.requests,
		ms(percentile(r.latencies, 50)), ms(percentile(r.latencies, 99)), r.errors)
	if r.errors > 0 {
		fmt.Println("  first error:", r.firstErr)
	}
}
