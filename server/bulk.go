package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/rosterhq/roster/gen"
	"github.com/rosterhq/roster/internal/rbac"
)

// POST /bulk (openapi.yaml, bulkWrite): each operation is sent through this
// server's own router, in-process, as a sub-request of the caller —
// authorized, validated and answered by exactly the code that answers it
// alone. A sub-request carries its caller (principal.internal): it is not
// authenticated again, draws nothing from the rate limit, and does not tell
// the engines of its revision (the bulk does, once it has committed). An
// atomic bulk runs its sub-requests inside one transaction of the store
// (rbac.IdempotencyStore.InTransaction), which their writes join; a dry
// run does the same and rolls it back (bulk_dryrun.go).

// maxBulkBody is the body limit of POST /bulk (the others have 1 MiB).
const maxBulkBody = "32MiB"

// routeBulk is the echo route of POST /bulk.
const routeBulk = "/v1/tenants/:tenant_id/bulk"

// errBulkFailed rolls an atomic bulk back when one of its operations failed.
var errBulkFailed = errors.New("an operation of an atomic bulk failed")

func (s *Server) BulkWrite(ctx context.Context, req gen.BulkWriteRequestObject) (gen.BulkWriteResponseObject, error) {
	b := req.Body
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if p.internal {
		// A bulk inside a bulk would multiply the limits (10,000 × 10,000).
		return nil, rbac.Invalid("path", "a bulk cannot be an operation of a bulk")
	}
	if b.DryRun != nil && *b.DryRun {
		// Its impact evaluates other users: what checks:read allows.
		if err := p.require(ctx, permChecks); err != nil {
			return nil, err
		}
		return s.bulkDryRun(ctx, req.TenantId, p, b.Operations) // bulk_dryrun.go
	}
	atomic := b.Atomic != nil && *b.Atomic
	run := &bulkRun{s: s, tenant: req.TenantId, parent: p, refs: map[string]string{}}
	committed := true
	if atomic {
		err = s.Store.InTransaction(ctx, req.TenantId, func(ctx context.Context) error {
			return run.all(ctx, b.Operations, true)
		})
		if errors.Is(err, errBulkFailed) {
			committed, err = false, nil
		}
	} else {
		err = run.all(ctx, b.Operations, false)
	}
	if err != nil {
		return nil, err
	}
	t, err := s.Store.GetTenant(ctx, req.TenantId)
	if err != nil {
		return nil, err
	}
	if committed {
		s.Engines.Notify(req.TenantId, t.Revision) // read-your-writes, as for one write
	}
	return gen.BulkWrite200JSONResponse{Body: gen.BulkResult{Results: run.results, Committed: committed, Revision: t.Revision},
		Headers: gen.BulkWrite200ResponseHeaders{RosterRevision: t.Revision}}, nil
}

// bulkRun is one bulk request in progress.
type bulkRun struct {
	s       *Server
	tenant  string
	parent  *principal
	refs    map[string]string // ref → id of its operation's answer; "" when it failed
	results []gen.BulkOperationResult
}

// all runs the operations in order. Atomic: the first failure makes every
// later operation 424 and returns errBulkFailed.
func (r *bulkRun) all(ctx context.Context, ops []gen.BulkOperation, atomic bool) error {
	r.results = make([]gen.BulkOperationResult, 0, len(ops))
	for i, op := range ops {
		res := r.one(ctx, i, op)
		r.results = append(r.results, res)
		if atomic && res.Status >= http.StatusBadRequest {
			for range ops[i+1:] {
				r.results = append(r.results, gen.BulkOperationResult{Status: http.StatusFailedDependency})
			}
			return errBulkFailed
		}
	}
	return nil
}

// one runs operation i as a sub-request and records its ref.
func (r *bulkRun) one(ctx context.Context, i int, op gen.BulkOperation) gen.BulkOperationResult {
	path, body, err := r.substitute(op)
	if err != nil {
		return problemResult(fmt.Sprintf("operations[%d]", i), err.Error())
	}
	if strings.Contains(path, "..") || strings.ContainsAny(path, "?#") {
		return problemResult(fmt.Sprintf("operations[%d].path", i), "must be a plain path of this tenant (no .., query or fragment)")
	}
	sub := &principal{Token: r.parent.Token, engines: r.parent.engines, now: r.parent.now, internal: true}
	hreq, err := http.NewRequestWithContext(withPrincipal(ctx, sub), string(op.Method), "/v1/tenants/"+r.tenant+path, bytes.NewReader(body))
	if err != nil {
		return problemResult(fmt.Sprintf("operations[%d].path", i), "is not a path")
	}
	if len(body) > 0 {
		hreq.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	}
	if op.IfMatch != nil {
		hreq.Header.Set("If-Match", *op.IfMatch)
	}
	rec := &recorder{header: http.Header{}}
	r.s.router.ServeHTTP(rec, hreq)
	out := gen.BulkOperationResult{Status: rec.status}
	if out.Status == 0 {
		out.Status = http.StatusOK
	}
	var answer map[string]any
	if rec.body.Len() > 0 {
		var v any
		if json.Unmarshal(rec.body.Bytes(), &v) == nil {
			out.Body = v
			answer, _ = v.(map[string]any)
		}
	}
	if op.Ref != nil {
		id, _ := answer["id"].(string)
		if out.Status >= http.StatusBadRequest {
			id = ""
		}
		r.refs[*op.Ref] = id
	}
	return out
}

// substitute writes the ids of earlier operations for their `${ref}`s in
// the path and in the body's strings. It reads each `${…}` once and looks
// its name up, so a bulk of many references costs what its bytes cost.
func (r *bulkRun) substitute(op gen.BulkOperation) (string, []byte, error) {
	var body []byte
	if op.Body != nil {
		var err error
		if body, err = json.Marshal(op.Body); err != nil {
			return "", nil, err
		}
	}
	path, err := r.resolveRefs([]byte(op.Path), "path")
	if err != nil {
		return "", nil, err
	}
	if body, err = r.resolveRefs(body, "body"); err != nil {
		return "", nil, err
	}
	return string(path), body, nil
}

// resolveRefs replaces every `${name}` in b (where names the part, for the
// message) by its operation's id.
func (r *bulkRun) resolveRefs(b []byte, where string) ([]byte, error) {
	if !bytes.Contains(b, []byte("${")) {
		return b, nil
	}
	var out []byte
	for {
		i := bytes.Index(b, []byte("${"))
		if i < 0 {
			return append(out, b...), nil
		}
		j := bytes.IndexByte(b[i:], '}')
		if j < 0 {
			return nil, fmt.Errorf("has an unclosed reference in its %s", where)
		}
		name := string(b[i+2 : i+j])
		id, known := r.refs[name]
		switch {
		case !known:
			return nil, fmt.Errorf("refers to %s in its %s, which no earlier operation names", strconv.Quote(name), where)
		case id == "":
			return nil, fmt.Errorf("refers to %s, an operation that failed", strconv.Quote(name))
		}
		out = append(append(out, b[:i]...), id...)
		b = b[i+j+1:]
	}
}

// problemResult is a 400 result for an operation the bulk could not send.
func problemResult(field, msg string) gen.BulkOperationResult {
	p := problemFor(rbac.Invalid(field, msg))
	var body any
	b, _ := json.Marshal(p)
	_ = json.Unmarshal(b, &body)
	return gen.BulkOperationResult{Status: p.Status, Body: body}
}
