package gate

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/policy"
	"github.com/subgate/subgate/pkg/webhook"
)

// outcome is a decided request: the answer, its status, and what the log line says.
type outcome struct {
	status    int
	answer    webhook.Answer
	reason    string // why a request failed, was rejected or could not be decided, for the log
	warn      bool   // log at warn although the answer is OK (a relay that failed)
	undecided bool   // the fail mode answered: subgate could not decide (see undecided)

	relayed    *Response // the backend's answer to a relayed webhook, sent as it came
	backendDur time.Duration

	command  string
	sdkAppID string
	channel  string
	operator string
	users    int // the subscribers (or, for a group request, the members) the request carried

	// group is set for a group request subgate decides (or cannot): its line names the group and
	// its members instead of a channel and its subscribers.
	group     bool
	groupID   string
	groupType string
	requestor string // an application's Requestor_Account

	revision string           // of the policy that decided
	decision *policy.Decision // the policy's decision, when it made one
}

func fault(status int, info string) outcome {
	return outcome{status: status, answer: webhook.Failure(info), reason: info}
}

func (g *Gate) brokenOutcome() outcome {
	return fault(http.StatusInternalServerError, "subgate is not configured correctly: "+g.broken.Error())
}

// decides reports whether subgate may decide command itself (rather than letting it go on, or
// relaying it): the commands a failure of subgate's own is answered by the fail mode for. The group
// commands are decided only by a policy that says so (policy.DecidesGroups), but when subgate cannot
// tell (a configuration error, no policy yet, an internal fault) they are answered as decided ones:
// the policy might have said so.
func decides(command string) bool {
	return command == webhook.CommandBeforeAddSubscriber || webhook.IsGroupCommand(command)
}

// undecided is the outcome of a request subgate decides but cannot, for a reason of its own
// (cause: a configuration error, no policy yet, an internal fault): 200 and OK, with ErrorCode 1 in
// fail mode closed (the request is rejected) or 0 in fail mode open (it goes on, nobody refused),
// and an ErrorInfo that says subgate cannot decide and why. cause must hold no secret.
func (g *Gate) undecided(o outcome, cause string) outcome {
	info := "subgate cannot decide: " + cause
	o.status, o.undecided, o.reason, o.warn = http.StatusOK, true, cause, false
	o.relayed, o.decision = nil, nil
	o.group = webhook.IsGroupCommand(o.command)
	if g.failOpen {
		o.answer = webhook.Answer{ActionStatus: webhook.StatusOK, ErrorCode: webhook.CodeProceed, ErrorInfo: info}
	} else {
		o.answer = webhook.Reject(info)
	}
	return o
}

// failMode names the gate's fail mode, for the log.
func (g *Gate) failMode() string {
	if g.failOpen {
		return config.FailOpen
	}
	return config.FailClosed
}

// check runs the checks in their documented order; the first failure answers.
func (g *Gate) check(ctx context.Context, r Request) outcome {
	if g.broken != nil {
		// No check can be trusted: a request subgate decides gets the fail mode's answer.
		if command, ok := webhook.Single(r.Query, webhook.ParamCallbackCommand); ok && decides(command) {
			o := outcome{command: command}
			o.sdkAppID, _ = webhook.Single(r.Query, webhook.ParamSdkAppid)
			return g.undecided(o, g.broken.Error())
		}
		return g.brokenOutcome()
	}
	if r.Method != http.MethodPost {
		return fault(http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed: Chat sends webhooks with POST", quoteShort(r.Method)))
	}
	appID, ok := webhook.Single(r.Query, webhook.ParamSdkAppid)
	switch {
	case !ok:
		return fault(http.StatusForbidden, "SdkAppid is given more than once with different values")
	case appID == "":
		return fault(http.StatusForbidden, "SdkAppid is missing from the query string")
	case appID != g.sdkAppID:
		o := fault(http.StatusForbidden, fmt.Sprintf("SdkAppid %s does not match this deployment", quoteShort(appID)))
		o.sdkAppID = appID
		return o
	}
	command, commandOK := webhook.Single(r.Query, webhook.ParamCallbackCommand)
	o := g.checkSigned(r)
	o.sdkAppID, o.command = appID, command
	if o.status != 0 {
		return o
	}
	if len(r.Body) > MaxBodyBytes {
		return o.fail(http.StatusRequestEntityTooLarge, "body is over 1 MiB")
	}
	switch {
	case !commandOK:
		return o.fail(http.StatusBadRequest, "CallbackCommand is given more than once with different values")
	case command == "":
		return o.fail(http.StatusBadRequest, "CallbackCommand is missing from the query string")
	case command == webhook.CommandBeforeAddSubscriber:
		d := g.decideBody(ctx, r.Body, command)
		d.sdkAppID = appID
		return d
	case webhook.IsGroupCommand(command):
		return g.decideGroup(ctx, r.Body, o, func() outcome { return g.other(ctx, r, o) })
	}
	// The app's other webhooks arrive at the same URL: relay them, or let them go on.
	return g.other(ctx, r, o)
}

// other answers a command subgate does not decide. With a forward URL it is relayed to the app's
// backend; when the backend fails, the answer is what Chat does without one: OK, 0.
func (g *Gate) other(ctx context.Context, r Request, o outcome) outcome {
	o.status, o.answer = http.StatusOK, webhook.Proceed(nil)
	if g.forward == nil {
		return o
	}
	start := time.Now()
	resp, err := g.forward.relay(ctx, r)
	o.backendDur = time.Since(start)
	if err != nil {
		o.warn, o.reason = true, "relay failed, answered OK instead: "+err.Error()
		return o
	}
	o.status, o.relayed = resp.StatusCode, &resp
	return o
}

func (g *Gate) checkSigned(r Request) outcome {
	if g.verifier == nil {
		return outcome{}
	}
	if err := g.verifier.Verify(r.Query); err != nil {
		return fault(http.StatusUnauthorized, err.Error())
	}
	return outcome{}
}

// decideBody parses a CallbackBeforeAddSubscriber body and applies the policy. command is the
// CallbackCommand the request came with.
func (g *Gate) decideBody(ctx context.Context, body []byte, command string) outcome {
	o := outcome{command: command}
	req, err := webhook.ParseAddSubscriber(body)
	if err != nil {
		return o.fail(http.StatusBadRequest, err.Error())
	}
	o.channel, o.operator, o.users = req.Channel, req.Operator, len(req.Subscribers)
	if bad, ok := o.sameCommand(req.CallbackCommand); !ok {
		return bad
	}
	// The policy is asked for once, and decides the whole request even if a newer one is swapped
	// in meanwhile. Only a live source's first load waits (bounded by ctx and its fetch timeout).
	active, err := g.source.Current(ctx)
	if err != nil {
		return g.undecided(o, err.Error())
	}
	o.revision = active.Revision
	return o.decided(active.Policy.DecideAt(g.now(), req.Channel, req.Operator, req.Subscribers), webhook.Proceed)
}

// sameCommand checks a body's CallbackCommand, when it has one, against the query's (o.command):
// ok is false, and bad the answer, when they differ.
func (o outcome) sameCommand(bodyCommand string) (bad outcome, ok bool) {
	if bodyCommand == "" || bodyCommand == o.command {
		return o, true
	}
	return o.fail(http.StatusBadRequest, fmt.Sprintf("the body's CallbackCommand %s differs from the query's", quoteShort(bodyCommand))), false
}

// decided answers by the policy's decision d: in shadow mode everyone goes through (the decision is
// only logged); a rejection is ErrorCode 1 with its reason; else the request goes on without the
// users d refuses, listed by proceed (RefusedSubscribers_Account or RefusedMembers_Account).
func (o outcome) decided(d policy.Decision, proceed func(refused []string) webhook.Answer) outcome {
	o.status, o.decision = http.StatusOK, &d
	switch {
	case d.Shadow:
		o.answer = proceed(nil)
	case d.Rejected:
		o.answer, o.reason = webhook.Reject(d.Reason), d.Reason
	default:
		o.answer = proceed(d.Refused)
	}
	return o
}

// applicationRefused is the ErrorInfo of an application to join a group whose applicant the policy
// refuses: Chat passes it to the applicant, so it names no rule and no list.
const applicationRefused = "the request to join this group is refused"

// decideGroup decides a group request (o.command, a group command) with body when the policy
// decides groups, and answers it by otherwise (as another command) when it does not. The policy is
// asked for first, since whether subgate decides the request at all is the policy's to say; then
// the body is read, and the policy applied.
func (g *Gate) decideGroup(ctx context.Context, body []byte, o outcome, otherwise func() outcome) outcome {
	active, err := g.source.Current(ctx)
	if err != nil {
		return g.undecided(o, err.Error())
	}
	if !active.Policy.DecidesGroups() {
		return otherwise()
	}
	// The line names the policy that took the request, even when its body cannot be read.
	o.group, o.revision = true, active.Revision
	var d policy.Decision
	var bodyCommand string
	if o.command == webhook.CommandBeforeApplyJoinGroup {
		req, err := webhook.ParseApplyJoinGroup(body)
		if err != nil {
			return o.fail(http.StatusBadRequest, err.Error())
		}
		o.groupID, o.groupType, o.requestor, o.users, bodyCommand = req.Group, req.Type, req.Requestor, 1, req.CallbackCommand
		d = active.Policy.DecideApplicationAt(g.now(), req.Group, req.Requestor)
	} else {
		req, err := webhook.ParseInviteJoinGroup(body)
		if err != nil {
			return o.fail(http.StatusBadRequest, err.Error())
		}
		o.groupID, o.groupType, o.operator, o.users, bodyCommand = req.Group, req.Type, req.Operator, len(req.Members), req.CallbackCommand
		d = active.Policy.DecideGroupAt(g.now(), req.Group, req.Operator, req.Members)
	}
	if bad, ok := o.sameCommand(bodyCommand); !ok {
		return bad
	}
	o = o.decided(d, webhook.ProceedMembers)
	if o.command == webhook.CommandBeforeApplyJoinGroup && o.answer.ErrorCode == webhook.CodeProceed && len(o.answer.RefusedMembers) > 0 {
		// An application has no list of refused users: the applicant refused rejects it.
		o.answer, o.reason = webhook.Reject(applicationRefused), applicationRefused
	}
	return o
}

func (o outcome) fail(status int, info string) outcome {
	o.status, o.answer, o.reason = status, webhook.Failure(info), info
	return o
}

// quoteShort shows a client-supplied value in a message: bare when it is a plain word, quoted
// otherwise, and cut to a readable length.
func quoteShort(s string) string {
	const max = 64
	cut := ""
	if len(s) > max {
		s, cut = s[:max], "..."
	}
	plain := s != ""
	for _, c := range []byte(s) {
		plain = plain && (c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '.' || c == '_' || c == '-')
	}
	if plain {
		return s + cut
	}
	return strconv.Quote(s) + cut
}
