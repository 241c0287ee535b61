package testkit

import (
	"encoding/json"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/policy"
	"github.com/subgate/subgate/pkg/webhook"
)

// The deployment the entrypoints' fuzz targets invoke: SDKAppID AppID, a policy that denies
// "jared" and decides the group webhooks, and, for the signed gate, Token and a clock at Now (Unix
// seconds). The seed corpora in testdata/fuzz/FuzzInvoke hold events signed for it.
const (
	AppID = "1400000001"
	Token = "fuzz-token"
	Now   = 1700000000
)

// Deployment is a gate and the verifier of the signature it checks (nil when unsigned).
type Deployment struct {
	Gate     *gate.Gate
	Verifier *webhook.Verifier
}

// Deployments returns the unsigned and the signed deployment.
func Deployments(tb testing.TB) []Deployment {
	tb.Helper()
	p, err := policy.Parse([]byte("deny: [\"jared\"]\ngroups: {}\n"), "fuzz", "")
	if err != nil {
		tb.Fatal(err)
	}
	now := func() time.Time { return time.Unix(Now, 0) }
	logger := gate.NewLogger(io.Discard, slog.LevelError)
	return []Deployment{
		{Gate: gate.New(config.Config{SdkAppID: AppID}, p, logger)},
		{Gate: gate.New(config.Config{SdkAppID: AppID, Token: Token}, p, logger).WithClock(now), Verifier: &webhook.Verifier{Token: Token, Now: now}},
	}
}

// CountFaults is the number of internal fault lines in logs, each checked to be at error level and
// to carry a stack.
func CountFaults(t testing.TB, logs string) int {
	t.Helper()
	n := 0
	for line := range strings.Lines(logs) {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if entry["msg"] != "internal fault" {
			continue
		}
		n++
		if entry["level"] != "ERROR" {
			t.Errorf("internal fault logged at %v, not ERROR", entry["level"])
		}
		if stack, _ := entry["stack"].(string); !strings.Contains(stack, "goroutine ") {
			t.Errorf("internal fault logged without its stack: %q", line)
		}
	}
	return n
}

// DocumentedStatus lists the statuses docs/answers.md's table of answers names.
var DocumentedStatus = []int{200, 400, 401, 403, 405, 413, 500}

// Answer is a webhook answer whose three fields are all present.
type Answer struct {
	ActionStatus   string
	ErrorCode      int
	ErrorInfo      string
	Refused        []string
	RefusedMembers []string
}

// undecidedPrefix starts the ErrorInfo of the fail mode's answer, which a working deployment never
// gives: it would hide an internal fault behind a 200.
const undecidedPrefix = "subgate cannot decide: "

// DecodeAnswer decodes a working deployment's answer, failing the test if it is not one: not a
// webhook answer, or the fail mode's answer (an internal fault).
func DecodeAnswer(t testing.TB, data []byte) Answer {
	t.Helper()
	var a struct {
		ActionStatus *string  `json:"ActionStatus"`
		ErrorCode    *int     `json:"ErrorCode"`
		ErrorInfo    *string  `json:"ErrorInfo"`
		Refused      []string `json:"RefusedSubscribers_Account"`
		Members      []string `json:"RefusedMembers_Account"`
	}
	if err := json.Unmarshal(data, &a); err != nil || a.ActionStatus == nil || a.ErrorCode == nil || a.ErrorInfo == nil {
		t.Fatalf("not a webhook answer: %s", data)
	}
	if *a.ActionStatus != webhook.StatusOK && *a.ActionStatus != webhook.StatusFail {
		t.Fatalf("ActionStatus %q is neither OK nor FAIL", *a.ActionStatus)
	}
	if strings.HasPrefix(*a.ErrorInfo, undecidedPrefix) {
		t.Fatalf("a working deployment could not decide: %s", data)
	}
	return Answer{ActionStatus: *a.ActionStatus, ErrorCode: *a.ErrorCode, ErrorInfo: *a.ErrorInfo, Refused: a.Refused, RefusedMembers: a.Members}
}

// CheckHTTPAnswer checks the answer to an HTTP event that translated to req: a documented status, a webhook
// answer, OK only with status 200 and only for a request with appID and (when verifier is set) a
// valid signature, within the envelope limits.
func CheckHTTPAnswer(t testing.TB, appID string, verifier *webhook.Verifier, req gate.Request, status int, body []byte) {
	t.Helper()
	if !slices.Contains(DocumentedStatus, status) {
		t.Fatalf("status %d is not documented", status)
	}
	if status == 500 {
		t.Fatalf("internal fault: %s", body)
	}
	a := DecodeAnswer(t, body)
	if (a.ActionStatus == webhook.StatusOK) != (status == 200) {
		t.Fatalf("status %d with ActionStatus %s", status, a.ActionStatus)
	}
	if a.ActionStatus != webhook.StatusOK {
		return
	}
	if got, ok := webhook.Single(req.Query, webhook.ParamSdkAppid); !ok || got != appID {
		t.Fatalf("OK for a request without this SdkAppid: %v", req.Query)
	}
	if verifier != nil {
		if err := verifier.Verify(req.Query); err != nil {
			t.Fatalf("OK for a request whose signature fails (%v)", err)
		}
	}
	if err := gate.CheckEnvelope(req); err != nil {
		t.Fatalf("OK for a request over the limits (%v)", err)
	}
	command, _ := webhook.Single(req.Query, webhook.ParamCallbackCommand)
	CheckDecision(t, command, a, req.Body)
}

// CheckBareAnswer checks the answer to a payload that is not an HTTP event: a webhook body is answered as the
// gate decides it, anything else FAIL.
func CheckBareAnswer(t testing.TB, isWebhookBody bool, payload, out []byte) {
	t.Helper()
	a := DecodeAnswer(t, out)
	if !isWebhookBody {
		if a.ActionStatus != webhook.StatusFail {
			t.Fatalf("a payload that is not a webhook body was answered %s", out)
		}
		return
	}
	command, _ := webhook.Command(payload)
	CheckDecision(t, command, a, payload)
}

// CheckDecision checks an answer to a body of command, as Deployments decide it: a refused list
// only for the command it belongs to; when the answer is OK, a decided body parses, the refused IDs
// were in it and are listed once each, and a denied ("jared") or empty subscriber or member is
// refused (an applicant, rejected) when the request goes on.
func CheckDecision(t testing.TB, command string, a Answer, body []byte) {
	t.Helper()
	if len(a.Refused) > 0 && command != webhook.CommandBeforeAddSubscriber || len(a.RefusedMembers) > 0 && command != webhook.CommandBeforeInviteJoinGroup {
		t.Fatalf("a refused list for another command (%q): %+v", command, a)
	}
	if a.ActionStatus != webhook.StatusOK {
		return
	}
	denied := func(id string) bool { return id == "jared" || id == "" }
	var refused, users []string
	switch command {
	case webhook.CommandBeforeAddSubscriber:
		req, err := webhook.ParseAddSubscriber(body)
		if err != nil {
			t.Fatalf("OK for a body that does not parse (%v)", err)
		}
		refused, users = a.Refused, req.Subscribers
	case webhook.CommandBeforeInviteJoinGroup:
		req, err := webhook.ParseInviteJoinGroup(body)
		if err != nil {
			t.Fatalf("OK for a body that does not parse (%v)", err)
		}
		refused, users = a.RefusedMembers, req.Members
	case webhook.CommandBeforeApplyJoinGroup:
		req, err := webhook.ParseApplyJoinGroup(body)
		if err != nil {
			t.Fatalf("OK for a body that does not parse (%v)", err)
		}
		if denied(req.Requestor) && a.ErrorCode == 0 {
			t.Fatalf("let denied applicant %q in", req.Requestor)
		}
		return
	default:
		return
	}
	for i, id := range refused {
		if !slices.Contains(users, id) {
			t.Fatalf("refused %q, which the request did not hold", id)
		}
		if slices.Contains(refused[i+1:], id) {
			t.Fatalf("refused %q twice", id)
		}
	}
	if a.ErrorCode != 0 {
		return
	}
	for _, id := range users {
		if denied(id) && !slices.Contains(refused, id) {
			t.Fatalf("let denied user %q through", id)
		}
	}
}
