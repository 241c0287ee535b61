package lambdaevent

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/pkg/gate"
)

func TestALBRequest(t *testing.T) {
	webhookQuery := url.Values{
		"SdkAppid":        {"1400000001"},
		"CallbackCommand": {"OfficialAccount.CallbackBeforeAddSubscriber"}, // sent as OfficialAccount%2ECallback...
		"contenttype":     {"json"},
		"ClientIP":        {"2001:db8::1"}, // sent as 2001%3Adb8%3A%3A1
		"OptPlatform":     {"RESTAPI"},
	}
	webhookHeader := http.Header{"Content-Type": {"application/json"}, "Host": {"subgate-123.us-east-1.elb.amazonaws.com"}}
	tests := []struct {
		name    string
		fixture string
		want    gate.Request
	}{
		{"SingleValueDecodesQuery", "alb-webhook.json", gate.Request{Method: "POST", Query: webhookQuery, Header: webhookHeader, Body: seedSample(t)}},
		{"MultiValueDecodesQueryAndBase64", "alb-multivalue-webhook.json", gate.Request{Method: "POST", Query: webhookQuery, Header: webhookHeader, Body: seedSample(t)}},
		{"ConsoleTemplate", "console-alb.json", gate.Request{
			Method: "POST",
			Query:  url.Values{"query": {"1234ABCD"}},
			Header: http.Header{
				"Accept":                    {"text/html,application/xhtml+xml,application/xml;q=0.9,image/webp,image/apng,*/*;q=0.8"},
				"Accept-Encoding":           {"gzip"},
				"Accept-Language":           {"en-US,en;q=0.9"},
				"Connection":                {"keep-alive"},
				"Host":                      {"lambda-alb-123578498.us-east-2.elb.amazonaws.com"},
				"Upgrade-Insecure-Requests": {"1"},
				"User-Agent":                {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/71.0.3578.98 Safari/537.36"},
				"X-Amzn-Trace-Id":           {"Root=1-5c536348-3d683b8b04734faae651f476"},
				"X-Forwarded-For":           {"72.12.164.125"},
				"X-Forwarded-Port":          {"80"},
				"X-Forwarded-Proto":         {"http"},
				"X-Imforwards":              {"20"},
			},
			Body: []byte(`{"test":"body"}`),
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

func TestALBMultiValueFields(t *testing.T) {
	got, err := translate(t, fixture(t, "sdk-alb-multivalue-headers.json"))
	require.NoError(t, err)
	assert.Equal(t, "GET", got.Method)
	assert.Equal(t, url.Values{"key": {"hello"}}, got.Query)
	assert.Equal(t, []string{"123"}, got.Header.Values("X-Myheader"))
	assert.Empty(t, got.Body)
}

func TestUnescapeQuery(t *testing.T) {
	tests := []struct {
		name  string
		query url.Values
		want  url.Values
	}{
		{"PercentAndPlus", url.Values{"Client%49P": {"a+b%2Cc"}}, url.Values{"ClientIP": {"a b,c"}}},
		{"InvalidEscapeKeptAsSent", url.Values{"k": {"100%", "%zz"}}, url.Values{"k": {"100%", "%zz"}}},
		{"KeysThatDecodeAlikeMerge", url.Values{"SdkAppid": {"1"}, "Sdk%41ppid": {"2"}}, url.Values{"SdkAppid": {"1", "2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := unescapeQuery(tt.query)
			for k := range got {
				// Map order decides the order of merged values; compare them as sets.
				assert.ElementsMatch(t, tt.want[k], got[k])
			}
			assert.Len(t, got, len(tt.want))
		})
	}
}
