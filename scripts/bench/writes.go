package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"
)

// writeRoles is how many throwaway roles the write phase assigns: with the
// tenant's users they make enough distinct (user, role) pairs that every
// write is a new assignment, never a no-op.
const writeRoles = 16

// writeResult is the write phase's outcome.
type writeResult struct {
	writers   int
	took      time.Duration
	ok        int
	latencies []time.Duration // sorted
	probeResult
}

func (r writeResult) perSecond() float64 { return float64(r.ok) / r.took.Seconds() }

// writeThroughput runs writers goroutines, each on its own keep-alive
// connection, assigning roles through POST /users/{id}/roles for d: every
// request is a new assignment in the one tenant, so all of them queue on its
// write lock (SQLite's single writer, PostgreSQL's tenant row lock) and the
// figure is the backend's serialised write rate plus the HTTP path.
func writeThroughput(base string, s *seeded, writers int, d time.Duration) (writeResult, error) {
	client := &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: writers, MaxConnsPerHost: writers}}
	a := &api{base: base, client: client}
	roles := make([]string, writeRoles)
	for i := range roles {
		var out struct {
			ID string `json:"id"`
		}
		r, err := a.do(http.MethodPost, "/v1/tenants/"+tenantID+"/roles", s.adminToken, map[string]any{
			"name": fmt.Sprintf("bench-write-%d", i), "display_name": "Bench write", "permissions": []string{"benchwrite:do"}})
		if err == nil {
			err = r.expectStatus(http.StatusCreated, "POST roles")
		}
		if err == nil {
			err = jsonField(r.body, &out)
		}
		if err != nil {
			return writeResult{}, err
		}
		roles[i] = out.ID
	}
	n := len(s.userIDs)
	res := writeResult{writers: writers}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			var local probeResult
			for k := w; time.Now().Before(deadline) && k < n*writeRoles; k += writers {
				user, role := s.userIDs[k%n], roles[k/n]
				r, err := a.do(http.MethodPost, "/v1/tenants/"+tenantID+"/users/"+user+"/roles", s.adminToken,
					map[string]string{"role_id": role})
				if err == nil {
					err = r.expectStatus(http.StatusCreated, "POST users/{id}/roles")
				}
				if err != nil {
					local.fail(err)
					if local.firstErr == "" {
						local.firstErr = err.Error()
					}
					continue
				}
				lat = append(lat, r.took)
			}
			mu.Lock()
			defer mu.Unlock()
			res.ok += len(lat)
			res.latencies = append(res.latencies, lat...)
			res.errors += local.errors
			if res.firstErr == "" {
				res.firstErr = local.firstErr
			}
		}()
	}
	wg.Wait()
	res.took = time.Since(start)
	slices.Sort(res.latencies)
	return res, nil
}

func jsonField(body []byte, out any) error {
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("decoding %s: %w", truncate(string(body), 200), err)
	}
	return nil
}
