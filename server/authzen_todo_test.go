package server_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/client"
	"github.com/rosterhq/roster/server/servertest"
)

// The AuthZEN interop "Todo" scenario (openid/authzen, interop
// docs/scenarios/todo-1.0-id), written from its text: five users known by
// their PIDs, four roles, and every decision of its matrix asked of a
// tenant through AuthZEN, one by one and as batches.
//
// Roster's roles for it (the tenant's own role_admin is `*:*`, so the
// scenario's admin is called todo-admin here):
//
//	viewer       user:can_read_user, todo:can_read_todos
//	editor       inherits viewer; todo:can_create_todo, todo:can_update_todo:own, todo:can_delete_todo:own
//	todo-admin   inherits editor; todo:can_delete_todo
//	evil_genius  inherits editor; todo:can_update_todo

// todoPerson is one of the scenario's users.
type todoPerson struct {
	name, pid, email string
	roles            []string // the scenario's role names
}

var todoPeople = []todoPerson{
	{"Rick Sanchez", "CiRmZDA2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs", "rick@the-citadel.com", []string{"admin", "evil_genius"}},
	{"Morty Smith", "CiRmZDE2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs", "morty@the-citadel.com", []string{"editor"}},
	{"Summer Smith", "CiRmZDI2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs", "summer@the-smiths.com", []string{"editor"}},
	{"Beth Smith", "CiRmZDM2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs", "beth@the-smiths.com", []string{"viewer"}},
	{"Jerry Smith", "CiRmZDQ2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs", "jerry@the-smiths.com", []string{"viewer"}},
}

func (p todoPerson) is(role string) bool { return slices.Contains(p.roles, role) }

// todoExpected is the scenario's decision, from its rules (not from
// Roster's roles): owner is the person the todo's ownerID names, nil for
// actions that take none.
func todoExpected(subject todoPerson, act string, owner *todoPerson) bool {
	editor := subject.is("editor") || subject.is("admin") || subject.is("evil_genius")
	owns := owner != nil && owner.pid == subject.pid
	switch act {
	case "can_read_user", "can_read_todos":
		return true
	case "can_create_todo":
		return editor
	case "can_update_todo":
		return subject.is("evil_genius") || (editor && owns)
	case "can_delete_todo":
		return subject.is("admin") || (editor && owns)
	}
	panic("unknown action " + act)
}

// todoDecision is one decision of the matrix: what to ask and the answer.
type todoDecision struct {
	subject  todoPerson
	action   string
	resource client.AuthzenResource
	want     bool
}

func (d todoDecision) String() string {
	s := fmt.Sprintf("%s %s %s/%s", d.subject.name, d.action, d.resource.Type, d.resource.Id)
	if d.resource.Properties != nil {
		s += fmt.Sprintf(" %v", *d.resource.Properties)
	}
	return s
}

// todoMatrix is every decision of the scenario for subject, in the order
// the batch asks them: can_read_user on each user, can_read_todos,
// can_create_todo, then can_update_todo and can_delete_todo with each user
// as the owner (by email, as the scenario names them).
func todoMatrix(subject todoPerson) []todoDecision {
	var out []todoDecision
	for _, u := range todoPeople {
		out = append(out, todoDecision{subject, "can_read_user", client.AuthzenResource{Type: "user", Id: u.email}, todoExpected(subject, "can_read_user", nil)})
	}
	for _, act := range []string{"can_read_todos", "can_create_todo"} {
		out = append(out, todoDecision{subject, act, client.AuthzenResource{Type: "todo", Id: "todo-1"}, todoExpected(subject, act, nil)})
	}
	for _, act := range []string{"can_update_todo", "can_delete_todo"} {
		for i := range todoPeople {
			owner := &todoPeople[i]
			out = append(out, todoDecision{subject, act, client.AuthzenResource{Type: "todo", Id: fmt.Sprintf("todo-%d", i+1),
				Properties: &client.AuthzenProperties{"ownerID": owner.email}}, todoExpected(subject, act, owner)})
		}
	}
	return out
}

// todoTenant loads the scenario's roles and users through Roster's API.
func todoTenant(t *testing.T) tenant {
	env := servertest.New(t)
	tn := newTenant(t, env, "todo")
	mk := func(name string, parents []string, perms ...string) string {
		body := client.RoleCreate{Name: name, DisplayName: name, Permissions: perms}
		if len(parents) > 0 {
			body.InheritsFrom = &parents
		}
		resp, err := tn.Admin.CreateRoleWithResponse(bg, tn.ID, body)
		require.NoError(t, err)
		require.Equal(t, http.StatusCreated, resp.StatusCode(), "role %s: %s", name, resp.Body)
		return resp.JSON201.Id
	}
	roles := map[string]string{}
	roles["viewer"] = mk("viewer", nil, "user:can_read_user", "todo:can_read_todos")
	roles["editor"] = mk("editor", []string{roles["viewer"]},
		"todo:can_create_todo", "todo:can_update_todo:own", "todo:can_delete_todo:own")
	roles["admin"] = mk("todo-admin", []string{roles["editor"]}, "todo:can_delete_todo")
	roles["evil_genius"] = mk("evil_genius", []string{roles["editor"]}, "todo:can_update_todo")
	for _, p := range todoPeople {
		var ids []string
		for _, r := range p.roles {
			ids = append(ids, roles[r])
		}
		tn.userWithExternalID(t, p.email, p.pid, ids...)
	}
	return tn
}

func todoEvaluate(t *testing.T, tn tenant, body client.AuthzenEvaluationRequest) bool {
	t.Helper()
	resp, err := tn.Admin.AuthzenEvaluationWithResponse(bg, tn.ID, body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode(), "body: %s", resp.Body)
	return resp.JSON200.Decision
}

func TestAuthzenTodo_interopScenario(t *testing.T) {
	tn := todoTenant(t)

	// single is each subject's answers from /evaluation, in todoMatrix's order.
	single := map[string][]bool{}
	t.Run("every decision, one evaluation each", func(t *testing.T) {
		n := 0
		for _, p := range todoPeople {
			for _, d := range todoMatrix(p) {
				got := todoEvaluate(t, tn, client.AuthzenEvaluationRequest{Subject: subject(d.subject.pid), Action: action(d.action), Resource: d.resource})
				require.Equal(t, d.want, got, "%s", d)
				single[p.pid] = append(single[p.pid], got)
				n++
			}
		}
		require.Equal(t, 85, n, "5 subjects × (5 can_read_user + can_read_todos + can_create_todo + 5 can_update_todo + 5 can_delete_todo)")
	})

	t.Run("the same decisions as a batch per subject, in order", func(t *testing.T) {
		for _, p := range todoPeople {
			matrix := todoMatrix(p)
			require.Len(t, single[p.pid], len(matrix), "the single evaluations did not all run")
			items := make([]client.AuthzenEvaluationItem, len(matrix))
			for i, d := range matrix {
				res := client.AuthzenResourcePart{Type: &d.resource.Type, Id: &d.resource.Id, Properties: d.resource.Properties}
				items[i] = client.AuthzenEvaluationItem{Action: &client.AuthzenActionPart{Name: &d.action}, Resource: &res}
			}
			resp, err := tn.Admin.AuthzenEvaluationsWithResponse(bg, tn.ID, client.AuthzenEvaluationsRequest{
				Subject: &client.AuthzenSubjectPart{Type: ptr("user"), Id: ptr(p.pid)}, Evaluations: &items})
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode(), "body: %s", resp.Body)
			require.Nil(t, resp.JSON200.Decision, "a batch answers evaluations only")
			require.NotNil(t, resp.JSON200.Evaluations)
			got := make([]bool, len(*resp.JSON200.Evaluations))
			for i, d := range *resp.JSON200.Evaluations {
				got[i] = d.Decision
			}
			require.Equal(t, single[p.pid], got, "%s's batch", p.name)
		}
	})

	t.Run("one batch of every decision, each item whole", func(t *testing.T) {
		var items []client.AuthzenEvaluationItem
		var want []bool
		for _, p := range todoPeople {
			for _, d := range todoMatrix(p) {
				res := client.AuthzenResourcePart{Type: &d.resource.Type, Id: &d.resource.Id, Properties: d.resource.Properties}
				items = append(items, client.AuthzenEvaluationItem{Subject: &client.AuthzenSubjectPart{Type: ptr("user"), Id: ptr(p.pid)},
					Action: &client.AuthzenActionPart{Name: ptr(d.action)}, Resource: &res})
				want = append(want, d.want)
			}
		}
		resp, err := tn.Admin.AuthzenEvaluationsWithResponse(bg, tn.ID, client.AuthzenEvaluationsRequest{Evaluations: &items})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode(), "body: %s", resp.Body)
		require.NotNil(t, resp.JSON200.Evaluations)
		got := make([]bool, len(*resp.JSON200.Evaluations))
		for i, d := range *resp.JSON200.Evaluations {
			got[i] = d.Decision
		}
		require.Equal(t, want, got)
	})

	todoActions := []string{"can_create_todo", "can_delete_todo", "can_read_todos", "can_update_todo"} // sorted
	ownedBy := func(owner todoPerson) client.AuthzenResource {
		return client.AuthzenResource{Type: "todo", Id: "todo-1", Properties: &client.AuthzenProperties{"ownerID": owner.email}}
	}

	t.Run("subject search finds exactly the subjects the decisions allow", func(t *testing.T) {
		for _, act := range todoActions {
			for _, owner := range todoPeople {
				var want []string
				for _, p := range todoPeople {
					if todoExpected(p, act, &owner) {
						want = append(want, p.pid)
					}
				}
				want = append(want, tn.AdminUser.Id) // the tenant's administrator holds *:*
				// In one page, and in pages of one and of two: the owner an
				// owner-only grant admits is found once, wherever it sorts.
				for _, limit := range []int32{100, 1, 2} {
					var got []string
					page := &client.AuthzenPageRequest{Limit: ptr(limit)}
					for pages := 0; ; pages++ {
						require.Less(t, pages, 10, "the pages do not end")
						resp, err := tn.Admin.AuthzenSearchSubjectWithResponse(bg, tn.ID, client.AuthzenSubjectSearchRequest{
							Subject: client.AuthzenSearchedSubject{Type: "user"}, Action: action(act), Resource: ownedBy(owner), Page: page})
						require.NoError(t, err)
						require.Equal(t, http.StatusOK, resp.StatusCode(), "body: %s", resp.Body)
						require.LessOrEqual(t, len(resp.JSON200.Results), int(limit))
						for _, r := range resp.JSON200.Results {
							require.Equal(t, "user", r.Type)
							got = append(got, r.Id)
						}
						if resp.JSON200.Page.NextToken == "" {
							break
						}
						page = &client.AuthzenPageRequest{Limit: ptr(limit), Token: ptr(resp.JSON200.Page.NextToken)}
					}
					require.ElementsMatch(t, want, got, "who may %s %s's todo (pages of %d)", act, owner.name, limit)
				}
			}
		}
	})

	t.Run("action search finds exactly the actions the decisions allow", func(t *testing.T) {
		for _, p := range todoPeople {
			for _, owner := range todoPeople {
				want := []string{}
				for _, act := range todoActions {
					if todoExpected(p, act, &owner) {
						want = append(want, act)
					}
				}
				resp, err := tn.Admin.AuthzenSearchActionWithResponse(bg, tn.ID, client.AuthzenActionSearchRequest{
					Subject: subject(p.pid), Resource: ownedBy(owner)})
				require.NoError(t, err)
				require.Equal(t, http.StatusOK, resp.StatusCode(), "body: %s", resp.Body)
				got := []string{}
				for _, r := range resp.JSON200.Results {
					got = append(got, r.Name)
				}
				require.Equal(t, want, got, "what %s may do to %s's todo", p.name, owner.name)
			}
		}
	})

	rick, morty, summer, beth := todoPeople[0], todoPeople[1], todoPeople[2], todoPeople[3]
	todo := func(props client.AuthzenProperties) client.AuthzenResource {
		return client.AuthzenResource{Type: "todo", Id: "todo-1", Properties: &props}
	}
	cases := []struct {
		name     string
		subject  string
		action   string
		resource client.AuthzenResource
		want     bool
	}{
		{"ownerID by PID: Morty updates his own todo", morty.pid, "can_update_todo", todo(client.AuthzenProperties{"ownerID": morty.pid}), true},
		{"ownerID by PID: Morty deletes his own todo", morty.pid, "can_delete_todo", todo(client.AuthzenProperties{"ownerID": morty.pid}), true},
		{"ownerID by PID: Morty may not update Summer's", morty.pid, "can_update_todo", todo(client.AuthzenProperties{"ownerID": summer.pid}), false},
		{"ownerID by PID: Beth owns hers but is no editor", beth.pid, "can_update_todo", todo(client.AuthzenProperties{"ownerID": beth.pid}), false},
		{"ownerID by PID: Rick updates anyone's", rick.pid, "can_update_todo", todo(client.AuthzenProperties{"ownerID": summer.pid}), true},
		{"ownerID by email in another case", summer.pid, "can_delete_todo", todo(client.AuthzenProperties{"ownerID": "Summer@The-Smiths.COM"}), true},
		{"owner_id instead of ownerID: own todo", summer.pid, "can_update_todo", todo(client.AuthzenProperties{"owner_id": summer.email}), true},
		{"owner_id instead of ownerID: another's todo", summer.pid, "can_delete_todo", todo(client.AuthzenProperties{"owner_id": morty.email}), false},
		{"owner_id by PID", morty.pid, "can_delete_todo", todo(client.AuthzenProperties{"owner_id": morty.pid}), true},
		{"no owner: an owner-only grant gives nothing", morty.pid, "can_update_todo", client.AuthzenResource{Type: "todo", Id: "todo-1"}, false},
		{"no owner: a plain grant still does", rick.pid, "can_delete_todo", client.AuthzenResource{Type: "todo", Id: "todo-1"}, true},
		{"an owner no user matches owns nothing", morty.pid, "can_update_todo", todo(client.AuthzenProperties{"ownerID": "nobody@the-citadel.com"}), false},
		{"the subject by email is the same user", "Morty@The-Citadel.com", "can_update_todo", todo(client.AuthzenProperties{"ownerID": morty.pid}), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, todoEvaluate(t, tn, client.AuthzenEvaluationRequest{Subject: subject(c.subject), Action: action(c.action), Resource: c.resource}))
		})
	}
}
