package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/subgate/subgate/pkg/policy"
)

var evalVerb = &verb{
	name: "eval",
	synopsis: "POLICY CHANNEL SUBSCRIBER... [-operator ID] [-at TIME] [-json]\n" +
		"       subgate eval POLICY GROUP MEMBER... -group [-operator ID] [-at TIME] [-json]\n" +
		"       subgate eval POLICY -body FILE [-at TIME] [-json]",
	summary: "answer a request as the function would, and say which rule decided each subscriber",
	about: `
Eval answers a request to add SUBSCRIBERs to the Official Channel CHANNEL (an ID starting @TOA#_,
asked by the operator -operator) as a function deciding by POLICY answers it, through the same code.
It prints the function's webhook answer, the same JSON byte for byte; then, for each subscriber, whether
it is refused or allowed and the rule that decided, in the words of the log (docs/policy.md); then a
summary, with the policy's revision and the channel's mode (enforce or shadow). In shadow mode the
answer lets everyone through, and eval says who would have been refused.

With -group, the request is an invitation of MEMBERs into the group GROUP (a group ID, such as
@TGS#2J4SZEAEL), by -operator: the webhook Group.CallbackBeforeInviteJoinGroup, which the function
decides when the policy has a groups key.

POLICY is a policy file (with its list files and prepared index beside it) or a bundle. With -body,
the request is a webhook body read from FILE instead, such as one a console test sends
(deploy/sample-request.json; deploy/sample-group-invite.json and deploy/sample-group-apply.json for
the group webhooks). Expiring entries are decided as of -at, else now.

-json prints one JSON document instead: {"answer": {...}, "subscribers": [{"id", "refused", "rule"}],
"mode": "enforce" or "shadow" (the channel's or group's), "policy": revision}, with "members" for
"subscribers" for a group request. A subscriber's "refused" is the policy's decision; in shadow mode
the answer lets it through all the same.`,
	exit: "0 the policy decided the request; 1 it did not (POLICY or FILE cannot be read or is invalid, or\n" +
		"the body is not a request the policy decides: the function's answer is printed all the same); 2 bad usage.",
	examples: []string{
		"subgate eval deploy/policy.example.yaml @TOA#_test_for_penn jared leckie",
		"subgate eval deploy/policy.example.yaml @TOA#_premium vip_anna bob -operator 107867",
		"subgate eval deploy/policy.example.yaml @TGS#_staff staff_1 jared bob -group -operator leckie",
		"subgate eval deploy/policy.example.yaml -body deploy/sample-request.json -json",
		"subgate eval deploy/policy.example.yaml -body deploy/sample-group-apply.json",
		"subgate eval policy.bundle @TOA#_news spammer42 -at 2026-12-01T00:00:00Z",
		"subgate eval policy.yaml @TOA#_news -- -odd-id     (after --, every argument is a subscriber)",
	},
	flags: func(fs *flag.FlagSet, o *options) {
		fs.StringVar(&o.operator, "operator", "", "the request's Operator_Account, `ID` (trusted_operators applies to it)")
		fs.BoolVar(&o.group, "group", false, "the request is an invitation into a group: GROUP and MEMBERs, not CHANNEL and SUBSCRIBERs")
		fs.StringVar(&o.body, "body", "", "read the request from this webhook body `FILE` instead of CHANNEL and SUBSCRIBERs")
		fs.Var(&o.at, "at", "decide as of this RFC 3339 `TIME` (expiring entries), not now")
		fs.BoolVar(&o.json, "json", false, "print one JSON document: the answer and each subscriber's decision")
	},
	run: runEval,
}

// evalDocument is what eval -json prints: the verdicts under subscribers, or under members for a
// group request.
type evalDocument struct {
	Answer      json.RawMessage   `json:"answer"`
	Subscribers *[]policy.Verdict `json:"subscribers,omitempty"`
	Members     *[]policy.Verdict `json:"members,omitempty"`
	Mode        string            `json:"mode,omitempty"` // "" only when the policy decided nothing
	Policy      string            `json:"policy"`
}

// verdicts sets the document's verdicts, under the key the request's kind gives them.
func (doc *evalDocument) verdicts(group bool, v []policy.Verdict) {
	if v == nil {
		v = []policy.Verdict{}
	}
	if group {
		doc.Members = &v
	} else {
		doc.Subscribers = &v
	}
}

func runEval(c *cli, o *options, args []string) int {
	if len(args) == 0 {
		return c.usageError("give a POLICY, then a CHANNEL and SUBSCRIBERs (or -body FILE)")
	}
	at := o.at.or(c.now())
	var body []byte
	var req request
	if o.body != "" {
		if len(args) != 1 {
			return c.usageError("with -body, give only POLICY: the body names the channel and the subscribers")
		}
		if o.operator != "" || o.group {
			return c.usageError("with -body, the body names the request: -operator and -group are not taken")
		}
		var err error
		if body, err = os.ReadFile(o.body); err != nil {
			return c.fail(fmt.Errorf("-body: %w", err))
		}
		req, _ = requestOf(body)
	} else {
		if o.group {
			if len(args) < 3 {
				return c.usageError("give POLICY GROUP MEMBER... (at least one member)")
			}
			if strings.HasPrefix(args[1], policy.ChannelPrefix) {
				return c.usageError(fmt.Sprintf("GROUP is a group ID; %q is an Official Channel ID (leave out -group)", args[1]))
			}
			req = request{group: args[1], operator: o.operator, users: args[2:]}
		} else {
			if len(args) < 3 {
				return c.usageError("give POLICY CHANNEL SUBSCRIBER... (at least one subscriber)")
			}
			if !strings.HasPrefix(args[1], policy.ChannelPrefix) {
				return c.usageError(fmt.Sprintf("CHANNEL is an Official Channel ID, starting %s, not %q (for a group, add -group)", policy.ChannelPrefix, args[1]))
			}
			req = request{channel: args[1], operator: o.operator, users: args[2:]}
		}
		body = req.body(at)
	}
	p, err := loadPolicy(args[0])
	if err != nil {
		return c.fail(err)
	}

	answer, d := explain(p, at, body)
	if o.json {
		doc := evalDocument{Answer: answer, Policy: p.Info().Revision}
		var verdicts []policy.Verdict
		if d != nil {
			verdicts = d.Subscribers
			doc.Mode = decisionMode(d)
		}
		doc.verdicts(isGroup(body), verdicts)
		if err := writeJSON(c.stdout, doc); err != nil {
			return c.fail(err)
		}
	} else {
		fmt.Fprintf(c.stdout, "%s\n", answer)
		if d != nil {
			writeVerdicts(c.stdout, d, "  ")
			fmt.Fprintln(c.stdout, summary(d, req, p.Info().Revision))
		}
	}
	if d == nil {
		return c.fail(fmt.Errorf("the policy decided nothing: %s", undecided(p, body, answer)))
	}
	return exitOK
}
