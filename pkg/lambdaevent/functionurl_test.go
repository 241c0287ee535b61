package lambdaevent

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/pkg/gate"
)

func TestFunctionURLRequest(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		want    gate.Request
	}{
		{"ConsoleTemplate", "console-function-url.json", gate.Request{
			Method:   "POST",
			Query:    url.Values{"parameter1": {"value1", "value2"}, "parameter2": {"value"}},
			RawQuery: "parameter1=value1&parameter1=value2&parameter2=value",
			Header:   http.Header{"Header1": {"value1"}, "Header2": {"value1,value2"}, "Cookie": {"cookie1; cookie2"}},
			Body:     []byte("Hello from client!"),
		}},
		{"WebhookWithBase64Body", "function-url-webhook.json", gate.Request{
			Method: "POST",
			Query: url.Values{
				"SdkAppid":        {"1400000001"},
				"CallbackCommand": {"OfficialAccount.CallbackBeforeAddSubscriber"},
				"contenttype":     {"json"},
				"ClientIP":        {"203.0.113.7"},
				"OptPlatform":     {"RESTAPI"},
			},
			RawQuery: "SdkAppid=1400000001&CallbackCommand=OfficialAccount.CallbackBeforeAddSubscriber&contenttype=json&ClientIP=203.0.113.7&OptPlatform=RESTAPI",
			Header:   http.Header{"Content-Type": {"application/json"}, "Host": {"abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws"}},
			Body:     seedSample(t),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := translate(t, fixture(t, tt.fixture))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
