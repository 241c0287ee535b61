package lambdaevent

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/policy"
	"github.com/subgate/subgate/pkg/webhook"
)

// The deployment the fuzz targets invoke: SDKAppID 1400000001, a policy that denies "jared", and,
// for the signed gate, a token and a clock at fuzzNow. The seed corpus in testdata/fuzz/FuzzInvoke
// holds events signed for it.
const (
	fuzzAppID = "1400000001"
	fuzzToken = "fuzz-token"
	fuzzNow   = 1700000000
)

// documentedStatus lists the statuses the README's table of answers names.
var documentedStatus = []int{200, 400, 401, 403, 405, 413, 500}

// fuzzDeployment is a gate and the verifier of the signature it checks (nil when unsigned).
type fuzzDeployment struct {
	gate     *gate.Gate
	verifier *webhook.Verifier
}

func fuzzDeployments(f *testing.F) []fuzzDeployment {
	p, err := policy.Parse([]byte(`deny: ["jared"]`), "fuzz", "")
	if err != nil {
		f.Fatal(err)
	}
	now := func() time.Time { return time.Unix(fuzzNow, 0) }
	logger := gate.NewLogger(io.Discard, slog.LevelError)
	unsigned := gate.New(config.Config{SdkAppID: fuzzAppID}, p, logger)
	signed := gate.New(config.Config{SdkAppID: fuzzAppID, Token: fuzzToken}, p, logger).WithClock(now)
	return []fuzzDeployment{
		{gate: unsigned},
		{gate: signed, verifier: &webhook.Verifier{Token: fuzzToken, Now: now}},
	}
}

// FuzzInvoke invokes the handler with any payload and checks that the answer is well formed,
// documented, and lets nothing through that the checks or the policy refuse.
func FuzzInvoke(f *testing.F) {
	deployments := fuzzDeployments(f)
	f.Fuzz(func(t *testing.T, payload []byte) {
		for _, d := range deployments {
			out, err := Handler{Gate: d.gate}.Invoke(context.Background(), payload)
			if err != nil {
				t.Fatalf("Invoke returned an error: %v", err)
			}
			if !json.Valid(out) {
				t.Fatalf("answer is not JSON: %q", out)
			}
			kind := Detect(payload)
			event, err := decodeHTTPEvent(kind, payload)
			if err != nil {
				// A webhook body, or a payload that is not an HTTP event subgate can read: the bare answer.
				checkBareAnswer(t, kind == KindWebhookBody, payload, out)
				continue
			}
			var resp struct {
				StatusCode *int    `json:"statusCode"`
				Body       *string `json:"body"`
			}
			if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode == nil || resp.Body == nil {
				t.Fatalf("%s answered without statusCode and body: %s", kind, out)
			}
			req, _ := event.request()
			checkHTTPAnswer(t, d.verifier, req, *resp.StatusCode, []byte(*resp.Body))
		}
	})
}

// answer is a webhook answer whose three fields are all present.
type answer struct {
	ActionStatus string
	ErrorCode    int
	Refused      []string
}

func decodeAnswer(t *testing.T, data []byte) answer {
	t.Helper()
	var a struct {
		ActionStatus *string  `json:"ActionStatus"`
		ErrorCode    *int     `json:"ErrorCode"`
		ErrorInfo    *string  `json:"ErrorInfo"`
		Refused      []string `json:"RefusedSubscribers_Account"`
	}
	if err := json.Unmarshal(data, &a); err != nil || a.ActionStatus == nil || a.ErrorCode == nil || a.ErrorInfo == nil {
		t.Fatalf("not a webhook answer: %s", data)
	}
	if *a.ActionStatus != webhook.StatusOK && *a.ActionStatus != webhook.StatusFail {
		t.Fatalf("ActionStatus %q is neither OK nor FAIL", *a.ActionStatus)
	}
	return answer{ActionStatus: *a.ActionStatus, ErrorCode: *a.ErrorCode, Refused: a.Refused}
}

// checkHTTPAnswer checks the answer to an HTTP event that translated to req: a documented status,
// a webhook answer, OK only with status 200 and only for a request with this SdkAppid and (when
// verifier is set) a valid signature.
func checkHTTPAnswer(t *testing.T, verifier *webhook.Verifier, req gate.Request, status int, body []byte) {
	t.Helper()
	if !slices.Contains(documentedStatus, status) {
		t.Fatalf("status %d is not documented", status)
	}
	if status == 500 {
		t.Fatalf("internal fault: %s", body)
	}
	a := decodeAnswer(t, body)
	if (a.ActionStatus == webhook.StatusOK) != (status == 200) {
		t.Fatalf("status %d with ActionStatus %s", status, a.ActionStatus)
	}
	if a.ActionStatus != webhook.StatusOK {
		return
	}
	if appID, ok := webhook.Single(req.Query, webhook.ParamSdkAppid); !ok || appID != fuzzAppID {
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
	if command, _ := webhook.Single(req.Query, webhook.ParamCallbackCommand); command == webhook.CommandBeforeAddSubscriber {
		checkDecision(t, a, req.Body)
	}
}

// checkBareAnswer checks the answer to a payload that is not an HTTP event: a webhook body is
// answered as the gate decides it, anything else FAIL.
func checkBareAnswer(t *testing.T, isWebhookBody bool, payload, out []byte) {
	t.Helper()
	a := decodeAnswer(t, out)
	if !isWebhookBody {
		if a.ActionStatus != webhook.StatusFail {
			t.Fatalf("a payload that is not a webhook body was answered %s", out)
		}
		return
	}
	if command, _ := webhook.Command(payload); command == webhook.CommandBeforeAddSubscriber {
		checkDecision(t, a, payload)
	} else if len(a.Refused) > 0 {
		t.Fatalf("refused %v for another command (%q)", a.Refused, command)
	}
}

// checkDecision checks an answer to a CallbackBeforeAddSubscriber body: when it is OK, the body
// parses, the refused IDs were in it and are listed once each, and a denied ("jared") or empty
// subscriber is refused when the request goes on.
func checkDecision(t *testing.T, a answer, body []byte) {
	t.Helper()
	if a.ActionStatus != webhook.StatusOK {
		return
	}
	req, err := webhook.ParseAddSubscriber(body)
	if err != nil {
		t.Fatalf("OK for a body that does not parse (%v)", err)
	}
	for i, id := range a.Refused {
		if !slices.Contains(req.Subscribers, id) {
			t.Fatalf("refused %q, which the request did not hold", id)
		}
		if slices.Contains(a.Refused[i+1:], id) {
			t.Fatalf("refused %q twice", id)
		}
	}
	if a.ErrorCode != 0 {
		return
	}
	for _, id := range req.Subscribers {
		if (id == "jared" || id == "") && !slices.Contains(a.Refused, id) {
			t.Fatalf("let denied subscriber %q through", id)
		}
	}
}
