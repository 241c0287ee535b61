package lambdaevent

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/testkit"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/httpevent"
	"github.com/subgate/subgate/pkg/webhook"
)

const (
	sampleQuery   = "SdkAppid=1400000001&CallbackCommand=OfficialAccount.CallbackBeforeAddSubscriber&contenttype=json&ClientIP=203.0.113.7&OptPlatform=RESTAPI"
	otherCommand  = "SdkAppid=1400000001&CallbackCommand=Group.CallbackAfterSendMsg&contenttype=json"
	answerProceed = `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`
	answerFault   = `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"internal error in subgate; see its log"}`
)

// httpAPIPayload returns an HTTP API event (payload 2.0) posting body with the raw query string.
func httpAPIPayload(t testing.TB, rawQuery string, header map[string]string, body string, isBase64 bool) []byte {
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

// platform is this package's side of the contracts both event packages keep (internal/testkit):
// HTTP API events (what a Function URL or an HTTP API sends, with base64 bodies) and ALB events.
func platform() testkit.EventPlatform {
	header := map[string]string{"Content-Type": gate.ContentType}
	return testkit.EventPlatform{
		Kinds: []testkit.EventKind{
			{Name: "HTTPAPI", Base64: true, Event: httpAPIPayload, Answer: proxyAnswer},
			{Name: "ALB", Event: albPayload, Answer: func(status int, answer string) string {
				return string(httpevent.Encode(albResponse{StatusCode: status, StatusDescription: fmt.Sprintf("%d %s", status, http.StatusText(status)), Headers: header, Body: answer}))
			}},
		},
		Handler: func(g *gate.Gate) func(context.Context, []byte) ([]byte, error) { return Handler{Gate: g}.Invoke },
		Context: func(id string) context.Context {
			return lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: id})
		},
		Gate: newTestGate,
	}
}

// albPayload is an ALB target group event posting body with the query string rawQuery.
func albPayload(t testing.TB, rawQuery string, header map[string]string, body string, isBase64 bool) []byte {
	t.Helper()
	query := map[string]string{}
	for _, kv := range strings.Split(rawQuery, "&") {
		k, v, _ := strings.Cut(kv, "=")
		query[k] = v // as ALB passes them: not unescaped
	}
	out, err := json.Marshal(events.ALBTargetGroupRequest{
		HTTPMethod: http.MethodPost, QueryStringParameters: query, Headers: header, Body: body, IsBase64Encoded: isBase64,
		RequestContext: events.ALBTargetGroupRequestContext{ELB: events.ELBContext{TargetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/t/1"}},
	})
	require.NoError(t, err)
	return out
}

func TestInvokeRecoversPanics(t *testing.T) { testkit.RunPanics(t, platform()) }

func TestInvokeAnswersBeforeTheDeadline(t *testing.T) { testkit.RunDeadline(t, platform()) }

func mustQuote(s string) string {
	out, _ := json.Marshal(s)
	return string(out)
}

// TestInvokeLimits: the limits of the contract (testkit.RunLimits), and of the REST API's
// multi-value query.
func TestInvokeLimits(t *testing.T) {
	testkit.RunLimits(t, platform())

	manyMulti := map[string][]string{"SdkAppid": {"1400000001"}, "CallbackCommand": {webhook.CommandBeforeAddSubscriber}}
	for i := range 10000 {
		manyMulti[fmt.Sprint("k", i)] = []string{"v"}
	}
	restEvent, err := json.Marshal(events.APIGatewayProxyRequest{HTTPMethod: http.MethodPost, MultiValueQueryStringParameters: manyMulti, Body: testkit.SampleBody})
	require.NoError(t, err)
	var logs bytes.Buffer
	assert.JSONEq(t, proxyAnswer(400, failureAnswer("the query string has more than 1000 parameters")), invoke(t, newTestGate(t, &logs, nil), restEvent))
}
