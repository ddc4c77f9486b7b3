package main

import (
	"fmt"
	"net/http"
	"time"
)

// bulkResult is one POST /bulk of the bulk phase.
type bulkResult struct {
	atomic bool
	users  int
	took   time.Duration
	failed int // operations that did not answer 201
}

// bulkLoad creates users users with two roles each in one POST /bulk,
// non-atomic then atomic (each batch with its own emails): the figure the
// bulk issue's table asks for, an initial load in one request.
func bulkLoad(base string, s *seeded, users int) ([]bulkResult, error) {
	a := &api{base: base, client: &http.Client{Timeout: 5 * time.Minute}}
	var roles [2]string
	for i := range roles {
		var out struct {
			ID string `json:"id"`
		}
		r, err := a.do(http.MethodPost, "/v1/tenants/"+tenantID+"/roles", s.adminToken, map[string]any{
			"name": fmt.Sprintf("bench-bulk-%d", i), "display_name": "Bench bulk", "permissions": []string{fmt.Sprintf("benchbulk%d:do", i)}})
		if err == nil {
			err = r.expectStatus(http.StatusCreated, "POST roles")
		}
		if err == nil {
			err = jsonField(r.body, &out)
		}
		if err != nil {
			return nil, err
		}
		roles[i] = out.ID
	}
	var out []bulkResult
	for _, atomic := range []bool{false, true} {
		ops := make([]map[string]any, users)
		for i := range ops {
			ops[i] = map[string]any{"method": "POST", "path": "/users", "body": map[string]any{
				"email": fmt.Sprintf("bulk-%t-%d@bench.test", atomic, i), "roles": roles[:]}}
		}
		r, err := a.do(http.MethodPost, "/v1/tenants/"+tenantID+"/bulk", s.adminToken,
			map[string]any{"operations": ops, "atomic": atomic})
		if err == nil {
			err = r.expectStatus(http.StatusOK, "POST bulk")
		}
		var body struct {
			Results []struct {
				Status int `json:"status"`
			} `json:"results"`
		}
		if err == nil {
			err = jsonField(r.body, &body)
		}
		if err != nil {
			return nil, err
		}
		res := bulkResult{atomic: atomic, users: users, took: r.took}
		for _, op := range body.Results {
			if op.Status != http.StatusCreated {
				res.failed++
			}
		}
		out = append(out, res)
	}
	return out, nil
}
