package lambdaevent

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/pkg/gate"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    Kind
	}{
		{"ConsoleALB", string(fixture(t, "console-alb.json")), KindALB},
		{"SDKALBMultiValue", string(fixture(t, "sdk-alb-multivalue-headers.json")), KindALB},
		{"ConsoleFunctionURL", string(fixture(t, "console-function-url.json")), KindFunctionURL},
		{"ConsoleHTTPAPI", string(fixture(t, "console-http-api.json")), KindHTTPAPI},
		{"SDKHTTPAPI", string(fixture(t, "sdk-http-api.json")), KindHTTPAPI},
		{"ConsoleRESTAPI", string(fixture(t, "console-rest-api.json")), KindRESTAPI},
		{"SDKRESTAPI", string(fixture(t, "sdk-rest-api.json")), KindRESTAPI},
		{"SeedSampleBody", string(seedSample(t)), KindWebhookBody},
		// The order decides events that carry several markers.
		{"ELBBeforeVersion", `{"version":"2.0","httpMethod":"POST","requestContext":{"elb":{}}}`, KindALB},
		{"VersionBeforeHTTPMethod", `{"version":"2.0","httpMethod":"POST","requestContext":{"domainName":"x.lambda-url.eu-west-1.on.aws"}}`, KindFunctionURL},
		{"HTTPMethodBeforeCallbackCommand", `{"httpMethod":"POST","CallbackCommand":"OfficialAccount.CallbackBeforeAddSubscriber"}`, KindRESTAPI},
		{"VersionWithoutRequestContext", `{"version":"2.0"}`, KindHTTPAPI},
		{"LambdaURLOnlyInDomainName", `{"version":"2.0","requestContext":{"domainPrefix":"x.lambda-url.","domainName":"api.example.com"}}`, KindHTTPAPI},
		{"RequestContextNotAnObject", `{"requestContext":"elb","httpMethod":"POST"}`, KindRESTAPI},
		{"VersionNotAString", `{"version":2.0,"CallbackCommand":"x"}`, KindWebhookBody},
		{"NullMarkers", `{"requestContext":{"elb":null},"httpMethod":null,"CallbackCommand":null}`, KindUnrecognised},
		{"NotJSON", `POST / HTTP/1.1`, KindUnrecognised},
		{"JSONArray", `[]`, KindUnrecognised},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Detect([]byte(tt.payload)))
		})
	}
}

// translate detects and decodes an HTTP event and returns the gate request it becomes.
func translate(t *testing.T, payload []byte) (gate.Request, error) {
	t.Helper()
	event, err := decodeHTTPEvent(Detect(payload), payload)
	require.NoError(t, err)
	return event.request()
}
