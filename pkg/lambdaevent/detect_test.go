package lambdaevent

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/testkit"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/httpevent"
)

const noEventFields = `a JSON object without the fields of any event subgate takes ` +
	`(requestContext.elb; "version": "2.0" with requestContext.http; httpMethod with requestContext; CallbackCommand)`

func TestDetect(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    httpevent.Kind
		wantWhy string
	}{
		{"ConsoleALB", string(fixture(t, "console-alb.json")), httpevent.ALB, ""},
		{"SDKALBMultiValue", string(fixture(t, "sdk-alb-multivalue-headers.json")), httpevent.ALB, ""},
		{"ConsoleFunctionURL", string(fixture(t, "console-function-url.json")), httpevent.FunctionURL, ""},
		{"ConsoleHTTPAPI", string(fixture(t, "console-http-api.json")), httpevent.HTTPAPI, ""},
		{"SDKHTTPAPI", string(fixture(t, "sdk-http-api.json")), httpevent.HTTPAPI, ""},
		{"ConsoleRESTAPI", string(fixture(t, "console-rest-api.json")), httpevent.RESTAPI, ""},
		{"SDKRESTAPI", string(fixture(t, "sdk-rest-api.json")), httpevent.RESTAPI, ""},
		{"SeedSampleBody", string(seedSample(t)), httpevent.WebhookBody, ""},
		// The order decides events that carry several marks.
		{"ELBBeforeVersion", `{"version":"2.0","httpMethod":"POST","requestContext":{"elb":{},"http":{}}}`, httpevent.ALB, ""},
		{"VersionBeforeHTTPMethod", `{"version":"2.0","httpMethod":"POST","requestContext":{"http":{},"domainName":"x.lambda-url.eu-west-1.on.aws"}}`, httpevent.FunctionURL, ""},
		{"HTTPMethodBeforeCallbackCommand", `{"httpMethod":"POST","requestContext":{},"CallbackCommand":"OfficialAccount.CallbackBeforeAddSubscriber"}`, httpevent.RESTAPI, ""},
		{"ForeignBeforeAll", `{"httpMethod":"POST","requestContext":{"elb":{}},"CallbackCommand":"x","routeArn":"arn"}`, "",
			"an API Gateway Lambda authorizer event (it has routeArn)"},
		// Each kind by both of its marks, never by one alone.
		{"VersionAlone", `{"version":"2.0"}`, "", noEventFields},
		{"VersionWithoutHTTP", `{"version":"2.0","requestContext":{"requestId":"r"},"body":"{}"}`, "", noEventFields},
		{"HTTPWithoutVersion", `{"requestContext":{"http":{"method":"POST"}}}`, "", noEventFields},
		{"HTTPMethodAlone", `{"httpMethod":"POST","headers":5}`, "", noEventFields},
		{"SCFFunctionURLEvent", `{"httpMethod":"POST","path":"/","queryString":{"SdkAppid":"1400000001"},"body":"{}"}`, "", noEventFields},
		{"RequestContextAlone", `{"requestContext":{"requestId":"r"}}`, "", noEventFields},
		{"LambdaURLOnlyInDomainPrefix", `{"version":"2.0","requestContext":{"http":{},"domainPrefix":"x.lambda-url.","domainName":"api.example.com"}}`, httpevent.HTTPAPI, ""},
		{"RequestContextNotAnObject", `{"requestContext":"elb","httpMethod":"POST"}`, httpevent.RESTAPI, ""},
		{"VersionNotAString", `{"version":2.0,"requestContext":{"http":{}},"CallbackCommand":"x"}`, httpevent.WebhookBody, ""},
		{"NullMarks", `{"requestContext":{"elb":null},"httpMethod":null,"CallbackCommand":null}`, "", noEventFields},
		{"NotJSON", `POST / HTTP/1.1`, "", "the payload is not a JSON object"},
		{"JSONArray", `[]`, "", "the payload is not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, why := detect([]byte(tt.payload))
			if tt.wantWhy != "" {
				assert.Equal(t, httpevent.Unrecognised, kind)
			} else {
				assert.Equal(t, tt.want, kind)
			}
			assert.Equal(t, tt.wantWhy, why)
			assert.Equal(t, kind, Detect([]byte(tt.payload)))
		})
	}
}

// realEvents are events from public sources that Lambda's rules take or refuse: the package's own,
// and the events no entrypoint takes (testkit.ForeignEvents), which both event packages refuse
// alike.
var realEvents = append([]testkit.RealEvent{
	// SCF's events. A Tencent API Gateway event has the shape of an AWS REST API event, which it
	// follows, and is read as one; a Tencent Function URL event has no requestContext.
	{File: "scfevent/testdata/apigw-doc.json", Kind: httpevent.RESTAPI},
	{File: "scfevent/testdata/apigw-console-template.json", Kind: httpevent.RESTAPI},
	{File: "scfevent/testdata/function-url-doc.json", Why: noEventFields},
}, testkit.ForeignEvents...)

func TestDetectRealEvents(t *testing.T) { testkit.RunDetectRealEvents(t, realEvents, detect) }

// translate detects and decodes an HTTP event and returns the gate request it becomes.
func translate(t *testing.T, payload []byte) (gate.Request, error) {
	t.Helper()
	event, err := decodeHTTPEvent(Detect(payload), payload)
	require.NoError(t, err)
	return event.request()
}
