package server_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/client"
)

func subjectPart(id string) *client.AuthzenSubjectPart {
	return &client.AuthzenSubjectPart{Type: ptr("user"), Id: &id}
}
func actionPart(name string) *client.AuthzenActionPart { return &client.AuthzenActionPart{Name: &name} }
func recordPart(id string) *client.AuthzenResourcePart {
	return &client.AuthzenResourcePart{Type: ptr("record"), Id: &id}
}

// evaluations sends a batch and returns its decisions (nil without an
// evaluations list) and its single decision (nil with one).
func (f azFixture) evaluations(t *testing.T, body client.AuthzenEvaluationsRequest) ([]client.AuthzenDecision, *bool) {
	t.Helper()
	resp, err := f.tn.Admin.AuthzenEvaluationsWithResponse(bg, f.tn.ID, body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode(), "body: %s", resp.Body)
	if resp.JSON200.Evaluations == nil {
		return nil, resp.JSON200.Decision
	}
	return *resp.JSON200.Evaluations, resp.JSON200.Decision
}

func decisionsOf(ds []client.AuthzenDecision) []bool {
	out := make([]bool, len(ds))
	for i, d := range ds {
		out[i] = d.Decision
	}
	return out
}

// The certification scenario's Batch Core cases, and the two
// short-circuit semantics.
func TestAuthzen_batchCore(t *testing.T) {
	f := newAZFixture(t)
	items := func(its ...client.AuthzenEvaluationItem) *[]client.AuthzenEvaluationItem { return &its }
	semantic := func(s client.AuthzenEvaluationsRequestOptionsEvaluationsSemantic) *client.AuthzenEvaluationsOptions {
		return &client.AuthzenEvaluationsOptions{EvaluationsSemantic: &s}
	}
	cases := []struct {
		name string
		body client.AuthzenEvaluationsRequest
		want []bool
	}{
		{"3.2.1 defaults with resources per item", client.AuthzenEvaluationsRequest{Subject: subjectPart("alice"), Action: actionPart("read"),
			Evaluations: items(client.AuthzenEvaluationItem{Resource: recordPart("record-1")}, client.AuthzenEvaluationItem{Resource: recordPart("record-2")})},
			[]bool{true, true}},
		{"3.2.2 actions per item, in order", client.AuthzenEvaluationsRequest{Subject: subjectPart("bob"), Resource: recordPart("record-1"),
			Evaluations: items(client.AuthzenEvaluationItem{Action: actionPart("read")}, client.AuthzenEvaluationItem{Action: actionPart("write")})},
			[]bool{true, false}},
		{"3.2.5 fully specified items", client.AuthzenEvaluationsRequest{Evaluations: items(
			client.AuthzenEvaluationItem{Subject: subjectPart("alice"), Action: actionPart("read"), Resource: recordPart("record-1")},
			client.AuthzenEvaluationItem{Subject: subjectPart("bob"), Action: actionPart("write"), Resource: recordPart("record-1")})},
			[]bool{true, false}},
		{"3.2.6 context inherited and overridden", client.AuthzenEvaluationsRequest{Subject: subjectPart("alice"), Action: actionPart("read"),
			Context: &client.AuthzenContext{"time": "2025-06-27T18:03-07:00"},
			Evaluations: items(client.AuthzenEvaluationItem{Resource: recordPart("record-1")},
				client.AuthzenEvaluationItem{Resource: recordPart("record-2"), Context: &client.AuthzenContext{"source": "batch-override"}})},
			[]bool{true, true}},
		{"a required member taken from the default entity", client.AuthzenEvaluationsRequest{Subject: subjectPart("alice"), Action: actionPart("write"),
			Resource:    &client.AuthzenResourcePart{Type: ptr("record")},
			Evaluations: items(client.AuthzenEvaluationItem{Resource: &client.AuthzenResourcePart{Id: ptr("record-1")}})},
			[]bool{true}},
		{"deny_on_first_deny stops at the first deny", client.AuthzenEvaluationsRequest{Subject: subjectPart("bob"), Resource: recordPart("r"),
			Options:     semantic(client.DenyOnFirstDeny),
			Evaluations: items(client.AuthzenEvaluationItem{Action: actionPart("read")}, client.AuthzenEvaluationItem{Action: actionPart("write")}, client.AuthzenEvaluationItem{Action: actionPart("read")})},
			[]bool{true, false}},
		{"permit_on_first_permit stops at the first permit", client.AuthzenEvaluationsRequest{Subject: subjectPart("bob"), Resource: recordPart("r"),
			Options:     semantic(client.PermitOnFirstPermit),
			Evaluations: items(client.AuthzenEvaluationItem{Action: actionPart("write")}, client.AuthzenEvaluationItem{Action: actionPart("read")}, client.AuthzenEvaluationItem{Action: actionPart("write")})},
			[]bool{false, true}},
		{"execute_all answers every item", client.AuthzenEvaluationsRequest{Subject: subjectPart("bob"), Resource: recordPart("r"),
			Options:     semantic(client.ExecuteAll),
			Evaluations: items(client.AuthzenEvaluationItem{Action: actionPart("write")}, client.AuthzenEvaluationItem{Action: actionPart("read")}, client.AuthzenEvaluationItem{Action: actionPart("write")})},
			[]bool{false, true, false}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ds, single := f.evaluations(t, c.body)
			require.Nil(t, single, "a batch answers evaluations only")
			require.Equal(t, c.want, decisionsOf(ds))
		})
	}

	t.Run("3.4.1 a broken item is a denial with the reason, the rest are answered", func(t *testing.T) {
		ds, _ := f.evaluations(t, client.AuthzenEvaluationsRequest{Subject: subjectPart("alice"), Action: actionPart("read"),
			Evaluations: items(client.AuthzenEvaluationItem{Resource: recordPart("record-1")}, client.AuthzenEvaluationItem{})})
		require.Equal(t, []bool{true, false}, decisionsOf(ds))
		require.NotNil(t, ds[1].Context)
		require.Equal(t, "resource is required", (*ds[1].Context)["error"])
	})
	t.Run("3.4.2 and 3.4.3 without items, or with none, one evaluation", func(t *testing.T) {
		for _, evs := range []*[]client.AuthzenEvaluationItem{nil, {}} {
			ds, single := f.evaluations(t, client.AuthzenEvaluationsRequest{Subject: subjectPart("alice"), Action: actionPart("read"),
				Resource: recordPart("record-1"), Evaluations: evs})
			require.Nil(t, ds)
			require.NotNil(t, single)
			require.True(t, *single)
		}
		resp, b := f.env.Do("POST", f.base+"evaluations", f.tn.AdminToken, `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"}}`)
		requireAuthzenError(t, resp, b, http.StatusBadRequest, "one evaluation without a resource")
	})
	t.Run("at most 1000 items", func(t *testing.T) {
		many := make([]client.AuthzenEvaluationItem, 1001)
		resp, err := f.tn.Admin.AuthzenEvaluationsWithResponse(bg, f.tn.ID, client.AuthzenEvaluationsRequest{Subject: subjectPart("alice"),
			Action: actionPart("read"), Resource: recordPart("r"), Evaluations: &many})
		require.NoError(t, err)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode())
	})
}
