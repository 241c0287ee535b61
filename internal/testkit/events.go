package testkit

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/subgate/subgate/internal/syncbuf"
	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/httpevent"
	"github.com/subgate/subgate/pkg/webhook"
)

// The contracts the SCF and Lambda event packages (pkg/scfevent, pkg/lambdaevent) both keep, as
// one table each, which each package runs through its own handler: RunPanics, RunDeadline,
// RunLimits, ForeignEvents and CheckEventAnswer (their fuzz targets).

// The webhook the contracts send, and the answers of the example policy (deploy/policy.example.yaml)
// to it.
const (
	// SampleQuery is the query string Chat sends with the sample request.
	SampleQuery = "SdkAppid=1400000001&CallbackCommand=OfficialAccount.CallbackBeforeAddSubscriber&contenttype=json&ClientIP=203.0.113.7&OptPlatform=RESTAPI"
	// OtherCommandQuery is the query string of another command, which the gate answers OK (or relays).
	OtherCommandQuery = "SdkAppid=1400000001&CallbackCommand=Group.CallbackAfterSendMsg&contenttype=json"
	// SampleBody is deploy/sample-request.json: jared and leckie subscribe to @TOA#_test_for_penn.
	SampleBody = `{"CallbackCommand":"OfficialAccount.CallbackBeforeAddSubscriber","Official_Account":"@TOA#_test_for_penn",` +
		`"Operator_Account":"107867","SubscribeAccountList":[{"Subscriber_Account":"jared"},{"Subscriber_Account":"leckie"}],"EventTime":1670574414123}`

	AnswerRefusedJared = `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["jared"]}`
	AnswerProceed      = `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`
	// AnswerFault is an internal fault's answer to a request subgate does not decide.
	AnswerFault = `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"internal error in subgate; see its log"}`
	// AnswerUndecided is an internal fault's answer to a subscription request, by the default
	// fail mode (closed).
	AnswerUndecided = `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"subgate cannot decide: internal error; see its log"}`
)

// Failure is the FAIL answer saying info.
func Failure(info string) string { return string(webhook.Failure(info).Encode()) }

// EventPlatform is an event package's side of the shared contracts: how its HTTP events are made
// and answered, and how its handler is invoked.
type EventPlatform struct {
	// Kinds are the platform's HTTP event kinds; the first is the one its function URL sends.
	Kinds []EventKind
	// Handler returns the invoke function of one handler answering with g.
	Handler func(g *gate.Gate) func(ctx context.Context, payload []byte) ([]byte, error)
	// Context is the context of an invocation the platform names requestID.
	Context func(requestID string) context.Context
	// Gate is a gate of SDKAppID AppID with the example policy, logging to w, with the variables
	// of env besides.
	Gate func(t testing.TB, w io.Writer, env map[string]string) *gate.Gate
}

// EventKind is one kind of HTTP event of a platform.
type EventKind struct {
	Name string
	// Event is an event of the kind: POST of body with the query string rawQuery (in Chat's form)
	// and headers; the body base64-encoded, and marked so, when isBase64 (only for a kind that has
	// Base64).
	Event func(t testing.TB, rawQuery string, headers map[string]string, body string, isBase64 bool) []byte
	// Base64 is true for a kind that carries a body base64-encoded (isBase64Encoded).
	Base64 bool
	// Answer is the kind's response carrying the gate's answer with status.
	Answer func(status int, answer string) string
}

// base64Kind is the first of the platform's kinds that carries a base64-encoded body.
func (p EventPlatform) base64Kind(t testing.TB) EventKind {
	for _, k := range p.Kinds {
		if k.Base64 {
			return k
		}
	}
	t.Fatal("the platform has no event kind with a base64-encoded body")
	return EventKind{}
}

// panickingContext panics when the handler reads a value from it, such as the platform's request
// ID: a fault in the handler's own code, after the event has been read.
type panickingContext struct{ context.Context }

func (panickingContext) Value(any) any { panic("reading the context failed") }

// RunPanics: a panic in the gate (a nil policy) or in the handler's own code (a context that
// panics) is logged once with its stack and answered as an internal fault, in the event's shape
// (bare for a webhook body or an unrecognised payload): by the fail mode (closed here) for a
// subscription request, else 500 FAIL; and the handler goes on serving.
func RunPanics(t *testing.T, p EventPlatform) {
	type panicCase struct {
		name    string
		core    bool // the panic is the gate's (a nil policy); else the handler's (its context)
		payload []byte
		want    string
	}
	var cases []panicCase
	for _, where := range []string{"Core", "Handler"} {
		for _, k := range p.Kinds {
			cases = append(cases, panicCase{where + "Panic" + k.Name, where == "Core", k.Event(t, SampleQuery, nil, SampleBody, false), k.Answer(200, AnswerUndecided)})
		}
		cases = append(cases, panicCase{where + "PanicWebhookBody", where == "Core", []byte(SampleBody), AnswerUndecided})
	}
	cases = append(cases, panicCase{"HandlerPanicUnrecognised", false, []byte(`{}`), AnswerFault})
	main := p.Kinds[0]
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			logs := &syncbuf.Buffer{}
			g := p.Gate(t, logs, nil)
			ctx := p.Context("panic")
			if c.core {
				g = gate.New(config.Config{SdkAppID: AppID}, nil, gate.NewLogger(logs, 0))
			} else {
				ctx = panickingContext{ctx}
			}
			invoke := p.Handler(g)
			out, err := invoke(ctx, c.payload)
			if err != nil {
				t.Fatalf("Invoke returned an error: %v", err)
			}
			equalJSON(t, c.want, out)
			if n := CountFaults(t, logs.String()); n != 1 {
				t.Errorf("the fault was logged %d times, not once:\n%s", n, logs)
			}
			if n := strings.Count(logs.String(), `"msg":"undecided"`) + strings.Count(logs.String(), `"status":500`); n != 1 {
				t.Errorf("the request's line was written %d times, not once:\n%s", n, logs)
			}

			// The handler keeps serving: a command that needs no policy is still answered.
			out, err = invoke(p.Context("after-panic"), main.Event(t, OtherCommandQuery, nil, `{}`, false))
			if err != nil {
				t.Fatalf("Invoke returned an error: %v", err)
			}
			equalJSON(t, main.Answer(200, AnswerProceed), out)
		})
	}
}

// RunDeadline: an invocation is answered before its deadline even when the gate's work would take
// longer (a relay to a backend that never answers, with a forward timeout past the deadline): the
// handler keeps time to answer (gate.WithAnswerTime).
func RunDeadline(t *testing.T, p EventPlatform) {
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select { // hang until the relay gives up or the test ends
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(backend.Close)
	t.Cleanup(func() { close(release) })
	logs := &syncbuf.Buffer{}
	g := p.Gate(t, logs, map[string]string{config.EnvForwardURL: backend.URL, config.EnvForwardTimeout: "1800ms"})
	if got := g.Config().ForwardTimeout; got != 1800*time.Millisecond {
		t.Fatalf("forward timeout %s, not 1.8s", got)
	}

	// The invocation's deadline is well inside the forward timeout: without the handler's reserve
	// the relay would run until the platform ends the invocation.
	start := time.Now()
	ctx, cancel := context.WithDeadline(p.Context("deadline"), start.Add(time.Second))
	defer cancel()
	main := p.Kinds[0]
	out, err := p.Handler(g)(ctx, main.Event(t, OtherCommandQuery, nil, `{"CallbackCommand":"Group.CallbackAfterSendMsg"}`, false))
	if err != nil {
		t.Fatalf("Invoke returned an error: %v", err)
	}
	if ctx.Err() != nil {
		t.Errorf("answered after the invocation's deadline")
	}
	if took := time.Since(start); took >= g.Config().ForwardTimeout {
		t.Errorf("answered after %s, the forward timeout", took)
	}
	equalJSON(t, main.Answer(200, AnswerProceed), out)
	<-arrived // the request was relayed, and the backend never answered
	for _, want := range []string{`"level":"WARN","msg":"decided","request_id":"deadline","command":"Group.CallbackAfterSendMsg"`, `relay failed, answered OK instead`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log lacks %s:\n%s", want, logs)
		}
	}
}

// RunLimits: the gate's limits on the query string, the headers and the body hold through the
// platform's events, each answered in the event's shape. A package tests the limits of its own
// event shapes (repeated values, multi-value fields) beside these.
func RunLimits(t *testing.T, p EventPlatform) {
	withParams := func(n int) string {
		var b strings.Builder
		b.WriteString(SampleQuery)
		for i := range n {
			fmt.Fprintf(&b, "&p%d=", i)
		}
		return b.String()
	}
	manyHeaders := map[string]string{}
	for i := range gate.MaxParams + 1 {
		manyHeaders[fmt.Sprint("X-H", i)] = "v"
	}
	main, b64 := p.Kinds[0], p.base64Kind(t)
	tooMany := main.Answer(400, Failure("the query string has more than 1000 parameters"))
	overEnvelope := main.Answer(400, Failure("the query string and headers are over 64 KiB"))
	tooBig := b64.Answer(413, Failure("body is over 1 MiB"))
	bigBody := base64.StdEncoding.EncodeToString(make([]byte, 2<<20))
	type limitCase struct {
		name    string
		payload []byte
		want    string
	}
	var perKind []limitCase
	for _, k := range p.Kinds {
		perKind = append(perKind, limitCase{"TenThousandQueryKeys" + k.Name, k.Event(t, withParams(10000), nil, SampleBody, false),
			k.Answer(400, Failure("the query string has more than 1000 parameters"))})
	}
	for _, c := range append(perKind, []limitCase{
		// Chat's query has 5 parameters: 5 more than MaxParams-5 is the limit.
		{"AtTheParameterLimit", main.Event(t, withParams(gate.MaxParams-5), nil, SampleBody, false), main.Answer(200, AnswerRefusedJared)},
		{"OneOverTheParameterLimit", main.Event(t, withParams(gate.MaxParams-4), nil, SampleBody, false), tooMany},
		{"OneMiBHeader", main.Event(t, SampleQuery, map[string]string{"X-Big": strings.Repeat("a", 1<<20)}, SampleBody, false), overEnvelope},
		{"HugeQueryValue", main.Event(t, SampleQuery+"&x="+strings.Repeat("a", gate.MaxEnvelopeBytes), nil, SampleBody, false), overEnvelope},
		{"TooManyHeaders", main.Event(t, SampleQuery, manyHeaders, SampleBody, false), main.Answer(400, Failure("the headers have more than 1000 values"))},
		{"Base64BodyOverOneMiB", b64.Event(t, SampleQuery, nil, bigBody, true), tooBig},
		{"Base64BodyOverOneMiBWithGarbageAfter", b64.Event(t, SampleQuery, nil, bigBody+"!!", true), tooBig},
	}...) {
		t.Run(c.name, func(t *testing.T) {
			invoke := p.Handler(p.Gate(t, io.Discard, nil))
			out, err := invoke(p.Context("limits"), c.payload)
			if err != nil {
				t.Fatalf("Invoke returned an error: %v", err)
			}
			equalJSON(t, c.want, out)
		})
	}
}

// equalJSON fails unless got is the JSON document want.
func equalJSON(t testing.TB, want string, got []byte) {
	t.Helper()
	var w, g any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("the expected answer is not JSON: %v: %s", err, want)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("the answer is not JSON: %v: %.300s", err, got)
	}
	wantJSON, _ := json.Marshal(w)
	gotJSON, _ := json.Marshal(g)
	if string(wantJSON) != string(gotJSON) {
		t.Errorf("answer\n got  %.600s\n want %.600s", gotJSON, wantJSON)
	}
}

// RealEvent is an event from a public source, a file under pkg/, and what an event package's rules
// make of it: its kind, or, when they do not take it, why.
type RealEvent struct {
	File string
	Kind httpevent.Kind
	Why  string
}

// ForeignEvents are the events of pkg/httpevent/testdata/foreign (its README says where each is
// from), which no entrypoint takes, each with the reason both event packages give.
var ForeignEvents = []RealEvent{
	{"httpevent/testdata/foreign/rest-api-token-authorizer.json", "", "an API Gateway Lambda authorizer event (it has methodArn)"},
	{"httpevent/testdata/foreign/rest-api-request-authorizer.json", "", "an API Gateway Lambda authorizer event (it has methodArn)"},
	{"httpevent/testdata/foreign/http-api-authorizer-payload-1.0.json", "", "an API Gateway Lambda authorizer event (it has methodArn)"},
	{"httpevent/testdata/foreign/http-api-authorizer-payload-2.0.json", "", "an API Gateway Lambda authorizer event (it has routeArn)"},
	{"httpevent/testdata/foreign/websocket-connect-sdk.json", "", "an API Gateway WebSocket event (it has requestContext.connectionId)"},
	{"httpevent/testdata/foreign/websocket-connect.json", "", "an API Gateway WebSocket event (it has requestContext.connectionId)"},
	{"httpevent/testdata/foreign/websocket-message.json", "", "an API Gateway WebSocket event (it has requestContext.connectionId)"},
	{"httpevent/testdata/foreign/websocket-disconnect.json", "", "an API Gateway WebSocket event (it has requestContext.connectionId)"},
	{"httpevent/testdata/foreign/tencent-websocket-connecting.json", "", "an API Gateway WebSocket event (it has websocket)"},
	{"httpevent/testdata/foreign/bedrock-agent-api-post.json", "", "a Bedrock agent event (it has messageVersion and agent)"},
	{"httpevent/testdata/foreign/bedrock-agent-api-get.json", "", "a Bedrock agent event (it has messageVersion and agent)"},
	{"httpevent/testdata/foreign/bedrock-agent-function.json", "", "a Bedrock agent event (it has messageVersion and agent)"},
}

// ReadRealEvent reads an event file named under pkg/, from a package's folder.
func ReadRealEvent(t testing.TB, file string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(file)))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// RunDetectRealEvents checks that detect, a package's, tells the kind of each of events, or why it
// does not take it; and that events hold every event of pkg/httpevent/testdata/foreign.
func RunDetectRealEvents(t *testing.T, events []RealEvent, detect func([]byte) (httpevent.Kind, string)) {
	found, err := filepath.Glob(filepath.Join("..", "httpevent", "testdata", "foreign", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range found {
		file := "httpevent/testdata/foreign/" + filepath.Base(path)
		if !slices.ContainsFunc(events, func(e RealEvent) bool { return e.File == file }) {
			t.Errorf("%s is not among the events checked", file)
		}
	}
	for _, e := range events {
		t.Run(filepath.Base(e.File), func(t *testing.T) {
			kind, why := detect(ReadRealEvent(t, e.File))
			want := e.Kind
			if e.Why != "" {
				want = httpevent.Unrecognised
			}
			if kind != want || why != e.Why {
				t.Errorf("detected %q (%q), not %q (%q)", kind, why, want, e.Why)
			}
		})
	}
}

// CheckEventAnswer checks a handler's answer out to payload, of the kind the package detected:
// invoked without error, JSON, and, for an HTTP event, a response whose status and body are those
// CheckHTTPAnswer holds for the request the event translates to (request), or 400 FAIL when it
// cannot be read; for a webhook body or an unrecognised payload, the bare answer CheckBareAnswer
// holds. It is the body of each event package's FuzzInvoke.
func CheckEventAnswer(t testing.TB, d Deployment, kind httpevent.Kind, payload, out []byte, err error, request func() (gate.Request, error)) {
	t.Helper()
	if err != nil {
		t.Fatalf("Invoke returned an error: %v", err)
	}
	if !json.Valid(out) {
		t.Fatalf("answer is not JSON: %q", out)
	}
	if kind == httpevent.WebhookBody || kind == httpevent.Unrecognised {
		CheckBareAnswer(t, kind == httpevent.WebhookBody, payload, out)
		return
	}
	var resp struct {
		StatusCode *int    `json:"statusCode"`
		Body       *string `json:"body"`
	}
	if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode == nil || resp.Body == nil {
		t.Fatalf("%s answered without statusCode and body: %s", kind, out)
	}
	req, err := request()
	if err != nil {
		// Unreadable: 400, FAIL.
		if *resp.StatusCode != 400 || DecodeAnswer(t, []byte(*resp.Body)).ActionStatus != webhook.StatusFail {
			t.Fatalf("unreadable %s (%v) answered %s", kind, err, out)
		}
		return
	}
	CheckHTTPAnswer(t, AppID, d.Verifier, req, *resp.StatusCode, []byte(*resp.Body))
}

// BenchInvoke benchmarks an entrypoint's warm path end to end: the console event
// deploy/events/<event> in, the response out, through the handler that handler makes for the
// example deployment (SDKAppID AppID, the example policy). make bench reports it as information.
func BenchInvoke(b *testing.B, event string, handler func(*gate.Gate) func(context.Context, []byte) ([]byte, error)) {
	b.Helper()
	payload, err := os.ReadFile("../../deploy/events/" + event)
	if err != nil {
		b.Fatal(err)
	}
	env := map[string]string{config.EnvSdkAppID: AppID, config.EnvPolicyFile: "../../deploy/policy.example.yaml"}
	invoke := handler(gate.FromEnv(func(k string) string { return env[k] }, io.Discard))
	ctx := context.Background()
	if answer, _ := invoke(ctx, payload); !strings.Contains(string(answer), `"statusCode":200`) {
		b.Fatalf("answer: %s", answer)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_, _ = invoke(ctx, payload)
	}
}
