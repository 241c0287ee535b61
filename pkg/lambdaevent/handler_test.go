package lambdaevent

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/testkit"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/webhook"
)

// Handler is a raw-bytes handler, so aws-lambda-go hands it every payload, JSON or not.
var _ lambda.Handler = Handler{}

const testRequestID = "8f5a2c1e-0d1b-4c3a-9e7f-000000000001"

// The answers the example policy gives the seed sample body, and the checks' failures.
const (
	answerRefusedJared = `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["jared"]}`
	headersJSON        = `{"Content-Type":"application/json; charset=utf-8"}`

	proxyRefusedJared     = `{"statusCode":200,"headers":` + headersJSON + `,"body":"{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"ErrorInfo\":\"\",\"RefusedSubscribers_Account\":[\"jared\"]}","isBase64Encoded":false}`
	proxyMissingSdkAppid  = `{"statusCode":403,"headers":` + headersJSON + `,"body":"{\"ActionStatus\":\"FAIL\",\"ErrorCode\":1,\"ErrorInfo\":\"SdkAppid is missing from the query string\"}","isBase64Encoded":false}`
	proxyRepeatedSdkAppid = `{"statusCode":403,"headers":` + headersJSON + `,"body":"{\"ActionStatus\":\"FAIL\",\"ErrorCode\":1,\"ErrorInfo\":\"SdkAppid is given more than once with different values\"}","isBase64Encoded":false}`
	proxyGetNotAllowed    = `{"statusCode":405,"headers":` + headersJSON + `,"body":"{\"ActionStatus\":\"FAIL\",\"ErrorCode\":1,\"ErrorInfo\":\"method GET is not allowed: Chat sends webhooks with POST\"}","isBase64Encoded":false}`
	proxyBadBase64        = `{"statusCode":400,"headers":` + headersJSON + `,"body":"{\"ActionStatus\":\"FAIL\",\"ErrorCode\":1,\"ErrorInfo\":\"the API Gateway HTTP API event (payload 2.0) cannot be read: body is marked base64-encoded (isBase64Encoded) but is not valid base64: illegal base64 data at input byte 3\"}","isBase64Encoded":false}`
	albRefusedJared       = `{"statusCode":200,"statusDescription":"200 OK","headers":` + headersJSON + `,"body":"{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"ErrorInfo\":\"\",\"RefusedSubscribers_Account\":[\"jared\"]}","isBase64Encoded":false}`
	albMultiRefusedJared  = `{"statusCode":200,"statusDescription":"200 OK","multiValueHeaders":{"Content-Type":["application/json; charset=utf-8"]},"body":"{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"ErrorInfo\":\"\",\"RefusedSubscribers_Account\":[\"jared\"]}","isBase64Encoded":false}`
	albMissingSdkAppid    = `{"statusCode":403,"statusDescription":"403 Forbidden","headers":` + headersJSON + `,"body":"{\"ActionStatus\":\"FAIL\",\"ErrorCode\":1,\"ErrorInfo\":\"SdkAppid is missing from the query string\"}","isBase64Encoded":false}`
	albGetNotAllowed      = `{"statusCode":405,"statusDescription":"405 Method Not Allowed","headers":` + headersJSON + `,"body":"{\"ActionStatus\":\"FAIL\",\"ErrorCode\":1,\"ErrorInfo\":\"method GET is not allowed: Chat sends webhooks with POST\"}","isBase64Encoded":false}`
	albMultiGetNotAllowed = `{"statusCode":405,"statusDescription":"405 Method Not Allowed","multiValueHeaders":{"Content-Type":["application/json; charset=utf-8"]},"body":"{\"ActionStatus\":\"FAIL\",\"ErrorCode\":1,\"ErrorInfo\":\"method GET is not allowed: Chat sends webhooks with POST\"}","isBase64Encoded":false}`
	unrecognisedSuffix    = `; subgate takes the HTTP events of the function's URL or gateway, or a webhook body`
)

// examplePolicySdkAppID is the SDKAppID the seed sample and the console events are for.
const examplePolicySdkAppID = "1400000001"

// newTestGate is a gate for SDKAppID 1400000001 with the example policy, logging to logs, with
// more environment variables from env.
func newTestGate(t testing.TB, logs io.Writer, env map[string]string) *gate.Gate {
	t.Helper()
	vars := map[string]string{
		"SUBGATE_SDKAPPID":    examplePolicySdkAppID,
		"SUBGATE_POLICY_FILE": filepath.Join("..", "..", "deploy", "policy.example.yaml"),
	}
	for k, v := range env {
		vars[k] = v
	}
	g := gate.FromEnv(func(k string) string { return vars[k] }, logs)
	require.NoError(t, g.Err())
	return g
}

func invoke(t *testing.T, g *gate.Gate, payload []byte) string {
	t.Helper()
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: testRequestID})
	out, err := Handler{Gate: g}.Invoke(ctx, payload)
	require.NoError(t, err)
	return string(out)
}

// seedSample is the webhook body of deploy/sample-request.json.
func seedSample(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "deploy", "sample-request.json"))
	require.NoError(t, err)
	return data
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return data
}

func TestInvokeAnswersEveryEventKind(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		want    string
	}{
		{"ConsoleALBHasNoSdkAppid", "console-alb.json", albMissingSdkAppid},
		{"ConsoleFunctionURLHasNoSdkAppid", "console-function-url.json", proxyMissingSdkAppid},
		{"ConsoleHTTPAPIHasNoSdkAppid", "console-http-api.json", proxyMissingSdkAppid},
		{"ConsoleRESTAPIHasNoSdkAppid", "console-rest-api.json", proxyMissingSdkAppid},
		{"SDKALBHeadersOnlyGET", "sdk-alb-headers-only.json", albGetNotAllowed},
		{"SDKALBMultiValueGETAnswersMultiValue", "sdk-alb-multivalue-headers.json", albMultiGetNotAllowed},
		{"SDKHTTPAPIGET", "sdk-http-api.json", proxyGetNotAllowed},
		{"SDKRESTAPIHasNoSdkAppid", "sdk-rest-api.json", proxyMissingSdkAppid},
		{"ALBWebhook", "alb-webhook.json", albRefusedJared},
		{"ALBMultiValueWebhookAnswersMultiValue", "alb-multivalue-webhook.json", albMultiRefusedJared},
		{"FunctionURLWebhook", "function-url-webhook.json", proxyRefusedJared},
		{"HTTPAPIBase64Body", "http-api-base64-body.json", proxyRefusedJared},
		{"HTTPAPIBadBase64Is400", "http-api-bad-base64.json", proxyBadBase64},
		{"HTTPAPIWithoutRawQueryString", "http-api-no-raw-query.json", proxyRefusedJared},
		{"HTTPAPIRepeatedSdkAppidDifferentValues", "http-api-repeated-sdkappid.json", proxyRepeatedSdkAppid},
		{"HTTPAPIRepeatedSdkAppidSameValue", "http-api-repeated-same-sdkappid.json", proxyRefusedJared},
		{"RESTAPIHeaderCaseAndBase64", "rest-api-header-case.json", proxyRefusedJared},
		{"RESTAPIRepeatedSdkAppidDifferentValues", "rest-api-repeated-sdkappid.json", proxyRepeatedSdkAppid},
	}
	var logs bytes.Buffer
	g := newTestGate(t, &logs, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.JSONEq(t, tt.want, invoke(t, g, fixture(t, tt.fixture)))
		})
	}
}

func TestInvokeDeployConsoleEvents(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "deploy", "events", "lambda-*.json"))
	require.NoError(t, err)
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	require.Equal(t, []string{"lambda-group-apply.json", "lambda-group-invite.json", "lambda-http-api.json", "lambda-rest-api.json"}, names)
	// Each carries a sample body of deploy/, and gets the example policy's answer to it.
	proxy := func(body string) string {
		return `{"statusCode":200,"headers":{"Content-Type":"application/json; charset=utf-8"},"body":` + strconv.Quote(body) + `,"isBase64Encoded":false}`
	}
	carries := map[string]struct{ sample, answer string }{
		"lambda-group-apply.json":  {"sample-group-apply.json", proxy(`{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"the request to join this group is refused"}`)},
		"lambda-group-invite.json": {"sample-group-invite.json", proxy(`{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedMembers_Account":["jared"]}`)},
		"lambda-http-api.json":     {"sample-request.json", proxyRefusedJared},
		"lambda-rest-api.json":     {"sample-request.json", proxyRefusedJared},
	}
	var logs bytes.Buffer
	g := newTestGate(t, &logs, nil)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			payload, err := os.ReadFile(f)
			require.NoError(t, err)
			var event struct {
				Body string `json:"body"`
			}
			require.NoError(t, json.Unmarshal(payload, &event))
			want := carries[filepath.Base(f)]
			sample, err := os.ReadFile(filepath.Join("..", "..", "deploy", want.sample))
			require.NoError(t, err)
			assert.JSONEq(t, string(sample), event.Body, "the console event carries %s", want.sample)
			assert.JSONEq(t, want.answer, invoke(t, g, payload))
		})
	}
}

func TestInvokeWebhookBody(t *testing.T) {
	sample := seedSample(t)
	tests := []struct {
		name    string
		payload string
		want    string
	}{
		{"SeedSample", string(sample), answerRefusedJared},
		{"OtherCommandGoesOn", `{"CallbackCommand":"OfficialAccount.CallbackAfterAddSubscriber"}`, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`},
		{"ClosedChannelRejected", `{"CallbackCommand":"OfficialAccount.CallbackBeforeAddSubscriber","Official_Account":"@TOA#_closed","Operator_Account":"u1","SubscribeAccountList":[{"Subscriber_Account":"u2"}]}`,
			`{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"this channel is not accepting subscribers"}`},
		{"BadBodyFails", `{"CallbackCommand":"OfficialAccount.CallbackBeforeAddSubscriber"}`, `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"bad request body: Official_Account is missing"}`},
	}
	var logs bytes.Buffer
	g := newTestGate(t, &logs, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.JSONEq(t, tt.want, invoke(t, g, []byte(tt.payload)))
		})
	}
}

func TestInvokeUnrecognised(t *testing.T) {
	notObject := `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"event not recognised: the payload is not a JSON object` + unrecognisedSuffix + `"}`
	noMarker := answerJSON(t, webhook.Failure("event not recognised: "+noEventFields+unrecognisedSuffix))
	tests := []struct {
		name    string
		payload string
		want    string
	}{
		{"NotJSON", `hello, lambda`, notObject},
		{"Empty", ``, notObject},
		{"Null", `null`, notObject},
		{"Array", `[{"httpMethod":"POST"}]`, notObject},
		{"String", `"CallbackCommand"`, notObject},
		{"TruncatedObject", `{"version":"2.0",`, notObject},
		{"ObjectOfNothingKnown", `{"detail-type":"Scheduled Event","source":"aws.events"}`, noMarker},
		{"OldVersionWithoutHTTPMethod", `{"version":"1.0","requestContext":{}}`, noMarker},
		{"VersionWithoutRequestContext", `{"version":"2.0","rawQueryString":"SdkAppid=1400000001","body":"{}"}`, noMarker},
		{"HTTPMethodWithoutRequestContext", `{"httpMethod":"POST","headers":5}`, noMarker},
		{"NullMarkers", `{"httpMethod":null,"CallbackCommand":null,"requestContext":{"elb":null}}`, noMarker},
	}
	var logs bytes.Buffer
	g := newTestGate(t, &logs, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.JSONEq(t, tt.want, invoke(t, g, []byte(tt.payload)))
		})
	}
	assert.Contains(t, logs.String(), `"msg":"failed","request_id":"`+testRequestID+`","reason":"event not recognised: the payload is not a JSON object"`)
}

// An event with the marks of its kind and a field of the wrong type is that kind, and cannot be
// read: 400 in its response shape, naming the field.
func TestInvokeUnreadable(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    string
	}{
		{"RESTAPIHeadersOfWrongType", `{"httpMethod":"POST","requestContext":{},"headers":5}`,
			proxyAnswer(400, failureAnswer("the API Gateway REST API event (payload 1.0) cannot be read: headers must be a JSON object, not number"))},
		{"HTTPAPIMethodOfWrongType", `{"version":"2.0","requestContext":{"http":{"method":5}}}`,
			proxyAnswer(400, failureAnswer("the API Gateway HTTP API event (payload 2.0) cannot be read: requestContext.http.method must be a JSON string, not number"))},
		{"RESTAPIRequestContextOfWrongType", `{"httpMethod":"POST","requestContext":"elb"}`,
			proxyAnswer(400, failureAnswer("the API Gateway REST API event (payload 1.0) cannot be read: requestContext must be a JSON object, not string"))},
		{"ALBMultiValueHeadersOfWrongType", `{"requestContext":{"elb":{}},"httpMethod":"POST","multiValueHeaders":{"a":"b"}}`,
			`{"statusCode":400,"statusDescription":"400 Bad Request","multiValueHeaders":{"Content-Type":["application/json; charset=utf-8"]},"body":` +
				mustQuote(failureAnswer("the ALB target group event cannot be read: multiValueHeaders must be a JSON array, not string")) + `,"isBase64Encoded":false}`},
	}
	var logs bytes.Buffer
	g := newTestGate(t, &logs, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.JSONEq(t, tt.want, invoke(t, g, []byte(tt.payload)))
		})
	}
}

// The events Lambda's rules do not take get the bare not-recognised answer, whatever fields they
// share with the events it takes; a Tencent API Gateway event is read as the REST API event it
// looks like, and lacks Chat's query.
func TestInvokeRealEvents(t *testing.T) {
	var logs bytes.Buffer
	g := newTestGate(t, &logs, nil)
	for _, e := range realEvents {
		t.Run(filepath.Base(e.File), func(t *testing.T) {
			got := invoke(t, g, testkit.ReadRealEvent(t, e.File))
			if e.Why != "" {
				assert.JSONEq(t, answerJSON(t, webhook.Failure("event not recognised: "+e.Why+unrecognisedSuffix)), got)
				return
			}
			assert.JSONEq(t, proxyMissingSdkAppid, got)
		})
	}
}

func answerJSON(t *testing.T, a webhook.Answer) string {
	t.Helper()
	return string(a.Encode())
}

// A configuration error: the requests subgate decides get the fail mode's answer (closed by
// default), 200 and naming the error; anything else 500 FAIL naming it.
func TestInvokeBrokenConfiguration(t *testing.T) {
	var logs bytes.Buffer
	g := gate.FromEnv(func(string) string { return "" }, &logs)
	require.Error(t, g.Err())
	const problem = `invalid configuration: SUBGATE_SDKAPPID is not set: set it to your app's SDKAppID (digits, from the Chat console)`
	const undecided = `{\"ActionStatus\":\"OK\",\"ErrorCode\":1,\"ErrorInfo\":\"subgate cannot decide: ` + problem + `\"}`
	const info = `subgate is not configured correctly: ` + problem
	otherCommand := bytes.ReplaceAll(fixture(t, "http-api-base64-body.json"), []byte("OfficialAccount.CallbackBeforeAddSubscriber"), []byte("C2C.CallbackBeforeSendMsg"))
	tests := []struct {
		name    string
		payload []byte
		want    string
	}{
		{"HTTPAPIEvent", fixture(t, "http-api-base64-body.json"),
			`{"statusCode":200,"headers":` + headersJSON + `,"body":"` + undecided + `","isBase64Encoded":false}`},
		{"BadBase64IsUndecidedToo", fixture(t, "http-api-bad-base64.json"),
			`{"statusCode":200,"headers":` + headersJSON + `,"body":"` + undecided + `","isBase64Encoded":false}`},
		{"ALBEvent", fixture(t, "alb-webhook.json"),
			`{"statusCode":200,"statusDescription":"200 OK","headers":` + headersJSON + `,"body":"` + undecided + `","isBase64Encoded":false}`},
		{"OtherCommand", otherCommand,
			`{"statusCode":500,"headers":` + headersJSON + `,"body":"{\"ActionStatus\":\"FAIL\",\"ErrorCode\":1,\"ErrorInfo\":\"` + info + `\"}","isBase64Encoded":false}`},
		{"WebhookBody", seedSample(t), strings.ReplaceAll(undecided, `\"`, `"`)},
		{"UnrecognisedPayloadNamesTheConfiguration", []byte("not JSON"), `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"` + info + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.JSONEq(t, tt.want, invoke(t, g, tt.payload))
		})
	}
}

func TestInvokeSignedRequest(t *testing.T) {
	const token = "xxxxyyyy"
	now := time.Unix(1670574414, 0)
	var logs bytes.Buffer
	g := newTestGate(t, &logs, map[string]string{"SUBGATE_TOKEN": token}).WithClock(func() time.Time { return now })
	sample := seedSample(t)
	event := func(query url.Values) []byte {
		payload, err := json.Marshal(map[string]any{
			"version":        "2.0",
			"rawQueryString": query.Encode(),
			"requestContext": map[string]any{"http": map[string]any{"method": "POST"}},
			"body":           string(sample),
		})
		require.NoError(t, err)
		return payload
	}
	base := func() url.Values {
		return url.Values{"SdkAppid": {examplePolicySdkAppID}, "CallbackCommand": {webhook.CommandBeforeAddSubscriber}}
	}
	requestTime := strconv.FormatInt(now.Unix(), 10)
	signed := base()
	signed.Set("RequestTime", requestTime)
	signed.Set("Sign", webhook.Sign(token, requestTime))
	wrongToken := base()
	wrongToken.Set("RequestTime", requestTime)
	wrongToken.Set("Sign", webhook.Sign("another token", requestTime))
	tests := []struct {
		name  string
		query url.Values
		want  string
	}{
		{"Signed", signed, proxyRefusedJared},
		{"NotSigned", base(), `{"statusCode":401,"headers":` + headersJSON + `,"body":"{\"ActionStatus\":\"FAIL\",\"ErrorCode\":1,\"ErrorInfo\":\"request is not authenticated: Sign or RequestTime is missing (a webhook token is configured)\"}","isBase64Encoded":false}`},
		{"WrongToken", wrongToken, `{"statusCode":401,"headers":` + headersJSON + `,"body":"{\"ActionStatus\":\"FAIL\",\"ErrorCode\":1,\"ErrorInfo\":\"request is not authenticated: Sign does not match (check the token set in the Chat console)\"}","isBase64Encoded":false}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.JSONEq(t, tt.want, invoke(t, g, event(tt.query)))
		})
	}
}

func TestInvokeLogsTheLambdaRequestID(t *testing.T) {
	var logs bytes.Buffer
	g := newTestGate(t, &logs, nil)
	logs.Reset() // the start-up line
	invoke(t, g, fixture(t, "http-api-base64-body.json"))
	invoke(t, g, fixture(t, "http-api-bad-base64.json"))
	lines := bytes.Split(bytes.TrimSpace(logs.Bytes()), []byte("\n"))
	require.Len(t, lines, 2)
	for _, line := range lines {
		var entry struct {
			RequestID string `json:"request_id"`
		}
		require.NoError(t, json.Unmarshal(line, &entry))
		assert.Equal(t, testRequestID, entry.RequestID)
	}
	assert.Contains(t, string(lines[1]), `"status":400,"reason":"the API Gateway HTTP API event (payload 2.0) cannot be read: body is marked base64-encoded (isBase64Encoded) but is not valid base64: illegal base64 data at input byte 3"`)
}

func TestInvokeWithoutLambdaContext(t *testing.T) {
	var logs bytes.Buffer
	g := newTestGate(t, &logs, nil)
	out, err := Handler{Gate: g}.Invoke(context.Background(), fixture(t, "http-api-base64-body.json"))
	require.NoError(t, err)
	assert.JSONEq(t, proxyRefusedJared, string(out))
	assert.Contains(t, logs.String(), `"request_id":""`)
}
