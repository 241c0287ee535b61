package scfevent

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tencentyun/scf-go-lib/cloudfunction"
	"github.com/tencentyun/scf-go-lib/functioncontext"

	"github.com/subgate/subgate/internal/testkit"
	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/httpevent"

	"github.com/subgate/subgate/internal/syncbuf"
)

// Handler is what cloudfunction.StartHandler takes: a raw-bytes handler.
var _ cloudfunction.Handler = (*Handler)(nil)

// Response shapes the handler answers HTTP events with, around the gate's answer.
func functionURLAnswer(status int, answer string) string {
	return string(httpevent.Encode(FunctionURLResponse{StatusCode: status, Headers: map[string]string{"Content-Type": gate.ContentType}, Body: answer}))
}

func apiGatewayAnswer(status int, answer string) string {
	return string(httpevent.Encode(APIGatewayResponse{StatusCode: status, Headers: map[string]string{"Content-Type": gate.ContentType}, Body: answer}))
}

func failure(info string) string {
	out, _ := json.Marshal(map[string]any{"ActionStatus": "FAIL", "ErrorCode": 1, "ErrorInfo": info})
	return string(out)
}

const unrecognisedTail = "; subgate takes the HTTP events of the function's URL or gateway, or a webhook body"

func TestHandlerInvoke(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
		want    string
	}{
		{
			name:    "ConsoleEventFunctionURL",
			payload: readDeployEvent(t, "scf-function-url.json"),
			want:    functionURLAnswer(200, answerRefusedJared),
		},
		{
			name:    "ConsoleEventAPIGateway",
			payload: readDeployEvent(t, "scf-apigw.json"),
			want:    apiGatewayAnswer(200, answerRefusedJared),
		},
		{
			name:    "FunctionURLWrongSdkAppid",
			payload: readFixture(t, "function-url-wrong-appid.json"),
			want:    functionURLAnswer(403, failure("SdkAppid 1400000009 does not match this deployment")),
		},
		{
			name:    "FunctionURLGet",
			payload: readFixture(t, "function-url-get.json"),
			want:    functionURLAnswer(405, failure("method GET is not allowed: Chat sends webhooks with POST")),
		},
		{
			name:    "FunctionURLOtherCommandGoesOn",
			payload: readFixture(t, "function-url-other-command.json"),
			want:    functionURLAnswer(200, answerProceed),
		},
		{
			name:    "FunctionURLBase64Body",
			payload: readFixture(t, "function-url-base64.json"),
			want:    functionURLAnswer(200, answerRefusedJared),
		},
		{
			name:    "FunctionURLUnreadable",
			payload: readFixture(t, "function-url-body-number.json"),
			want:    functionURLAnswer(400, failure("the Function URL event cannot be read: body must be a JSON string, not number")),
		},
		{
			name:    "APIGatewayRepeatedSdkAppidDifferentValues",
			payload: readFixture(t, "apigw-query-array-conflict.json"),
			want:    apiGatewayAnswer(403, failure("SdkAppid is given more than once with different values")),
		},
		{
			name:    "APIGatewayRepeatedSdkAppidSameValue",
			payload: readFixture(t, "apigw-query-array-same.json"),
			want:    apiGatewayAnswer(200, answerRefusedJared),
		},
		{
			name:    "APIGatewayKeyWithoutValue",
			payload: readFixture(t, "apigw-query-true.json"),
			want:    apiGatewayAnswer(200, answerRefusedJared),
		},
		{
			name:    "APIGatewayMixedCaseHeaders",
			payload: readFixture(t, "apigw-headers-mixed-case.json"),
			want:    apiGatewayAnswer(200, answerRefusedJared),
		},
		{
			name:    "APIGatewayNoRequestID",
			payload: readFixture(t, "apigw-no-request-id.json"),
			want:    apiGatewayAnswer(200, answerRefusedJared),
		},
		{
			name:    "APIGatewayBase64String",
			payload: readFixture(t, "apigw-base64-string-true.json"),
			want:    apiGatewayAnswer(200, answerRefusedJared),
		},
		{
			name:    "APIGatewayBadBase64",
			payload: readFixture(t, "apigw-base64-bad.json"),
			want:    apiGatewayAnswer(400, failure("the API Gateway event cannot be read: body is marked base64-encoded (isBase64Encoded) but is not valid base64: illegal base64 data at input byte 3")),
		},
		{
			name:    "APIGatewayConsoleTemplateHasNoSdkAppid",
			payload: readFixture(t, "apigw-console-template.json"),
			want:    apiGatewayAnswer(403, failure("SdkAppid is missing from the query string")),
		},
		{
			name:    "WebhookBody",
			payload: readFixture(t, "webhook-body.json"),
			want:    answerRefusedJared,
		},
		{
			name:    "WebhookBodyOtherCommand",
			payload: []byte(`{"CallbackCommand":"C2C.CallbackAfterSendMsg","From_Account":"jared"}`),
			want:    answerProceed,
		},
		{
			name:    "WebhookBodyIncomplete",
			payload: []byte(`{"CallbackCommand":"OfficialAccount.CallbackBeforeAddSubscriber"}`),
			want:    failure("bad request body: Official_Account is missing"),
		},
		{
			name:    "NotJSON",
			payload: []byte("SdkAppid=1400000001&CallbackCommand=x"),
			want:    failure("event not recognised: the payload is not JSON" + unrecognisedTail),
		},
		{
			name:    "ConsoleHelloWorldTemplate",
			payload: []byte(`{"key1":"test value 1","key2":"test value 2"}`),
			want:    failure("event not recognised: the payload has none of requestContext, httpMethod or CallbackCommand" + unrecognisedTail),
		},
		{
			name:    "Empty",
			payload: nil,
			want:    failure("event not recognised: the payload is empty" + unrecognisedTail),
		},
	}
	h, _ := newTestHandler(exampleEnv())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := h.Invoke(invocationContext("scf-"+tt.name), tt.payload)
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(got))
		})
	}
}

func readDeployEvent(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "deploy", "events", name))
	require.NoError(t, err)
	return data
}

func TestHandlerSignedRequests(t *testing.T) {
	// The documented known-answer vector: token xxxxyyyy, RequestTime 1669872112.
	const sign = "17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061"
	now := func() time.Time { return time.Unix(1669872112+5, 0) }
	getenv := exampleEnv("SUBGATE_TOKEN", "xxxxyyyy")
	h := NewHandler(func() *gate.Gate { return gate.FromEnv(getenv, &syncbuf.Buffer{}).WithClock(now) })
	event := func(query string) []byte {
		return []byte(`{"httpMethod":"POST","path":"/","body":` + strings.TrimSpace(string(mustJSON(sampleBody))) + `,` +
			`"queryString":{"SdkAppid":"1400000001","CallbackCommand":"OfficialAccount.CallbackBeforeAddSubscriber"` + query + `}}`)
	}
	tests := []struct {
		name  string
		query string
		want  string
	}{
		{name: "Signed", query: `,"Sign":"` + sign + `","RequestTime":"1669872112"`, want: functionURLAnswer(200, answerRefusedJared)},
		{name: "BadSign", query: `,"Sign":"` + strings.Repeat("0", 64) + `","RequestTime":"1669872112"`,
			want: functionURLAnswer(401, failure("request is not authenticated: Sign does not match (check the token set in the Chat console)"))},
		{name: "NotSigned", query: ``,
			want: functionURLAnswer(401, failure("request is not authenticated: Sign or RequestTime is missing (a webhook token is configured)"))},
		{name: "TooOld", query: `,"Sign":"` + sign + `","RequestTime":"1669872000"`,
			want: functionURLAnswer(401, failure("request is not authenticated: RequestTime is outside the allowed clock skew"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := h.Invoke(invocationContext("scf-1"), event(tt.query))
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(got))
		})
	}
}

func mustJSON(v any) []byte {
	out, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return out
}

// A configuration error: the requests subgate decides get the fail mode's answer (closed by
// default), 200 and naming the error; anything else 500 FAIL naming it.
func TestHandlerBrokenConfiguration(t *testing.T) {
	const problem = "invalid configuration: SUBGATE_SDKAPPID is not set: " +
		"set it to your app's SDKAppID (digits, from the Chat console)"
	undecided := `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"subgate cannot decide: ` + problem + `"}`
	notConfigured := failure("subgate is not configured correctly: " + problem)
	h, log := newTestHandler(func(string) string { return "" })
	otherCommand := bytes.ReplaceAll(readDeployEvent(t, "scf-function-url.json"), []byte("OfficialAccount.CallbackBeforeAddSubscriber"), []byte("C2C.CallbackBeforeSendMsg"))
	tests := []struct {
		name    string
		payload []byte
		want    string
	}{
		{name: "FunctionURL", payload: readDeployEvent(t, "scf-function-url.json"), want: functionURLAnswer(200, undecided)},
		{name: "APIGateway", payload: readDeployEvent(t, "scf-apigw.json"), want: apiGatewayAnswer(200, undecided)},
		{name: "UnreadableAPIGateway", payload: readFixture(t, "apigw-base64-bad.json"), want: apiGatewayAnswer(200, undecided)},
		{name: "WebhookBody", payload: readFixture(t, "webhook-body.json"), want: undecided},
		{name: "OtherCommand", payload: otherCommand, want: functionURLAnswer(500, notConfigured)},
		{name: "NotJSON", payload: []byte("not json"), want: notConfigured},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := h.Invoke(invocationContext("scf-1"), tt.payload)
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(got))
		})
	}
	assert.Equal(t, 1, strings.Count(log.String(), `"msg":"subgate cannot start: fix the configuration"`),
		"the configuration error is logged once, when the gate is built")
	assert.Equal(t, 4, strings.Count(log.String(), `"level":"ERROR","msg":"undecided"`), "each undecided request is logged at error")
}

func TestHandlerBuildsGateOnceOnFirstInvocation(t *testing.T) {
	var built atomic.Int32
	getenv := exampleEnv()
	h := NewHandler(func() *gate.Gate {
		built.Add(1)
		return gate.FromEnv(getenv, &syncbuf.Buffer{})
	})
	require.Equal(t, int32(0), built.Load(), "nothing is read before the first invocation")
	payload := readDeployEvent(t, "scf-function-url.json")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			got, err := h.Invoke(invocationContext("scf-1"), payload)
			assert.NoError(t, err)
			assert.JSONEq(t, functionURLAnswer(200, answerRefusedJared), string(got))
		})
	}
	wg.Wait()
	assert.Equal(t, int32(1), built.Load())
}

// TestHandlerGivesTheConfigurationTheFunctionsMemory: the invoke request says the function's
// memory (MemoryLimitInMb); the gate, built at the first invocation, reads it in
// FUNCTION_MEMORY_SIZE, unless the runtime set that variable itself.
func TestHandlerGivesTheConfigurationTheFunctionsMemory(t *testing.T) {
	for _, c := range []struct {
		name, set, want string
	}{
		{"FromTheInvokeRequest", "", "64"},
		{"SetByTheRuntime", "128", "128"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(config.EnvSCFMemory, c.set)
			if c.set == "" {
				require.NoError(t, os.Unsetenv(config.EnvSCFMemory))
			}
			var seen string
			h := NewHandler(func() *gate.Gate {
				seen = os.Getenv(config.EnvSCFMemory)
				return gate.FromEnv(exampleEnv(), &syncbuf.Buffer{})
			})
			ctx := functioncontext.NewContext(context.Background(), &functioncontext.FunctionContext{RequestID: "scf-memory", MemoryLimitInMb: 64})
			_, err := h.Invoke(ctx, readDeployEvent(t, "scf-function-url.json"))
			require.NoError(t, err)
			assert.Equal(t, c.want, seen)
		})
	}
}

func TestHandlerLogsTheRequestID(t *testing.T) {
	tests := []struct {
		name    string
		scfID   string
		payload []byte
		wantID  string
	}{
		{name: "FunctionURL", scfID: "scf-req-1", payload: readDeployEvent(t, "scf-function-url.json"), wantID: "scf-req-1"},
		{name: "APIGatewayPrefersSCF", scfID: "scf-req-2", payload: readDeployEvent(t, "scf-apigw.json"), wantID: "scf-req-2"},
		{name: "APIGatewayFallback", scfID: "", payload: readDeployEvent(t, "scf-apigw.json"), wantID: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"},
		{name: "WebhookBody", scfID: "scf-req-3", payload: readFixture(t, "webhook-body.json"), wantID: "scf-req-3"},
		{name: "Unrecognised", scfID: "scf-req-4", payload: []byte("{}"), wantID: "scf-req-4"},
		{name: "Unreadable", scfID: "scf-req-5", payload: readFixture(t, "apigw-base64-bad.json"), wantID: "scf-req-5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, log := newTestHandler(exampleEnv())
			_, err := h.Invoke(invocationContext(tt.scfID), tt.payload)
			require.NoError(t, err)
			// The start-up line, then the request's.
			lines := strings.Split(strings.TrimSpace(log.String()), "\n")
			require.Len(t, lines, 2, log.String())
			var line map[string]any
			require.NoError(t, json.Unmarshal([]byte(lines[1]), &line), log.String())
			assert.Equal(t, tt.wantID, line["request_id"])
		})
	}
}

func TestRequestIDOutsideAnInvocation(t *testing.T) {
	assert.Equal(t, "", RequestID(t.Context()))
}

// The events SCF's rules do not take get the bare not-recognised answer, whatever fields they
// share with the events it takes; an AWS REST API event is read as the API Gateway event it looks
// like, and lacks Chat's query.
func TestHandlerRealEvents(t *testing.T) {
	h, _ := newTestHandler(exampleEnv())
	for _, e := range realEvents {
		t.Run(filepath.Base(e.File), func(t *testing.T) {
			got, err := h.Invoke(invocationContext("scf-real"), testkit.ReadRealEvent(t, e.File))
			require.NoError(t, err)
			switch {
			case e.Why != "":
				assert.JSONEq(t, failure("event not recognised: "+e.Why+unrecognisedTail), string(got))
			case e.Kind == httpevent.APIGateway:
				assert.JSONEq(t, apiGatewayAnswer(403, failure("SdkAppid is missing from the query string")), string(got))
			default:
				assert.JSONEq(t, functionURLAnswer(403, failure("SdkAppid is missing from the query string")), string(got))
			}
		})
	}
}
