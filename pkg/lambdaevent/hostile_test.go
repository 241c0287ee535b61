package lambdaevent

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/testkit"
	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/httpevent"
	"github.com/subgate/subgate/pkg/webhook"
)

const (
	sampleQuery     = "SdkAppid=1400000001&CallbackCommand=OfficialAccount.CallbackBeforeAddSubscriber&contenttype=json&ClientIP=203.0.113.7&OptPlatform=RESTAPI"
	otherCommand    = "SdkAppid=1400000001&CallbackCommand=Group.CallbackAfterSendMsg&contenttype=json"
	answerProceed   = `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`
	answerFault     = `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"internal error in subgate; see its log"}`
	answerUndecided = `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"subgate cannot decide: internal error; see its log"}`
)

// httpAPIEvent returns an HTTP API event (payload 2.0) posting body with the raw query string.
func httpAPIPayload(t *testing.T, rawQuery string, header map[string]string, body string, isBase64 bool) []byte {
	t.Helper()
	e := events.APIGatewayV2HTTPRequest{Version: "2.0", RawQueryString: rawQuery, Headers: header, Body: body, IsBase64Encoded: isBase64}
	e.RequestContext.DomainName = "abcdefghij.execute-api.us-east-1.amazonaws.com"
	e.RequestContext.HTTP.Method = http.MethodPost
	out, err := json.Marshal(e)
	require.NoError(t, err)
	return out
}

// proxyAnswer is the proxy response carrying a gate answer.
func proxyAnswer(status int, answer string) string {
	return string(httpevent.Encode(proxyResponse{StatusCode: status, Headers: map[string]string{"Content-Type": gate.ContentType}, Body: answer}))
}

func failureAnswer(info string) string {
	return string(webhook.Failure(info).Encode())
}

// panickingContext panics when the handler reads a value from it, such as the Lambda request ID:
// a fault in the handler's own code, after the event has been read.
type panickingContext struct{ context.Context }

func (panickingContext) Value(any) any { panic("reading the context failed") }

// A panic in the core or in the handler's own code is logged once with its stack, and answered as
// an internal fault: by the fail mode (closed here) for a command subgate decides, else 500.
func TestInvokeRecoversPanics(t *testing.T) {
	sample := string(seedSample(t))
	albEvent, err := json.Marshal(events.ALBTargetGroupRequest{
		HTTPMethod:            http.MethodPost,
		QueryStringParameters: map[string]string{"SdkAppid": "1400000001", "CallbackCommand": webhook.CommandBeforeAddSubscriber},
		RequestContext:        events.ALBTargetGroupRequestContext{ELB: events.ELBContext{TargetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/t/1"}},
		Body:                  sample,
	})
	require.NoError(t, err)
	tests := []struct {
		name    string
		policy  bool // false: the gate has a nil policy, so deciding panics in the core
		ctx     context.Context
		payload []byte
		want    string
	}{
		{"CorePanicHTTPAPI", false, context.Background(), httpAPIPayload(t, sampleQuery, nil, sample, false), proxyAnswer(200, answerUndecided)},
		{"CorePanicALB", false, context.Background(), albEvent,
			`{"statusCode":200,"statusDescription":"200 OK","headers":` + headersJSON + `,"body":` + mustQuote(answerUndecided) + `,"isBase64Encoded":false}`},
		{"CorePanicWebhookBody", false, context.Background(), []byte(sample), answerUndecided},
		{"HandlerPanicHTTPAPI", true, panickingContext{context.Background()}, httpAPIPayload(t, sampleQuery, nil, sample, false), proxyAnswer(200, answerUndecided)},
		{"HandlerPanicALB", true, panickingContext{context.Background()}, albEvent,
			`{"statusCode":200,"statusDescription":"200 OK","headers":` + headersJSON + `,"body":` + mustQuote(answerUndecided) + `,"isBase64Encoded":false}`},
		{"HandlerPanicWebhookBody", true, panickingContext{context.Background()}, []byte(sample), answerUndecided},
		{"HandlerPanicUnrecognised", true, panickingContext{context.Background()}, []byte(`{}`), answerFault},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			g := newTestGate(t, &logs, nil)
			if !tt.policy {
				g = gate.New(config.Config{SdkAppID: examplePolicySdkAppID}, nil, gate.NewLogger(&logs, 0))
			}
			h := Handler{Gate: g}
			out, err := h.Invoke(tt.ctx, tt.payload)
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(out))
			assert.Equal(t, 1, testkit.CountFaults(t, logs.String()), "logged once")
			assert.Equal(t, 1, strings.Count(logs.String(), `"msg":"undecided"`)+strings.Count(logs.String(), `"status":500`), "and the request's line")

			// The handler keeps serving: a command that needs no policy is still answered.
			out, err = h.Invoke(context.Background(), httpAPIPayload(t, otherCommand, nil, `{}`, false))
			require.NoError(t, err)
			assert.JSONEq(t, proxyAnswer(200, answerProceed), string(out))
		})
	}
}

func mustQuote(s string) string {
	out, _ := json.Marshal(s)
	return string(out)
}

func TestInvokeAnswersBeforeTheDeadline(t *testing.T) {
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
	var logs bytes.Buffer
	g := newTestGate(t, &logs, map[string]string{"SUBGATE_FORWARD_URL": backend.URL, "SUBGATE_FORWARD_TIMEOUT": "1800ms"})
	require.Equal(t, 1800*time.Millisecond, g.Config().ForwardTimeout)

	// The invocation's deadline is well inside the forward timeout: without the handler's reserve
	// the relay would run until Lambda ends the invocation.
	start := time.Now()
	ctx, cancel := context.WithDeadline(lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: testRequestID}), start.Add(time.Second))
	defer cancel()
	out, err := Handler{Gate: g}.Invoke(ctx, httpAPIPayload(t, otherCommand, nil, `{"CallbackCommand":"Group.CallbackAfterSendMsg"}`, false))
	require.NoError(t, err)
	assert.NoError(t, ctx.Err(), "answered before the invocation's deadline")
	assert.Less(t, time.Since(start), g.Config().ForwardTimeout)
	assert.JSONEq(t, proxyAnswer(200, answerProceed), string(out))
	<-arrived // the request was relayed, and the backend never answered
	assert.Contains(t, logs.String(), `"level":"WARN","msg":"decided","request_id":"`+testRequestID+`","command":"Group.CallbackAfterSendMsg"`)
	assert.Contains(t, logs.String(), `relay failed, answered OK instead`)
}

func TestInvokeLimits(t *testing.T) {
	sample := string(seedSample(t))
	manyParams := func(n int) string {
		var b strings.Builder
		b.WriteString(sampleQuery)
		for i := range n {
			fmt.Fprintf(&b, "&p%d=", i)
		}
		return b.String()
	}
	manyMulti := map[string][]string{"SdkAppid": {"1400000001"}, "CallbackCommand": {webhook.CommandBeforeAddSubscriber}}
	for i := range 10000 {
		manyMulti[fmt.Sprint("k", i)] = []string{"v"}
	}
	restEvent, err := json.Marshal(events.APIGatewayProxyRequest{HTTPMethod: http.MethodPost, MultiValueQueryStringParameters: manyMulti, Body: sample})
	require.NoError(t, err)
	manyHeaders := map[string]string{}
	for i := range gate.MaxParams + 1 {
		manyHeaders[fmt.Sprint("X-H", i)] = "v"
	}
	tooManyParams := proxyAnswer(400, failureAnswer("the query string has more than 1000 parameters"))
	tests := []struct {
		name    string
		payload []byte
		want    string
	}{
		{"AtTheParameterLimit", httpAPIPayload(t, manyParams(gate.MaxParams-5), nil, sample, false), proxyRefusedJared},
		{"TenThousandQueryKeys", httpAPIPayload(t, manyParams(10000), nil, sample, false), tooManyParams},
		{"OneOverTheParameterLimit", httpAPIPayload(t, manyParams(gate.MaxParams-4), nil, sample, false), tooManyParams},
		{"TenThousandMultiValueQueryKeys", restEvent, tooManyParams},
		{"OneMiBHeader", httpAPIPayload(t, sampleQuery, map[string]string{"X-Big": strings.Repeat("a", 1<<20)}, sample, false),
			proxyAnswer(400, failureAnswer("the query string and headers are over 64 KiB"))},
		{"HugeQueryValue", httpAPIPayload(t, sampleQuery+"&x="+strings.Repeat("a", gate.MaxEnvelopeBytes), nil, sample, false),
			proxyAnswer(400, failureAnswer("the query string and headers are over 64 KiB"))},
		{"TooManyHeaders", httpAPIPayload(t, sampleQuery, manyHeaders, sample, false),
			proxyAnswer(400, failureAnswer("the headers have more than 1000 values"))},
		{"Base64BodyOverOneMiB", httpAPIPayload(t, sampleQuery, nil, base64.StdEncoding.EncodeToString(make([]byte, 2<<20)), true),
			proxyAnswer(413, failureAnswer("body is over 1 MiB"))},
		{"Base64BodyOverOneMiBWithGarbageAfter", httpAPIPayload(t, sampleQuery, nil, base64.StdEncoding.EncodeToString(make([]byte, 2<<20))+"!!", true),
			proxyAnswer(413, failureAnswer("body is over 1 MiB"))},
	}
	var logs bytes.Buffer
	g := newTestGate(t, &logs, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.JSONEq(t, tt.want, invoke(t, g, tt.payload))
		})
	}
}
