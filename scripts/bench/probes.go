package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// api sends one request at a time to Roster; the probes below are sequential.
type api struct {
	base   string
	client *http.Client
}

func newAPI(base string) *api {
	return &api{base: base, client: &http.Client{Timeout: 10 * time.Second}}
}

type response struct {
	status int
	header http.Header
	body   []byte
	took   time.Duration
}

func (a *api) do(method, path, token string, body any) (response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return response{}, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.base+path, rd)
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	resp, err := a.client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, header: resp.Header, body: b, took: time.Since(start)}
	if err != nil {
		return r, err
	}
	return r, nil
}

// expectStatus turns an unexpected status into an error quoting the answer.
func (r response) expectStatus(want int, what string) error {
	if r.status != want {
		return fmt.Errorf("%s: %d, want %d: %s", what, r.status, want, truncate(string(r.body), 300))
	}
	return nil
}

// probeResult is the outcome of a sequential probe.
type probeResult struct {
	latencies []time.Duration // sorted
	errors    int
	firstErr  string
}

func (r *probeResult) fail(err error) {
	r.errors++
	if r.firstErr == "" {
		r.firstErr = err.Error()
	}
}

// verifyPermissions compares GET /users/{id}/permissions of n random users
// with the plan's reference model, so that a fast wrong answer cannot pass.
func verifyPermissions(a *api, token string, p *plan, s *seeded, rng *rand.Rand, n int) probeResult {
	var res probeResult
	for range n {
		u := rng.IntN(len(p.users))
		r, err := a.do(http.MethodGet, "/v1/tenants/"+tenantID+"/users/"+s.userIDs[u]+"/permissions", token, nil)
		if err == nil {
			err = r.expectStatus(http.StatusOK, "GET permissions")
		}
		var got struct {
			Permissions []string `json:"permissions"`
		}
		if err == nil {
			err = json.Unmarshal(r.body, &got)
		}
		if err == nil && !slices.Equal(got.Permissions, p.perms[u]) {
			err = fmt.Errorf("GET permissions of %s: got %v, the plan says %v", s.userIDs[u], got.Permissions, p.perms[u])
		}
		if err != nil {
			res.fail(err)
			continue
		}
		res.latencies = append(res.latencies, r.took)
	}
	slices.Sort(res.latencies)
	return res
}

type checkBody struct {
	UserID     string `json:"user_id"`
	Permission string `json:"permission"`
}

// batchProbe sends n batches of size random checks, one at a time (after one
// unmeasured warm-up batch), and compares every answer with the plan.
func batchProbe(a *api, token string, p *plan, s *seeded, rng *rand.Rand, n, size int) probeResult {
	var res probeResult
	for i := range n + 1 {
		checks := make([]check, size)
		body := struct {
			Checks []checkBody `json:"checks"`
		}{Checks: make([]checkBody, size)}
		for j := range checks {
			checks[j] = p.randomCheck(rng)
			body.Checks[j] = checkBody{UserID: s.userIDs[checks[j].user], Permission: checks[j].permission}
		}
		r, err := a.do(http.MethodPost, "/v1/tenants/"+tenantID+"/check/batch", token, body)
		if err == nil {
			err = r.expectStatus(http.StatusOK, "POST check/batch")
		}
		var got struct {
			Results []struct {
				Allowed bool `json:"allowed"`
			} `json:"results"`
		}
		if err == nil {
			err = json.Unmarshal(r.body, &got)
		}
		if err == nil && len(got.Results) != size {
			err = fmt.Errorf("POST check/batch: %d results for %d checks", len(got.Results), size)
		}
		for j := 0; err == nil && j < size; j++ {
			if got.Results[j].Allowed != checks[j].allowed {
				err = fmt.Errorf("POST check/batch: check %d (%s, %s) answered allowed=%v, want %v",
					j, body.Checks[j].UserID, body.Checks[j].Permission, got.Results[j].Allowed, checks[j].allowed)
			}
		}
		if err != nil {
			res.fail(err)
			continue
		}
		if i > 0 {
			res.latencies = append(res.latencies, r.took)
		}
	}
	slices.Sort(res.latencies)
	return res
}

// visibilityResult is the write-to-visibility probe's outcome.
type visibilityResult struct {
	writes, checks probeResult
	visible, tried int
}

// visibilityProbe grants the probe role to n distinct users through the API,
// each immediately followed by a check of the probe permission with
// min_revision set to the write's Roster-Revision: the check must see it.
func visibilityProbe(a *api, p *plan, s *seeded, rng *rand.Rand, n int) visibilityResult {
	var res visibilityResult
	for _, u := range distinct(rng, len(p.users), n) {
		res.tried++
		userID := s.userIDs[u]
		w, err := a.do(http.MethodPost, "/v1/tenants/"+tenantID+"/users/"+userID+"/roles", s.adminToken,
			map[string]string{"role_id": s.probeRoleID})
		if err == nil {
			err = w.expectStatus(http.StatusCreated, "POST users/{id}/roles")
		}
		var rev int64
		if err == nil {
			rev, err = strconv.ParseInt(w.header.Get("Roster-Revision"), 10, 64)
			if err != nil {
				err = fmt.Errorf("POST users/{id}/roles: Roster-Revision %q: %v", w.header.Get("Roster-Revision"), err)
			}
		}
		if err != nil {
			res.writes.fail(err)
			continue
		}
		res.writes.latencies = append(res.writes.latencies, w.took)

		q := url.Values{"min_revision": {strconv.FormatInt(rev, 10)}}
		c, err := a.do(http.MethodPost, "/v1/tenants/"+tenantID+"/check?"+q.Encode(), s.checkerToken,
			checkBody{UserID: userID, Permission: probePermission})
		if err == nil {
			err = c.expectStatus(http.StatusOK, "POST check?min_revision")
		}
		if err != nil {
			res.checks.fail(err)
			continue
		}
		res.checks.latencies = append(res.checks.latencies, c.took)
		if allowedField(c.body) {
			res.visible++
		} else {
			res.checks.fail(fmt.Errorf("POST check?min_revision=%d for %s: the write is not visible: %s",
				rev, userID, truncate(string(c.body), 300)))
		}
	}
	slices.Sort(res.writes.latencies)
	slices.Sort(res.checks.latencies)
	return res
}
