package scfevent

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/pkg/httpevent"
)

const noneOfTheFields = "the payload has none of requestContext, httpMethod or CallbackCommand"

func TestDetect(t *testing.T) {
	tests := []struct {
		name     string
		payload  string
		wantKind httpevent.Kind
		wantWhy  string
	}{
		{name: "APIGateway", payload: `{"requestContext":{},"httpMethod":"POST"}`, wantKind: httpevent.APIGateway},
		{name: "APIGatewayWithoutMethod", payload: `{"requestContext":{"requestId":"x"}}`, wantKind: httpevent.APIGateway},
		{name: "APIGatewayContextOfWrongType", payload: `{"requestContext":"x","httpMethod":"POST"}`, wantKind: httpevent.APIGateway},
		{name: "FunctionURL", payload: `{"httpMethod":"POST","path":"/"}`, wantKind: httpevent.FunctionURL},
		{name: "FunctionURLWithNullRequestContext", payload: `{"requestContext":null,"httpMethod":"POST"}`, wantKind: httpevent.FunctionURL},
		{name: "WebhookBody", payload: `{"CallbackCommand":"OfficialAccount.CallbackBeforeAddSubscriber"}`, wantKind: httpevent.WebhookBody},
		{name: "WebhookBodyAnyCommand", payload: ` {"CallbackCommand":"C2C.CallbackAfterSendMsg"} `, wantKind: httpevent.WebhookBody},
		// The order decides events that carry several marks.
		{name: "RequestContextBeforeHTTPMethod", payload: `{"httpMethod":"POST","requestContext":{},"CallbackCommand":"x"}`, wantKind: httpevent.APIGateway},
		{name: "HTTPMethodBeforeCallbackCommand", payload: `{"httpMethod":"POST","CallbackCommand":"x"}`, wantKind: httpevent.FunctionURL},
		{name: "ForeignBeforeAll", payload: `{"httpMethod":"POST","requestContext":{},"CallbackCommand":"x","methodArn":"arn"}`,
			wantWhy: "an API Gateway Lambda authorizer event (it has methodArn)"},
		{name: "AWSALB", payload: `{"requestContext":{"elb":{}},"httpMethod":"POST"}`, wantWhy: "an AWS ALB target group event (it has requestContext.elb)"},
		{name: "AWSPayload2", payload: `{"version":"2.0","requestContext":{"http":{"method":"POST"}}}`,
			wantWhy: `an AWS HTTP API or Lambda Function URL event (it has "version": "2.0" and requestContext.http)`},
		{name: "Empty", payload: ``, wantWhy: "the payload is empty"},
		{name: "Blank", payload: " \n", wantWhy: "the payload is empty"},
		{name: "NotJSON", payload: `SdkAppid=1400000001`, wantWhy: "the payload is not JSON"},
		{name: "TruncatedJSON", payload: `{"httpMethod":"POST"`, wantWhy: "the payload is not JSON"},
		{name: "Array", payload: `[{"httpMethod":"POST"}]`, wantWhy: "the payload is JSON but not an object"},
		{name: "String", payload: `"hello"`, wantWhy: "the payload is JSON but not an object"},
		{name: "Null", payload: `null`, wantWhy: "the payload is JSON but not an object"},
		{name: "OtherObject", payload: `{"key1":"value1"}`, wantWhy: noneOfTheFields},
		{name: "NullFieldsOnly", payload: `{"httpMethod":null,"CallbackCommand":null}`, wantWhy: noneOfTheFields},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, why := Detect([]byte(tt.payload))
			if tt.wantWhy != "" {
				assert.Equal(t, httpevent.Unrecognised, kind)
			} else {
				assert.Equal(t, tt.wantKind, kind)
			}
			assert.Equal(t, tt.wantWhy, why)
		})
	}
}

// realEvents are events from public sources, taken or refused by SCF's own rules.
var realEvents = []struct {
	file     string // under pkg/
	wantKind httpevent.Kind
	wantWhy  string
}{
	// Tencent's events.
	{"scfevent/testdata/apigw-doc.json", httpevent.APIGateway, ""},
	{"scfevent/testdata/apigw-console-template.json", httpevent.APIGateway, ""},
	{"scfevent/testdata/function-url-doc.json", httpevent.FunctionURL, ""},
	// Events of AWS's that SCF never sends. An AWS REST API event has the shape of Tencent's API
	// Gateway event, which follows it, and is read as one; the others are not recognised.
	{"lambdaevent/testdata/sdk-rest-api.json", httpevent.APIGateway, ""},
	{"lambdaevent/testdata/console-rest-api.json", httpevent.APIGateway, ""},
	{"lambdaevent/testdata/sdk-http-api.json", "", `an AWS HTTP API or Lambda Function URL event (it has "version": "2.0" and requestContext.http)`},
	{"lambdaevent/testdata/console-function-url.json", "", `an AWS HTTP API or Lambda Function URL event (it has "version": "2.0" and requestContext.http)`},
	{"lambdaevent/testdata/console-alb.json", "", "an AWS ALB target group event (it has requestContext.elb)"},
	{"lambdaevent/testdata/sdk-alb-multivalue-headers.json", "", "an AWS ALB target group event (it has requestContext.elb)"},
	// Events no entrypoint takes (httpevent/testdata/foreign/README.md says where each is from).
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

func readRealEvent(t *testing.T, file string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(file)))
	require.NoError(t, err)
	return data
}

func TestDetectRealEvents(t *testing.T) {
	foreign, err := filepath.Glob(filepath.Join("..", "httpevent", "testdata", "foreign", "*.json"))
	require.NoError(t, err)
	listed := 0
	for _, e := range realEvents {
		if filepath.Dir(e.file) == "httpevent/testdata/foreign" {
			listed++
		}
	}
	require.Equal(t, len(foreign), listed, "every event of httpevent/testdata/foreign is checked here")
	for _, e := range realEvents {
		t.Run(filepath.Base(e.file), func(t *testing.T) {
			kind, why := Detect(readRealEvent(t, e.file))
			if e.wantWhy != "" {
				assert.Equal(t, httpevent.Unrecognised, kind)
			} else {
				assert.Equal(t, e.wantKind, kind)
			}
			assert.Equal(t, e.wantWhy, why)
		})
	}
}
