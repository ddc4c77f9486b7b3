package server

import (
	"context"
	"strings"

	"github.com/rosterhq/roster/gen"
	"github.com/rosterhq/roster/internal/eval"
	"github.com/rosterhq/roster/internal/rbac"
)

// AuthZEN Authorization API 1.0 (openapi.yaml, tag AuthZEN): each tenant is
// a Policy Decision Point whose decisions are exactly /check's, from the
// same engine. A decision is resolved and answered inside one view, and a
// batch inside one view too, so that all its answers come from one state.
//
// The AuthZEN rules differ from Roster's own where the standard says so:
// unknown members are ignored (the schemas allow them), errors are a JSON
// string (errors.go), a subject Roster does not know is a denial rather
// than a 400, and a broken batch item is a denial with the reason in its
// context.

// azEntity is one AuthZEN entity after defaults: a subject or a resource
// (kind, id) or an action (name in kind).
type azEntity struct {
	kind, id string
	props    map[string]any
	set      bool // the request named it at all
}

// azRequest is one evaluation, its entities merged with the batch defaults.
type azRequest struct{ subject, action, resource azEntity }

// missing names the first required member the evaluation lacks, "" if none.
func (r azRequest) missing() string {
	switch {
	case !r.subject.set:
		return "subject"
	case r.subject.kind == "":
		return "subject.type"
	case r.subject.id == "":
		return "subject.id"
	case !r.action.set:
		return "action"
	case r.action.kind == "":
		return "action.name"
	case !r.resource.set:
		return "resource"
	case r.resource.kind == "":
		return "resource.type"
	case r.resource.id == "":
		return "resource.id"
	}
	return ""
}

// decide answers one evaluation in v: the subject resolved to a user, the
// permission `{resource.type}:{action.name}`, the resource's owner and
// organization from its properties.
func (s *Server) decide1(v eval.View, r azRequest) gen.AuthzenDecision {
	if r.subject.kind != "user" {
		return azDeny("the subject type must be user")
	}
	user, ok := v.ResolveUser(r.subject.id)
	if !ok {
		return azDeny("no user of this tenant is " + r.subject.id)
	}
	perm := r.resource.kind + ":" + r.action.kind
	if !rbac.ValidPermission(perm) {
		return azDeny("the resource type and action name make no permission (" + perm + ")")
	}
	owned := v.IsOwner(user, ownerOf(r.resource.props))
	d := v.CheckOwned(user, perm, orgOf(r.resource.props), owned, s.now())
	return gen.AuthzenDecision{Decision: d.Allowed}
}

func azDeny(reason string) gen.AuthzenDecision {
	return gen.AuthzenDecision{Decision: false, Context: &map[string]interface{}{"reason": reason}}
}

// ownerOf is the owner a resource's properties name (`ownerID` or
// `owner_id`), "" for none.
func ownerOf(props map[string]any) string {
	for _, k := range []string{"ownerID", "owner_id"} {
		if s, ok := props[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// orgOf is the organization a resource's properties name, "" for none.
func orgOf(props map[string]any) string {
	s, _ := props["organization_id"].(string)
	return s
}

func (s *Server) AuthzenEvaluation(ctx context.Context, req gen.AuthzenEvaluationRequestObject) (gen.AuthzenEvaluationResponseObject, error) {
	b := req.Body
	r := azRequest{
		subject:  azEntity{kind: b.Subject.Type, id: b.Subject.Id, props: propsOf(b.Subject.Properties), set: true},
		action:   azEntity{kind: b.Action.Name, props: propsOf(b.Action.Properties), set: true},
		resource: azEntity{kind: b.Resource.Type, id: b.Resource.Id, props: propsOf(b.Resource.Properties), set: true},
	}
	d, err := s.evaluate(ctx, req.TenantId, r)
	if err != nil {
		return nil, err
	}
	return gen.AuthzenEvaluation200JSONResponse{Body: d}, nil
}

// evaluate answers one AuthZEN evaluation, for the handler and the fast
// path alike.
func (s *Server) evaluate(ctx context.Context, tenantID string, r azRequest) (gen.AuthzenDecision, error) {
	if m := r.missing(); m != "" {
		return gen.AuthzenDecision{}, rbac.Invalid(m, "is required")
	}
	t, err := s.engine(ctx, tenantID)
	if err != nil {
		return gen.AuthzenDecision{}, err
	}
	v := t.View()
	defer v.Close()
	return s.decide1(v, r), nil
}

func propsOf(p *gen.AuthzenProperties) map[string]any {
	if p == nil {
		return nil
	}
	return *p
}

// AuthzenEvaluations answers a batch from one view. Items take the
// top-level subject, action and resource they omit, whole; a required
// member an item's own entity lacks is taken from the default entity.
func (s *Server) AuthzenEvaluations(ctx context.Context, req gen.AuthzenEvaluationsRequestObject) (gen.AuthzenEvaluationsResponseObject, error) {
	b := req.Body
	def := azRequest{subject: subjectPart(b.Subject), action: actionPart(b.Action), resource: resourcePart(b.Resource)}
	t, err := s.engine(ctx, req.TenantId)
	if err != nil {
		return nil, err
	}
	if b.Evaluations == nil || len(*b.Evaluations) == 0 {
		// Without items the request is one evaluation (AuthZEN 1.0).
		if m := def.missing(); m != "" {
			return nil, rbac.Invalid(m, "is required")
		}
		v := t.View()
		defer v.Close()
		d := s.decide1(v, def)
		return gen.AuthzenEvaluations200JSONResponse{Body: gen.AuthzenEvaluationsResult{Decision: &d.Decision, Context: d.Context}}, nil
	}
	semantic := gen.ExecuteAll
	if b.Options != nil && b.Options.EvaluationsSemantic != nil {
		semantic = *b.Options.EvaluationsSemantic
	}
	items := *b.Evaluations
	out := make([]gen.AuthzenDecision, 0, len(items))
	v := t.View()
	defer v.Close()
	for _, it := range items {
		r := azRequest{
			subject:  merged(subjectPart(it.Subject), def.subject),
			action:   merged(actionPart(it.Action), def.action),
			resource: merged(resourcePart(it.Resource), def.resource),
		}
		var d gen.AuthzenDecision
		if m := r.missing(); m != "" {
			d = gen.AuthzenDecision{Decision: false, Context: &map[string]interface{}{"error": m + " is required"}}
		} else {
			d = s.decide1(v, r)
		}
		out = append(out, d)
		if (semantic == gen.DenyOnFirstDeny && !d.Decision) || (semantic == gen.PermitOnFirstPermit && d.Decision) {
			break
		}
	}
	return gen.AuthzenEvaluations200JSONResponse{Body: gen.AuthzenEvaluationsResult{Evaluations: &out}}, nil
}

// merged is an item's entity over the default: the item's whole when it
// has one, with a required member it lacks taken from the default.
func merged(item, def azEntity) azEntity {
	if !item.set {
		return def
	}
	if item.kind == "" {
		item.kind = def.kind
	}
	if item.id == "" {
		item.id = def.id
	}
	return item
}

func subjectPart(p *gen.AuthzenSubjectPart) azEntity {
	if p == nil {
		return azEntity{}
	}
	return azEntity{kind: deref(p.Type), id: deref(p.Id), props: propsOf(p.Properties), set: true}
}

func actionPart(p *gen.AuthzenActionPart) azEntity {
	if p == nil {
		return azEntity{}
	}
	return azEntity{kind: deref(p.Name), props: propsOf(p.Properties), set: true}
}

func resourcePart(p *gen.AuthzenResourcePart) azEntity {
	if p == nil {
		return azEntity{}
	}
	return azEntity{kind: deref(p.Type), id: deref(p.Id), props: propsOf(p.Properties), set: true}
}

// isAuthzenRoute reports whether echo's route is one of AuthZEN's, whose
// errors follow AuthZEN (a JSON string) rather than problem details.
func isAuthzenRoute(path string) bool {
	return strings.HasPrefix(path, "/v1/tenants/:tenant_id/access/v1/")
}
