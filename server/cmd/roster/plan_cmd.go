package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/rosterhq/roster/client"
)

// `roster plan -f FILE` and `roster apply -f FILE`.

// Exit statuses of `roster plan --detailed-exitcode`, as terraform's.
const (
	planNoChanges = 0
	planError     = 1
	planChanges   = 2
)

// planRun is what both commands share: the flags, the client, the state
// and the changes.
type planRun struct {
	cf      *clientFlags
	e       *cliEnv
	c       *client.Client
	file    string
	state   *tenantState
	changes []change
}

// preparePlan parses the flags, reads the file and the tenant and computes
// the changes; code is the exit status when it fails.
func preparePlan(ctx context.Context, name string, args []string, e *cliEnv, extra func(fs *flag.FlagSet)) (*planRun, int) {
	fs, cf := newClientFlagSet(name, "-f FILE [flags]", e)
	file := fs.String("f", "", "the tenant file (YAML, docs/tenant-file.md); - for stdin")
	fs.StringVar(file, "file", "", "same as -f")
	prune := fs.Bool("prune", false, "also remove what the file does not list: custom roles, and the roles and members of the groups and users it names")
	if extra != nil {
		extra(fs)
	}
	if _, err := parseArgs(fs, cf, args); err != nil {
		return nil, e.usage(err)
	}
	if *file == "" {
		return nil, e.usage(fmt.Errorf("%s: -f FILE is required", name))
	}
	f, err := readTenantFile(*file, e.stdin)
	if err != nil {
		if errors.Is(err, errFile) {
			fmt.Fprintf(e.stderr, "%s: %v\n", name, strings.TrimPrefix(err.Error(), errFile.Error()+": "))
			return nil, 2
		}
		return nil, e.fail(cf, err)
	}
	c, err := cf.connect()
	if err != nil {
		return nil, e.fail(cf, err)
	}
	s, err := readState(ctx, c, cf.tenant, f)
	if err != nil {
		return nil, e.fail(cf, err)
	}
	changes, err := computePlan(f, s, *prune)
	if err != nil {
		return nil, e.fail(cf, fmt.Errorf("%s: %w", *file, err))
	}
	return &planRun{cf: cf, e: e, c: c, file: *file, state: s, changes: changes}, 0
}

// planCommand runs `roster plan -f FILE [--prune] [--detailed-exitcode]`.
func planCommand(ctx context.Context, args []string, e *cliEnv) int {
	var detailed *bool
	p, code := preparePlan(ctx, "roster plan", args, e, func(fs *flag.FlagSet) {
		detailed = fs.Bool("detailed-exitcode", false, "exit 0 when there is nothing to change, 2 when there is, 1 on error")
	})
	if p == nil {
		return code
	}
	impact, err := p.dryRun(ctx)
	if err != nil {
		return p.failOp(err)
	}
	if code := p.show(impact); code != 0 {
		return code
	}
	if *detailed && len(p.changes) > 0 {
		return planChanges
	}
	return planNoChanges
}

// applyCommand runs `roster apply -f FILE [--prune] [--yes]`: the plan, a
// confirmation, then one atomic bulk request.
func applyCommand(ctx context.Context, args []string, e *cliEnv) int {
	var yes *bool
	p, code := preparePlan(ctx, "roster apply", args, e, func(fs *flag.FlagSet) {
		yes = fs.Bool("yes", false, "apply without asking (for scripts; needed when stdin is not a terminal)")
	})
	if p == nil {
		return code
	}
	if len(p.changes) == 0 {
		return p.show(nil)
	}
	switch {
	case *yes:
	case !isTerminal(e.stdin):
		fmt.Fprintf(e.stderr, "roster apply: stdin is not a terminal: pass --yes to apply without confirmation\n")
		return 2
	case p.cf.output != "table": // the plan is not shown, so there is nothing to confirm
		fmt.Fprintf(e.stderr, "roster apply: -o %s prints only the result: pass --yes\n", p.cf.output)
		return 2
	}
	if p.cf.output == "table" { // for scripts, the bulk's answer alone
		impact, err := p.dryRun(ctx)
		if err != nil {
			return p.failOp(err)
		}
		if code := p.show(impact); code != 0 {
			return code
		}
	}
	if !*yes {
		fmt.Fprintf(e.stderr, "Apply these %d changes to tenant %s? Only 'yes' applies: ", len(p.changes), p.cf.tenant)
		line, _ := bufio.NewReader(e.stdin).ReadString('\n')
		if strings.TrimSpace(line) != "yes" {
			fmt.Fprintln(e.stderr, "roster apply: cancelled, nothing written")
			return 1
		}
	}
	res, err := p.bulk(ctx, false)
	if err != nil {
		return e.fail(p.cf, err)
	}
	return p.showResults(res)
}

// bulkAnswer is the bulk response, decoded here rather than as the
// generated client type so that the impact of a dry run (which this client
// may predate) is read whenever the server sends it.
type bulkAnswer struct {
	Results []struct {
		Status int             `json:"status"`
		Body   json.RawMessage `json:"body"`
	} `json:"results"`
	Committed       bool         `json:"committed"`
	Revision        int64        `json:"revision"`
	Impact          []userImpact `json:"impact"`
	ImpactTruncated bool         `json:"impact_truncated"`
}

// userImpact is how one user's effective permissions would change.
type userImpact struct {
	UserID         string   `json:"user_id"`
	OrganizationID *string  `json:"organization_id,omitempty"`
	Gained         []string `json:"gained"`
	Lost           []string `json:"lost"`
}

// bulk sends the changes as one atomic request, with an Idempotency-Key so
// that the client's retries cannot apply them twice.
func (p *planRun) bulk(ctx context.Context, dryRun bool) (*bulkAnswer, error) {
	ops := make([]client.BulkOperation, len(p.changes))
	for i, ch := range p.changes {
		ops[i] = ch.Op
	}
	atomic := true
	body := client.BulkRequest{Operations: ops, Atomic: &atomic}
	if dryRun {
		body.DryRun = &dryRun
	}
	key := make([]byte, 16)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	res, err := p.c.BulkWriteWithResponse(ctx, p.cf.tenant, body, func(_ context.Context, req *http.Request) error {
		req.Header.Set("Idempotency-Key", "roster-apply-"+hex.EncodeToString(key))
		return nil
	})
	if err := client.CheckResponse(res, err); err != nil {
		return nil, err
	}
	var a bulkAnswer
	if err := json.Unmarshal(res.Body, &a); err != nil {
		return nil, fmt.Errorf("the server's bulk answer is not JSON: %w", err)
	}
	if len(a.Results) != len(ops) {
		return nil, fmt.Errorf("the server answered %d results for %d operations", len(a.Results), len(ops))
	}
	return &a, nil
}

// dryRun asks the server what the changes would do; nil (and no error)
// when there is nothing to ask or the server offers no dry run yet.
func (p *planRun) dryRun(ctx context.Context) (*bulkAnswer, error) {
	if len(p.changes) == 0 {
		return nil, nil
	}
	a, err := p.bulk(ctx, true)
	var pe *client.Error
	if errors.As(err, &pe) && pe.Status == http.StatusBadRequest {
		for _, f := range pe.Fields {
			if f.Field == "dry_run" {
				return nil, nil
			}
		}
	}
	if err != nil {
		return nil, err
	}
	if i := failed(a); i >= 0 {
		return nil, p.opError(a, i, true)
	}
	return a, nil
}

// failed returns the index of the operation that failed (the one that
// stopped an atomic bulk, not the 424s after it), or -1.
func failed(a *bulkAnswer) int {
	for i, r := range a.Results {
		if r.Status >= 400 && r.Status != http.StatusFailedDependency {
			return i
		}
	}
	return -1
}

// opFailure is an operation of the bulk that failed (or would fail).
type opFailure struct {
	index  int
	change change
	err    error // the operation's problem response
	dryRun bool
}

func (f *opFailure) Error() string {
	return fmt.Sprintf("operation %d (%s %s): %v", f.index+1, f.change.Sign, f.change.Text, f.err)
}

// opError describes operation i's failure with its problem response.
func (p *planRun) opError(a *bulkAnswer, i int, dryRun bool) error {
	r := a.Results[i]
	return &opFailure{index: i, change: p.changes[i], err: client.Check(r.Status, r.Body), dryRun: dryRun}
}

// failOp prints a failed operation: which one, then its problem response
// as every command prints one; it returns exit status 1.
func (p *planRun) failOp(err error) int {
	var f *opFailure
	if !errors.As(err, &f) {
		return p.e.fail(p.cf, err)
	}
	what := "nothing written: operation %d failed: %s %s\n"
	if f.dryRun {
		what = "nothing written: the dry run says operation %d would fail: %s %s\n"
	}
	fmt.Fprintf(p.e.stderr, "%s: "+what, p.cf.name, f.index+1, f.change.Sign, f.change.Text)
	return p.e.fail(p.cf, f.err)
}

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
