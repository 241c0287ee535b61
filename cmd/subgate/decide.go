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

// request is a request as eval's arguments, a webhook body or a test case give it: a subscription
// of users to channel, or, when group is set, an invitation of users into group, or (application)
// the application of users[0] to join it. operator is the Operator_Account of a subscription or an
// invitation.
type request struct {
	channel, group, operator string
	users                    []string
	application              bool
}

// body is the webhook body Chat sends for the request at the time at.
func (r request) body(at time.Time) []byte {
	var in any
	switch {
	case r.group == "":
		type subscriber struct {
			Account string `json:"Subscriber_Account"`
		}
		sub := struct {
			CallbackCommand string       `json:"CallbackCommand"`
			Channel         string       `json:"Official_Account"`
			Operator        string       `json:"Operator_Account"`
			Subscribers     []subscriber `json:"SubscribeAccountList"`
			EventTime       int64        `json:"EventTime"`
		}{CallbackCommand: webhook.CommandBeforeAddSubscriber, Channel: r.channel, Operator: r.operator,
			Subscribers: make([]subscriber, len(r.users)), EventTime: at.UnixMilli()}
		for i, id := range r.users {
			sub.Subscribers[i].Account = id
		}
		in = sub
	case r.application:
		in = struct {
			CallbackCommand string `json:"CallbackCommand"`
			Group           string `json:"GroupId"`
			Requestor       string `json:"Requestor_Account"`
			EventTime       string `json:"EventTime"` // quoted, as Tencent's samples of the group webhooks quote it
		}{webhook.CommandBeforeApplyJoinGroup, r.group, r.users[0], strconv.FormatInt(at.UnixMilli(), 10)}
	default:
		type member struct {
			Account string `json:"Member_Account"`
		}
		inv := struct {
			CallbackCommand string   `json:"CallbackCommand"`
			Group           string   `json:"GroupId"`
			Operator        string   `json:"Operator_Account"`
			Members         []member `json:"DestinationMembers"`
			EventTime       string   `json:"EventTime"`
		}{CallbackCommand: webhook.CommandBeforeInviteJoinGroup, Group: r.group, Operator: r.operator,
			Members: make([]member, len(r.users)), EventTime: strconv.FormatInt(at.UnixMilli(), 10)}
		for i, id := range r.users {
			inv.Members[i].Account = id
		}
		in = inv
	}
	data, err := json.Marshal(in)
	if err != nil {
		panic(err) // strings and numbers only: never
	}
	return data
}

// requestOf reads the request a webhook body holds, as far as eval's words need it: what it asks of
// which channel or group. ok is false for a body that is no request subgate decides.
func requestOf(body []byte) (r request, ok bool) {
	command, err := webhook.Command(body)
	if err != nil {
		return r, false
	}
	switch command {
	case webhook.CommandBeforeAddSubscriber:
		if req, err := webhook.ParseAddSubscriber(body); err == nil {
			return request{channel: req.Channel, operator: req.Operator, users: req.Subscribers}, true
		}
	case webhook.CommandBeforeInviteJoinGroup:
		if req, err := webhook.ParseInviteJoinGroup(body); err == nil {
			return request{group: req.Group, operator: req.Operator, users: req.Members}, true
		}
	case webhook.CommandBeforeApplyJoinGroup:
		if req, err := webhook.ParseApplyJoinGroup(body); err == nil {
			return request{group: req.Group, users: []string{req.Requestor}, application: true}, true
		}
	}
	return r, false
}

// isGroup reports whether body is a group webhook's, by its CallbackCommand.
func isGroup(body []byte) bool {
	command, _ := webhook.Command(body)
	return webhook.IsGroupCommand(command)
}

// noun is what the request's users are, one and many: subscribers, members, or the applicant.
func (r request) noun() (one, many string) {
	switch {
	case r.group == "":
		return "subscriber", "subscribers"
	case r.application:
		return "applicant", "applicants"
	}
	return "member", "members"
}

// target is what the request is for, in words: @TOA#_news, group @TGS#_staff.
func (r request) target() string {
	if r.group != "" {
		return "group " + r.group
	}
	return r.channel
}

// explain answers a webhook body as a function deciding by p answers it at the time at, through the
// gate's own code (gate.Explain, which is ServeDirect without the log line), and gives the
// decision behind the answer: nil when the policy decided nothing.
func explain(p *policy.Policy, at time.Time, body []byte) ([]byte, *policy.Decision) {
	quiet := gate.NewLogger(io.Discard, slog.LevelError)
	g := gate.New(config.Config{}, p, quiet).WithClock(func() time.Time { return at })
	return g.Explain(body)
}

// undecided says why the policy p decided nothing about a body, given the answer the gate gave.
func undecided(p *policy.Policy, body, answer []byte) string {
	var a webhook.Answer
	if json.Unmarshal(answer, &a) == nil && a.ActionStatus == webhook.StatusFail {
		return "the function answers FAIL: " + a.ErrorInfo
	}
	command, err := webhook.Command(body)
	switch {
	case err != nil:
	case webhook.IsGroupCommand(command) && !p.DecidesGroups():
		return fmt.Sprintf("the body's CallbackCommand is %s, and the policy has no groups key: the function lets it through without deciding (or relays it to SUBGATE_FORWARD_URL)",
			command)
	case command != webhook.CommandBeforeAddSubscriber && !webhook.IsGroupCommand(command):
		return fmt.Sprintf("the body's CallbackCommand is %q, which subgate does not decide: the function lets it through without deciding (or relays it to SUBGATE_FORWARD_URL)",
			command)
	}
	return "the function answers without deciding"
}

// verdictWord is what happened to a subscriber (member), in shadow mode what would have.
func verdictWord(d *policy.Decision, v policy.Verdict) string {
	switch {
	case v.Refused && d.Shadow:
		return "would be refused"
	case v.Refused:
		return "refused"
	}
	return "allowed"
}

// writeVerdicts writes one line per subscriber (member), each line starting with indent: the ID, what
// happened to it, and the rule that decided, in columns.
func writeVerdicts(w io.Writer, d *policy.Decision, indent string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, v := range d.Subscribers {
		fmt.Fprintf(tw, "%s%s\t%s\t%s\n", indent, showID(v.ID), verdictWord(d, v), v.Rule)
	}
	_ = tw.Flush()
}

// decisionMode is the mode of the channel or group a decision was made on: policy.ModeShadow or
// policy.ModeEnforce.
func decisionMode(d *policy.Decision) string {
	if d.Shadow {
		return policy.ModeShadow
	}
	return policy.ModeEnforce
}

// summary is the closing line of a decision on the request r: who was refused, or why the request
// was rejected, the policy's revision and the mode of the channel or group.
func summary(d *policy.Decision, r request, revision string) string {
	refused := 0
	for _, v := range d.Subscribers {
		if v.Refused {
			refused++
		}
	}
	one, many := r.noun()
	on := r.target()
	of := fmt.Sprintf("%d of %d %s", refused, len(d.Subscribers), plural(len(d.Subscribers), one, many))
	var s string
	switch {
	case d.Trusted:
		s = fmt.Sprintf("%d %s allowed on %s: the operator is trusted", len(d.Subscribers), plural(len(d.Subscribers), one, many), on)
	case d.Rejected && d.Shadow:
		s = fmt.Sprintf("shadow mode: everyone is let through, but the request would be rejected on %s (%s): %q", on, d.Rule, d.Reason)
	case d.Rejected:
		s = fmt.Sprintf("request rejected on %s (%s): %q", on, d.Rule, d.Reason)
	case d.Shadow:
		s = fmt.Sprintf("shadow mode: everyone is let through, but %s would be refused on %s", of, on)
	case r.application && refused > 0:
		s = fmt.Sprintf("%s refused on %s: the application is rejected", of, on)
	default:
		s = fmt.Sprintf("%s refused on %s", of, on)
	}
	return s + " (policy " + revision + ", mode " + decisionMode(d) + ")"
}

// showID shows a user ID as it is, or quoted when it is empty or holds a blank or a character
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
