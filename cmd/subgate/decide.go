package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/policy"
	"github.com/subgate/subgate/pkg/webhook"
)

// request is a CallbackBeforeAddSubscriber request as eval's arguments or a test case give it.
type request struct {
	channel, operator string
	subscribers       []string
}

// body is the webhook body Chat sends for the request at the time at.
func (r request) body(at time.Time) []byte {
	type subscriber struct {
		Account string `json:"Subscriber_Account"`
	}
	in := struct {
		CallbackCommand string       `json:"CallbackCommand"`
		Channel         string       `json:"Official_Account"`
		Operator        string       `json:"Operator_Account"`
		Subscribers     []subscriber `json:"SubscribeAccountList"`
		EventTime       int64        `json:"EventTime"`
	}{CallbackCommand: webhook.CommandBeforeAddSubscriber, Channel: r.channel, Operator: r.operator,
		Subscribers: make([]subscriber, len(r.subscribers)), EventTime: at.UnixMilli()}
	for i, id := range r.subscribers {
		in.Subscribers[i].Account = id
	}
	data, err := json.Marshal(in)
	if err != nil {
		panic(err) // strings and numbers only: never
	}
	return data
}

// explain answers a webhook body as a function deciding by p answers it at the time at, through the
// gate's own code (gate.Explain, which is ServeDirect without the log line), and gives the
// decision behind the answer: nil when the policy decided nothing.
func explain(p *policy.Policy, at time.Time, body []byte) ([]byte, *policy.Decision) {
	quiet := gate.NewLogger(io.Discard, slog.LevelError)
	g := gate.New(config.Config{}, p, quiet).WithClock(func() time.Time { return at })
	return g.Explain(body)
}

// undecided says why the policy decided nothing about a body, given the answer the gate gave.
func undecided(body, answer []byte) string {
	var a webhook.Answer
	if json.Unmarshal(answer, &a) == nil && a.ActionStatus == webhook.StatusFail {
		return "the function answers FAIL: " + a.ErrorInfo
	}
	if command, err := webhook.Command(body); err == nil && command != webhook.CommandBeforeAddSubscriber {
		return fmt.Sprintf("the body's CallbackCommand is %q, not %s: the function lets it through without deciding (or relays it to SUBGATE_FORWARD_URL)",
			command, webhook.CommandBeforeAddSubscriber)
	}
	return "the function answers without deciding"
}

// verdictWord is what happened to a subscriber, in shadow mode what would have.
func verdictWord(d *policy.Decision, v policy.Verdict) string {
	switch {
	case v.Refused && d.Shadow:
		return "would be refused"
	case v.Refused:
		return "refused"
	}
	return "allowed"
}

// writeVerdicts writes one line per subscriber, each line starting with indent: the ID, what
// happened to it, and the rule that decided, in columns.
func writeVerdicts(w io.Writer, d *policy.Decision, indent string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, v := range d.Subscribers {
		fmt.Fprintf(tw, "%s%s\t%s\t%s\n", indent, showID(v.ID), verdictWord(d, v), v.Rule)
	}
	_ = tw.Flush()
}

// decisionMode is the mode of the channel a decision was made on: policy.ModeShadow or
// policy.ModeEnforce.
func decisionMode(d *policy.Decision) string {
	if d.Shadow {
		return policy.ModeShadow
	}
	return policy.ModeEnforce
}

// summary is the closing line of a decision on channel: who was refused, or why the request was
// rejected, the policy's revision and the channel's mode.
func summary(d *policy.Decision, channel string, revision string) string {
	refused := 0
	for _, v := range d.Subscribers {
		if v.Refused {
			refused++
		}
	}
	of := fmt.Sprintf("%d of %d %s", refused, len(d.Subscribers), plural(len(d.Subscribers), "subscriber", "subscribers"))
	var s string
	switch {
	case d.Trusted:
		s = fmt.Sprintf("%d %s allowed on %s: the operator is trusted", len(d.Subscribers), plural(len(d.Subscribers), "subscriber", "subscribers"), channel)
	case d.Rejected && d.Shadow:
		s = fmt.Sprintf("shadow mode: everyone is let through, but the request would be rejected on %s (%s): %q", channel, d.Rule, d.Reason)
	case d.Rejected:
		s = fmt.Sprintf("request rejected on %s (%s): %q", channel, d.Rule, d.Reason)
	case d.Shadow:
		s = fmt.Sprintf("shadow mode: everyone is let through, but %s would be refused on %s", of, channel)
	default:
		s = fmt.Sprintf("%s refused on %s", of, channel)
	}
	return s + " (policy " + revision + ", mode " + decisionMode(d) + ")"
}

// showID shows a subscriber ID as it is, or quoted when it is empty or holds a blank or a character
// that does not print.
func showID(id string) string {
	if id == "" || strings.IndexFunc(id, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0 {
		return strconv.Quote(id)
	}
	return id
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
