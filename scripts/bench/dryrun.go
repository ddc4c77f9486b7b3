package main

import (
	"fmt"
	"net/http"
	"slices"
	"time"
)

// dryRunTarget is the dry-run issue's figure: the what-if of removing one
// permission from a role held by 10,000 users.
const dryRunTarget = 500 * time.Millisecond

// dryRunResult is the dry-run phase: runs of the same what-if, sorted.
type dryRunResult struct {
	holders   int
	latencies []time.Duration
	impact    int  // entries in the last answer's impact
	wrong     bool // an answer that was not the expected impact
}

// dryRunPhase makes a role with two permissions, gives it to holders new
// users in one atomic POST /bulk, then times runs runs of the dry run of
// taking one permission off the role: every holder must lose exactly it,
// and nothing may be written.
func dryRunPhase(base string, s *seeded, holders, runs int) (dryRunResult, error) {
	a := &api{base: base, client: &http.Client{Timeout: 5 * time.Minute}}
	tenant := "/v1/tenants/" + tenantID
	var role struct {
		ID string `json:"id"`
	}
	r, err := a.do(http.MethodPost, tenant+"/roles", s.adminToken, map[string]any{
		"name": "bench-dry", "display_name": "Bench dry run", "permissions": []string{"benchdry:read", "benchdry:write"}})
	if err == nil {
		err = r.expectStatus(http.StatusCreated, "POST roles")
	}
	if err == nil {
		err = jsonField(r.body, &role)
	}
	if err != nil {
		return dryRunResult{}, err
	}
	ops := make([]map[string]any, holders)
	for i := range ops {
		ops[i] = map[string]any{"method": "POST", "path": "/users", "body": map[string]any{
			"email": fmt.Sprintf("dry-%d@bench.test", i), "roles": []string{role.ID}}}
	}
	r, err = a.do(http.MethodPost, tenant+"/bulk", s.adminToken, map[string]any{"operations": ops, "atomic": true})
	if err == nil {
		err = r.expectStatus(http.StatusOK, "POST bulk (the role's holders)")
	}
	if err != nil {
		return dryRunResult{}, err
	}
	res := dryRunResult{holders: holders}
	what := map[string]any{"dry_run": true, "operations": []map[string]any{{"method": "PUT", "path": "/roles/" + role.ID,
		"body": map[string]any{"permissions": []string{"benchdry:read"}}}}}
	// One run more, untimed first: the engine catches up with the holders
	// just made (a snapshot load of the tenant), which is not the dry run's.
	for i := range runs + 1 {
		r, err := a.do(http.MethodPost, tenant+"/bulk", s.adminToken, what)
		if err == nil {
			err = r.expectStatus(http.StatusOK, "POST bulk dry_run")
		}
		var body struct {
			Committed bool `json:"committed"`
			Impact    []struct {
				Org    *string  `json:"organization_id"`
				Gained []string `json:"gained"`
				Lost   []string `json:"lost"`
			} `json:"impact"`
		}
		if err == nil {
			err = jsonField(r.body, &body)
		}
		if err != nil {
			return res, err
		}
		if i > 0 {
			res.latencies = append(res.latencies, r.took)
		}
		res.impact = len(body.Impact)
		res.wrong = res.wrong || body.Committed || len(body.Impact) != holders
		for _, im := range body.Impact {
			res.wrong = res.wrong || im.Org != nil || len(im.Gained) != 0 || !slices.Equal(im.Lost, []string{"benchdry:write"})
		}
	}
	slices.Sort(res.latencies)
	return res, nil
}
