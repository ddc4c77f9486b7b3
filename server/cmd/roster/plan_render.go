package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// How a plan is printed: a terraform-like diff, then the impact per user;
// colour only on a terminal and never with NO_COLOR.

const (
	colourAdd    = "\x1b[32m"
	colourChange = "\x1b[33m"
	colourRemove = "\x1b[31m"
	colourReset  = "\x1b[0m"
)

// colour reports whether stdout takes ANSI colours.
func (e *cliEnv) colour() bool {
	return e.getenv("NO_COLOR") == "" && isTerminal(e.stdout)
}

// planJSON is the plan for scripts (-o json|yaml).
type planJSON struct {
	Tenant          string       `json:"tenant"`
	Changes         []change     `json:"changes"`
	ImpactAvailable bool         `json:"impact_available"`
	Impact          []userImpact `json:"impact"`
	ImpactTruncated bool         `json:"impact_truncated,omitempty"`
}

// show prints the plan and the impact (nil: not available, or nothing to ask).
func (p *planRun) show(impact *bulkAnswer) int {
	doc := planJSON{Tenant: p.cf.tenant, Changes: p.changes, ImpactAvailable: impact != nil, Impact: []userImpact{}}
	if doc.Changes == nil {
		doc.Changes = []change{}
	}
	if impact != nil {
		doc.Impact, doc.ImpactTruncated = impact.Impact, impact.ImpactTruncated
		if doc.Impact == nil {
			doc.Impact = []userImpact{}
		}
	}
	return p.e.show(p.cf, doc, func() error {
		renderPlan(p.e.stdout, p.cf.tenant, p.file, p.changes, p.e.colour())
		if len(p.changes) > 0 {
			renderImpact(p.e.stdout, impact, p.state.emails)
		}
		return nil
	})
}

// renderPlan writes the diff and its summary line.
func renderPlan(w io.Writer, tenant, file string, changes []change, colour bool) {
	if len(changes) == 0 {
		fmt.Fprintf(w, "No changes: tenant %s matches %s.\n", tenant, file)
		return
	}
	counts := map[string]int{}
	for _, ch := range changes {
		counts[ch.Sign]++
		line := ch.Sign + " " + ch.Text
		for _, d := range ch.Detail {
			line += "\n    " + d
		}
		if colour {
			line = map[string]string{"+": colourAdd, "~": colourChange, "-": colourRemove}[ch.Sign] + line + colourReset
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintf(w, "\nPlan: %d to add, %d to change, %d to remove.\n", counts["+"], counts["~"], counts["-"])
}

// renderImpact writes, per user, the permissions gained and lost.
func renderImpact(w io.Writer, a *bulkAnswer, emails map[string]string) {
	if a == nil {
		fmt.Fprintln(w, "impact: not available from this server")
		return
	}
	if len(a.Impact) == 0 {
		fmt.Fprintln(w, "impact: no user's effective permissions change")
		return
	}
	fmt.Fprintf(w, "impact: %d users\n", len(a.Impact))
	// By email, then organization: the server orders by user id, which is random.
	users := slices.Clone(a.Impact)
	key := func(u userImpact) string {
		who := emails[u.UserID]
		if who == "" {
			who = u.UserID
		}
		return who + "\x00" + deref(u.OrganizationID)
	}
	slices.SortStableFunc(users, func(x, y userImpact) int { return strings.Compare(key(x), key(y)) })
	for _, u := range users {
		who := emails[u.UserID]
		if who == "" {
			who = u.UserID
		}
		if u.OrganizationID != nil {
			who += " in organization " + *u.OrganizationID
		}
		fmt.Fprintf(w, "  %s\n", who)
		for _, g := range u.Gained {
			fmt.Fprintf(w, "    +%s\n", g)
		}
		for _, l := range u.Lost {
			fmt.Fprintf(w, "    -%s\n", l)
		}
	}
	if a.ImpactTruncated {
		fmt.Fprintln(w, "  … more users change (the server lists at most 10,000)")
	}
}

// showResults prints what apply did: each operation's status, or the
// failing operation's error (exit 1; an atomic bulk then wrote nothing).
func (p *planRun) showResults(a *bulkAnswer) int {
	if i := failed(a); i >= 0 || !a.Committed {
		if i < 0 {
			return p.e.fail(p.cf, fmt.Errorf("the server did not commit the changes"))
		}
		return p.failOp(p.opError(a, i, false))
	}
	if p.cf.output != "table" {
		return p.e.show(p.cf, a, nil)
	}
	var b strings.Builder
	for i, r := range a.Results {
		fmt.Fprintf(&b, "%d %s %s\n", r.Status, p.changes[i].Sign, p.changes[i].Text)
	}
	fmt.Fprintf(&b, "Applied %d changes to tenant %s (revision %d).\n", len(a.Results), p.cf.tenant, a.Revision)
	_, err := io.WriteString(p.e.stdout, b.String())
	if err != nil {
		return p.e.fail(p.cf, err)
	}
	return 0
}
