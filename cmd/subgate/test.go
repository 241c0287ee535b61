package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/subgate/subgate/pkg/policy"
	"github.com/subgate/subgate/pkg/webhook"
)

var testVerb = &verb{
	name:     "test",
	synopsis: "POLICY CASES [-v] [-json]",
	summary:  "run a policy's test cases: requests and the answers they must get",
	about: `
Test answers each request of the cases file CASES as a function deciding by POLICY answers it,
through the same code, and compares the answer with what the case wants. Each failing case is
printed with its name, its line, what differed and the rule that decided each subscriber; the last
line is "N passed, M failed".

A cases file is YAML:

  cases:
    - name: banned user is refused          # required, unique
      channel: "@TOA#_test_for_penn"        # required, or group
      operator: "107867"                    # the Operator_Account; optional
      subscribers: [jared, leckie]          # required, unless subscriber_count
      want: {error_code: 0, refused: [jared]}
    - name: banned user is not invited into the group
      group: "@TGS#2J4SZEAEL"               # a group request: an invitation of members,
      members: [jared, leckie]              # or the application of requestor: jared
      want: {refused: [jared]}
    - name: closed channel
      channel: "@TOA#_closed"
      subscribers: [anyone]
      want: {error_code: 1, rules: {anyone: closed channel}}
    - name: the ban is over on December 1
      channel: "@TOA#_news"
      subscribers: [troll]
      at: "2026-12-01T00:00:00Z"            # decide as of this time (expiring entries), not now
      want: {refused: []}

A case may also give subscriber_count: N (member_count: N), to send N subscribers (members): those
listed, then user_1, user_2, ... (for max_subscribers, max_members). A group case takes members (or
member_count) and operator for an invitation, or requestor alone for an application. Under want:
error_code (0 or 1; 0 when not given) and refused (the answer's RefusedSubscribers_Account or
RefusedMembers_Account, in any order; none when not given) are always compared; error_info (the
answer's ErrorInfo), would_refuse (who the rules refuse, shadow mode or not, as the log's
would_refuse_by lists them) and rules (subscriber: the words of the rule that decides it, as eval
prints them) when given. An unknown key, a key given twice or a value of the wrong kind is an error
naming its line.

POLICY is a policy file or a bundle. -json prints one JSON document instead: {"cases": [{"name", "line",
"passed", "differences", "answer", "subscribers" (or "members"), "mode"}], "passed", "failed", "policy"}.`,
	exit: "0 every case passes; 1 a case fails, or POLICY is invalid; 2 CASES is invalid, or bad usage.",
	examples: []string{
		"subgate test deploy/policy.example.yaml deploy/policy_test.yaml",
		"subgate test policy.bundle policy_test.yaml -v",
		"make package POLICY=policy.yaml POLICY_TEST=policy_test.yaml   (the cases must pass before anything is built)",
	},
	flags: func(fs *flag.FlagSet, o *options) {
		fs.BoolVar(&o.verbose, "v", false, "print every case, passed ones too")
		fs.BoolVar(&o.json, "json", false, "print one JSON document: each case's result and the counts")
	},
	run: runTest,
}

// caseResult is the result of one case: -json prints it, with the verdicts under subscribers, or
// under members for a group case.
type caseResult struct {
	Name        string            `json:"name"`
	Line        int               `json:"line"`
	Passed      bool              `json:"passed"`
	Differences []string          `json:"differences"`
	Answer      json.RawMessage   `json:"answer"`
	Subscribers *[]policy.Verdict `json:"subscribers,omitempty"`
	Members     *[]policy.Verdict `json:"members,omitempty"`
	Mode        string            `json:"mode,omitempty"`

	decision *policy.Decision
	request  request
}

// verdicts sets the result's verdicts, under the key the case's kind gives them.
func (r *caseResult) verdicts(v []policy.Verdict) {
	if v == nil {
		v = []policy.Verdict{}
	}
	if r.request.group != "" {
		r.Members = &v
	} else {
		r.Subscribers = &v
	}
}

// testDocument is what test -json prints.
type testDocument struct {
	Cases  []caseResult `json:"cases"`
	Passed int          `json:"passed"`
	Failed int          `json:"failed"`
	Policy string       `json:"policy"`
}

func runTest(c *cli, o *options, args []string) int {
	if len(args) != 2 {
		return c.usageError(fmt.Sprintf("give POLICY and CASES, not %d arguments", len(args)))
	}
	cases, err := readCases(args[1])
	if err != nil {
		fmt.Fprintf(c.stderr, "subgate test: %s\n", err)
		return exitUsage
	}
	p, err := loadPolicy(args[0])
	if err != nil {
		return c.fail(err)
	}
	now := c.now()
	doc := testDocument{Cases: []caseResult{}, Policy: p.Info().Revision}
	for _, tc := range cases {
		r := runCase(p, tc, now)
		if r.Passed {
			doc.Passed++
		} else {
			doc.Failed++
		}
		doc.Cases = append(doc.Cases, r)
		if !o.json {
			writeCase(c, args[1], r, o.verbose)
		}
	}
	if o.json {
		if err := writeJSON(c.stdout, doc); err != nil {
			return c.fail(err)
		}
	} else {
		fmt.Fprintf(c.stdout, "%d passed, %d failed\n", doc.Passed, doc.Failed)
	}
	if doc.Failed > 0 {
		return exitFail
	}
	return exitOK
}

// runCase answers the case's request as the function would, and compares the answer with the
// case's want.
func runCase(p *policy.Policy, tc testCase, now time.Time) caseResult {
	at := tc.at
	if at.IsZero() {
		at = now
	}
	body := tc.request.body(at)
	answer, d := explain(p, at, body)
	r := caseResult{Name: tc.name, Line: tc.line, Answer: answer, Differences: []string{}, decision: d, request: tc.request}
	r.verdicts(nil)
	var a webhook.Answer
	if err := json.Unmarshal(answer, &a); err != nil {
		r.Differences = append(r.Differences, "the answer is not JSON: "+err.Error())
		return r
	}
	if d == nil {
		r.Differences = append(r.Differences, "the policy decided nothing: "+undecided(p, body, answer))
		return r
	}
	r.verdicts(d.Subscribers)
	if d.Shadow {
		r.Mode = "shadow"
	}
	want := tc.want
	if a.ErrorCode != want.errorCode {
		diff := fmt.Sprintf("error_code: got %d, want %d", a.ErrorCode, want.errorCode)
		if a.ErrorInfo != "" {
			diff += fmt.Sprintf(" (ErrorInfo %q)", a.ErrorInfo)
		}
		r.Differences = append(r.Differences, diff)
	}
	if want.errorInfo != nil && a.ErrorInfo != *want.errorInfo {
		r.Differences = append(r.Differences, fmt.Sprintf("error_info: got %q, want %q", a.ErrorInfo, *want.errorInfo))
	}
	if refused := append(a.Refused, a.RefusedMembers...); !sameIDs(refused, want.refused) {
		r.Differences = append(r.Differences, fmt.Sprintf("refused: got %s, want %s", showIDs(refused), showIDs(want.refused)))
	}
	if want.hasWould && !sameIDs(d.Refused, want.wouldRefuse) {
		r.Differences = append(r.Differences, fmt.Sprintf("would_refuse: got %s, want %s", showIDs(d.Refused), showIDs(want.wouldRefuse)))
	}
	for _, w := range want.rules {
		i := slices.IndexFunc(d.Subscribers, func(v policy.Verdict) bool { return v.ID == w.id })
		if i < 0 { // not expected: the cases file names only the case's subscribers
			r.Differences = append(r.Differences, fmt.Sprintf("rule of %s: no verdict on it", showID(w.id)))
			continue
		}
		if got := d.Subscribers[i].Rule.String(); got != w.rule {
			r.Differences = append(r.Differences, fmt.Sprintf("rule of %s: got %s, want %s", showID(w.id), got, w.rule))
		}
	}
	r.Passed = len(r.Differences) == 0
	return r
}

// writeCase writes a failed case (and with verbose, a passed one too).
func writeCase(c *cli, casesPath string, r caseResult, verbose bool) {
	if r.Passed {
		if verbose {
			fmt.Fprintf(c.stdout, "PASS %s\n", r.Name)
		}
		return
	}
	fmt.Fprintf(c.stdout, "FAIL %s (%s:%d)\n", r.Name, casesPath, r.Line)
	for _, diff := range r.Differences {
		fmt.Fprintf(c.stdout, "  %s\n", diff)
	}
	if r.decision != nil && len(r.decision.Subscribers) > 0 {
		one, _ := r.request.noun()
		fmt.Fprintf(c.stdout, "  how each %s was decided:\n", one)
		writeVerdicts(c.stdout, r.decision, "    ")
	}
}

// sameIDs reports whether got and want hold the same IDs, in any order.
func sameIDs(got, want []string) bool {
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	return slices.Equal(slices.Compact(g), slices.Compact(w))
}

func showIDs(ids []string) string {
	shown := make([]string, len(ids))
	for i, id := range ids {
		shown[i] = showID(id)
	}
	return "[" + strings.Join(shown, ", ") + "]"
}
