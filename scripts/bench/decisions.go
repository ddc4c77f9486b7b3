package main

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"strings"
)

// decisionAPI is one way of asking Roster a yes/no question about a user and
// a permission: how to build the request, and where the answer is in the
// response. The decision phases send the same random checks through each of
// them, so their figures differ only by the endpoint.
type decisionAPI struct {
	name   string                                     // the phase's name in the report
	path   string                                     // under /v1/tenants/{tenant_id}
	body   func(userID, resource, action string) any  // the JSON request body
	decode func(body []byte) (decision bool, ok bool) // the answer, ok=false if there is none
	field  string                                     // the answer's member, for error messages
}

// authzenPath is the AuthZEN 1.0 single evaluation, under the tenant.
const authzenPath = "/access/v1/evaluation"

// decisionAPIs are the decision phases, run in this order after the echo
// baseline at each concurrency.
var decisionAPIs = []decisionAPI{
	{
		name: phaseCheck,
		path: "/check",
		body: func(userID, resource, action string) any {
			return checkBody{UserID: userID, Permission: resource + ":" + action}
		},
		decode: allowedMember,
		field:  "allowed",
	},
	{
		name: phaseAuthzen,
		path: authzenPath,
		body: func(userID, resource, action string) any {
			return authzenBody{
				Subject:  authzenEntity{Type: "user", ID: userID},
				Action:   authzenAction{Name: action},
				Resource: authzenEntity{Type: resource, ID: "x"},
			}
		},
		decode: boolMember("decision"),
		field:  "decision",
	},
}

// authzenBody is an AuthZEN 1.0 evaluation request: the permission decided
// is {resource.type}:{action.name}, for the user whose id is subject.id.
type authzenBody struct {
	Subject  authzenEntity `json:"subject"`
	Action   authzenAction `json:"action"`
	Resource authzenEntity `json:"resource"`
}

type authzenEntity struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

type authzenAction struct {
	Name string `json:"name"`
}

// pools are the prepared requests of the load phases.
type pools struct {
	decisions [][]request // one per decisionAPIs entry: the same checks, asked each way
	perms     []request   // GET permissions of random users
	echoes    []request   // baseline posts carrying the check bodies
}

// requestPools prepares the requests of the load phases: random checks
// (with their expected answers) in every decision API's form, permission
// reads of random users, and baseline posts carrying the same bodies as
// the checks.
func requestPools(p *plan, s *seeded, rng *rand.Rand, rosterURL, baselineURL string) pools {
	const poolSize = 1 << 13
	tenant := rosterURL + "/v1/tenants/" + tenantID
	pl := pools{decisions: make([][]request, len(decisionAPIs))}
	for range poolSize {
		c := p.randomCheck(rng)
		want := wantDenied
		if c.allowed {
			want = wantAllowed
		}
		resource, action, _ := strings.Cut(c.permission, ":")
		for i, d := range decisionAPIs {
			body, _ := json.Marshal(d.body(s.userIDs[c.user], resource, action))
			pl.decisions[i] = append(pl.decisions[i], request{method: http.MethodPost, url: tenant + d.path, body: body, want: want})
		}
		checkBody := pl.decisions[0][len(pl.decisions[0])-1].body // decisionAPIs[0] is POST /check
		pl.echoes = append(pl.echoes, request{method: http.MethodPost, url: baselineURL + baselinePath, body: checkBody})
		u := s.userIDs[rng.IntN(len(s.userIDs))]
		pl.perms = append(pl.perms, request{method: http.MethodGet, url: tenant + "/users/" + u + "/permissions"})
	}
	return pl
}

// boolMember returns a decoder reading `"key": true|false` out of a JSON
// answer without decoding the whole body: the first occurrence of "key"
// followed by a colon, which in valid JSON is a member's name (a quote inside
// a string is escaped). ok is false when there is no such member or its
// value is not a boolean.
func boolMember(key string) func(body []byte) (value, ok bool) {
	pattern := []byte(`"` + key + `"`)
	return func(body []byte) (value, ok bool) {
		for {
			i := bytes.Index(body, pattern)
			if i < 0 {
				return false, false
			}
			body = bytes.TrimLeft(body[i+len(pattern):], " \t\r\n")
			if len(body) == 0 || body[0] != ':' {
				continue
			}
			rest := bytes.TrimLeft(body[1:], " \t\r\n")
			switch {
			case bytes.HasPrefix(rest, []byte("true")):
				return true, true
			case bytes.HasPrefix(rest, []byte("false")):
				return false, true
			}
			return false, false
		}
	}
}

var allowedMember = boolMember("allowed")

// allowedField is a check answer's "allowed", false if it has none.
func allowedField(body []byte) bool {
	v, _ := allowedMember(body)
	return v
}
