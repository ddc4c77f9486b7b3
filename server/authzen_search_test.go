package server_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/server"
	"github.com/rosterhq/roster/server/servertest"
)

func (f azFixture) searchSubjects(t *testing.T, body client.AuthzenSubjectSearchRequest) client.AuthzenSubjectSearchResponse {
	t.Helper()
	resp, err := f.tn.Admin.AuthzenSearchSubjectWithResponse(bg, f.tn.ID, body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode(), "body: %s", resp.Body)
	return *resp.JSON200
}

func subjectIDs(r client.AuthzenSubjectSearchResponse) []string {
	var ids []string
	for _, s := range r.Results {
		ids = append(ids, s.Type+":"+s.Id)
	}
	return ids
}

// The certification scenario's Search Core cases for subject and action
// search (Roster offers no resource search: it keeps no resources).
func TestAuthzen_searchCore(t *testing.T) {
	f := newAZFixture(t)
	readers := client.AuthzenSubjectSearchRequest{Subject: client.AuthzenSearchedSubject{Type: "user"}, Action: action("read"), Resource: record("record-1")}

	admin := "user:" + f.tn.AdminUser.Id // role_admin holds *:*; it has no external id
	t.Run("4.2.1 subjects who may read, by external id", func(t *testing.T) {
		require.Equal(t, sortedCopy([]string{"user:alice", "user:bob", admin}), sortedCopy(subjectIDs(f.searchSubjects(t, readers))))
		writers := readers
		writers.Action = action("write")
		require.Equal(t, sortedCopy([]string{"user:alice", admin}), sortedCopy(subjectIDs(f.searchSubjects(t, writers))))
	})
	t.Run("4.2.2 with context", func(t *testing.T) {
		withContext := readers
		withContext.Context = &client.AuthzenContext{"time": "2025-06-27T18:03-07:00"}
		require.Len(t, f.searchSubjects(t, withContext).Results, 3)
	})
	t.Run("4.5 pages with page.token and page.next_token", func(t *testing.T) {
		var seen []string
		req := readers
		req.Page = &client.AuthzenPageRequest{Limit: ptr(int32(1))}
		for pages := 0; ; pages++ {
			require.Less(t, pages, 4, "one result per page, three subjects")
			p := f.searchSubjects(t, req)
			require.LessOrEqual(t, len(p.Results), 1)
			seen = append(seen, subjectIDs(p)...)
			if p.Page.NextToken == "" {
				break
			}
			req.Page = &client.AuthzenPageRequest{Limit: ptr(int32(1)), Token: &p.Page.NextToken}
		}
		require.Equal(t, sortedCopy(subjectIDs(f.searchSubjects(t, readers))), sortedCopy(seen), "the pages hold every subject once")

		first := readers
		first.Page = &client.AuthzenPageRequest{Limit: ptr(int32(1))}
		p1 := f.searchSubjects(t, first)
		forged := first
		forged.Page = &client.AuthzenPageRequest{Token: ptr("not-a-token")}
		resp, err := f.tn.Admin.AuthzenSearchSubjectWithResponse(bg, f.tn.ID, forged)
		require.NoError(t, err)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode(), "a forged token")
		other := readers
		other.Action = action("write")
		other.Page = &client.AuthzenPageRequest{Token: &p1.Page.NextToken}
		resp, err = f.tn.Admin.AuthzenSearchSubjectWithResponse(bg, f.tn.ID, other)
		require.NoError(t, err)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode(), "a token of another search")
	})
	t.Run("4.6 nothing found is an empty list", func(t *testing.T) {
		spaceships := readers
		spaceships.Subject.Type = "spaceship"
		require.Empty(t, f.searchSubjects(t, spaceships).Results)
		resp, err := f.tn.Admin.AuthzenSearchActionWithResponse(bg, f.tn.ID, client.AuthzenActionSearchRequest{Subject: subject("nonexistent-user"), Resource: record("record-1")})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode())
		require.Empty(t, resp.JSON200.Results)
	})
	t.Run("4.4.1 actions alice may do on a record", func(t *testing.T) {
		for who, want := range map[string][]string{"alice": {"read", "write"}, "bob": {"read"}} {
			resp, err := f.tn.Admin.AuthzenSearchActionWithResponse(bg, f.tn.ID, client.AuthzenActionSearchRequest{Subject: subject(who), Resource: record("record-1"),
				Context: &client.AuthzenContext{"ip": "10.0.0.1"}})
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode(), "%s", resp.Body)
			var names []string
			for _, a := range resp.JSON200.Results {
				names = append(names, a.Name)
			}
			require.Equal(t, want, names, who)
			require.Empty(t, resp.JSON200.Page.NextToken)
		}
	})
	t.Run("4.7 missing members are 400", func(t *testing.T) {
		for name, c := range map[string]struct{ path, body string }{
			"subject search without action":      {"search/subject", `{"subject":{"type":"user"},"resource":{"type":"record","id":"record-1"}}`},
			"subject search without resource.id": {"search/subject", `{"subject":{"type":"user"},"action":{"name":"read"},"resource":{"type":"record"}}`},
			"action search without resource":     {"search/action", `{"subject":{"type":"user","id":"alice"}}`},
		} {
			resp, b := f.env.Do("POST", f.base+c.path, f.tn.AdminToken, c.body)
			requireAuthzenError(t, resp, b, http.StatusBadRequest, name)
		}
	})
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// Discovery: the tenant's PDP metadata, from the request's host or from
// --public-url, with no token.
func TestAuthzen_discovery(t *testing.T) {
	f := newAZFixture(t)
	resp, err := client.NewClientWithResponses(f.env.URL, client.WithHTTPClient(&http.Client{Transport: servertest.ValidatingTransport{T: t}}))
	require.NoError(t, err)
	md, err := resp.AuthzenMetadataWithResponse(bg, "cert")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, md.StatusCode(), "%s", md.Body)
	pdp := f.env.URL + "/v1/tenants/cert"
	require.Equal(t, pdp, md.JSON200.PolicyDecisionPoint)
	require.Equal(t, pdp+"/access/v1/evaluation", md.JSON200.AccessEvaluationEndpoint)
	require.Equal(t, pdp+"/access/v1/evaluations", *md.JSON200.AccessEvaluationsEndpoint)
	require.Equal(t, pdp+"/access/v1/search/subject", *md.JSON200.SearchSubjectEndpoint)
	require.Equal(t, pdp+"/access/v1/search/action", *md.JSON200.SearchActionEndpoint)

	// The endpoints it names answer.
	resp2, b := f.env.Do("POST", md.JSON200.AccessEvaluationEndpoint[len(f.env.URL):], f.tn.AdminToken,
		`{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"}}`)
	require.Equal(t, http.StatusOK, resp2.StatusCode, "%s", b)

	missing, err := resp.AuthzenMetadataWithResponse(bg, "nope")
	require.NoError(t, err)
	require.Equal(t, http.StatusNotFound, missing.StatusCode())

	behind := replica(t, openStore(t), server.Config{PublicURL: "https://roster.example.test/"})
	newTenant(t, behind, "cert")
	c, err := client.NewClientWithResponses(behind.URL, client.WithHTTPClient(&http.Client{Transport: servertest.ValidatingTransport{T: t}}))
	require.NoError(t, err)
	md, err = c.AuthzenMetadataWithResponse(bg, "cert")
	require.NoError(t, err)
	require.Equal(t, "https://roster.example.test/v1/tenants/cert", md.JSON200.PolicyDecisionPoint, "behind a proxy: --public-url")
}
