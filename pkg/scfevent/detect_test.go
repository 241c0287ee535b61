package scfevent

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/subgate/subgate/internal/testkit"
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

// realEvents are events from public sources, taken or refused by SCF's own rules: the package's
// own, and the events no entrypoint takes (testkit.ForeignEvents), which both event packages refuse
// alike.
var realEvents = append([]testkit.RealEvent{
	// Tencent's events.
	{File: "scfevent/testdata/apigw-doc.json", Kind: httpevent.APIGateway},
	{File: "scfevent/testdata/apigw-console-template.json", Kind: httpevent.APIGateway},
	{File: "scfevent/testdata/function-url-doc.json", Kind: httpevent.FunctionURL},
	// Events of AWS's that SCF never sends. An AWS REST API event has the shape of Tencent's API
	// Gateway event, which follows it, and is read as one; the others are not recognised.
	{File: "lambdaevent/testdata/sdk-rest-api.json", Kind: httpevent.APIGateway},
	{File: "lambdaevent/testdata/console-rest-api.json", Kind: httpevent.APIGateway},
	{File: "lambdaevent/testdata/sdk-http-api.json", Why: `an AWS HTTP API or Lambda Function URL event (it has "version": "2.0" and requestContext.http)`},
	{File: "lambdaevent/testdata/console-function-url.json", Why: `an AWS HTTP API or Lambda Function URL event (it has "version": "2.0" and requestContext.http)`},
	{File: "lambdaevent/testdata/console-alb.json", Why: "an AWS ALB target group event (it has requestContext.elb)"},
	{File: "lambdaevent/testdata/sdk-alb-multivalue-headers.json", Why: "an AWS ALB target group event (it has requestContext.elb)"},
}, testkit.ForeignEvents...)

func TestDetectRealEvents(t *testing.T) { testkit.RunDetectRealEvents(t, realEvents, Detect) }
