package lambdaevent

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/pkg/gate"
)

func TestHTTPAPIRequest(t *testing.T) {
	webhookQuery := url.Values{
		"SdkAppid":        {"1400000001"},
		"CallbackCommand": {"OfficialAccount.CallbackBeforeAddSubscriber"},
		"contenttype":     {"json"},
		"ClientIP":        {"203.0.113.7"},
		"OptPlatform":     {"RESTAPI"},
	}
	withSdkAppid := func(values ...string) url.Values {
		q := url.Values{}
		for k, v := range webhookQuery {
			q[k] = v
		}
		q["SdkAppid"] = values
		return q
	}
	const webhookRaw = "SdkAppid=1400000001&CallbackCommand=OfficialAccount.CallbackBeforeAddSubscriber&contenttype=json&ClientIP=203.0.113.7&OptPlatform=RESTAPI"
	plainHeader := http.Header{"Content-Type": {"application/json"}, "Host": {"abcdefghij.execute-api.us-east-1.amazonaws.com"}}
	tests := []struct {
		name    string
		fixture string
		want    gate.Request
	}{
		{"ConsoleTemplateRepeatedKeysFromRawQueryString", "console-http-api.json", gate.Request{
			Method:   "POST",
			Query:    url.Values{"parameter1": {"value1", "value2"}, "parameter2": {"value"}},
			RawQuery: "parameter1=value1&parameter1=value2&parameter2=value",
			Header:   http.Header{"Header1": {"value1"}, "Header2": {"value1,value2"}, "Cookie": {"cookie1; cookie2"}},
			Body:     []byte(`{"test":"body"}`),
		}},
		{"SDKSampleGETWithoutBody", "sdk-http-api.json", gate.Request{
			Method: "GET",
			Query:  url.Values{},
			Header: http.Header{
				"Accept":            {"*/*"},
				"Content-Length":    {"0"},
				"Host":              {"aaaaaaaaaa.execute-api.us-west-2.amazonaws.com"},
				"User-Agent":        {"curl/7.58.0"},
				"X-Amzn-Trace-Id":   {"Root=1-5e9f0c65-1de4d666d4dd26aced652b6c"},
				"X-Forwarded-For":   {"1.2.3.4"},
				"X-Forwarded-Port":  {"443"},
				"X-Forwarded-Proto": {"https"},
			},
			Body: []byte{},
		}},
		{"Base64BodyAndHeaderCase", "http-api-base64-body.json", gate.Request{
			Method: "POST", Query: webhookQuery, RawQuery: webhookRaw, Body: seedSample(t),
			Header: http.Header{"Content-Type": {"application/json"}, "X-Forwarded-For": {"203.0.113.7"}},
		}},
		{"RepeatedSdkAppidKeptApart", "http-api-repeated-sdkappid.json", gate.Request{
			Method: "POST", Query: withSdkAppid("1400000001", "1400000002"), RawQuery: webhookRaw + "&SdkAppid=1400000002", Header: plainHeader, Body: seedSample(t),
		}},
		{"RepeatedSameSdkAppidNotJoined", "http-api-repeated-same-sdkappid.json", gate.Request{
			Method: "POST", Query: withSdkAppid("1400000001", "1400000001"), RawQuery: webhookRaw + "&SdkAppid=1400000001", Header: plainHeader, Body: seedSample(t),
		}},
		{"NoRawQueryStringReadsQueryStringParameters", "http-api-no-raw-query.json", gate.Request{
			Method: "POST", Query: webhookQuery, Header: plainHeader, Body: seedSample(t),
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

func TestHTTPAPIBadBase64(t *testing.T) {
	got, err := translate(t, fixture(t, "http-api-bad-base64.json"))
	require.EqualError(t, err, "body is marked base64-encoded (isBase64Encoded) but is not valid base64: illegal base64 data at input byte 3")
	assert.Equal(t, "POST", got.Method, "the rest of the request is still translated")
	assert.Equal(t, "1400000001", got.Query.Get("SdkAppid"))
	assert.Nil(t, got.Body)
}

func TestQueryV2(t *testing.T) {
	tests := []struct {
		name   string
		raw    string
		params map[string]string
		want   url.Values
	}{
		{"RawWins", "a=1&a=2", map[string]string{"a": "1,2"}, url.Values{"a": {"1", "2"}}},
		{"PercentDecoded", "ClientIP=2001%3Adb8%3A%3A1&x=a+b", nil, url.Values{"ClientIP": {"2001:db8::1"}, "x": {"a b"}}},
		{"BadPairLeftOut", "SdkAppid=1400000001&Sign=%zz", nil, url.Values{"SdkAppid": {"1400000001"}}},
		{"KeyWithoutValue", "flag&a=1", nil, url.Values{"flag": {""}, "a": {"1"}}},
		{"FallbackKeepsCommas", "", map[string]string{"a": "1,2"}, url.Values{"a": {"1,2"}}},
		{"Nothing", "", nil, url.Values{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, queryV2(tt.raw, tt.params))
		})
	}
}
