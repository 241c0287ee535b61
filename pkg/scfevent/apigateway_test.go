package scfevent

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/httpevent"
)

var sampleQuery = url.Values{
	"SdkAppid":        {"1400000001"},
	"CallbackCommand": {"OfficialAccount.CallbackBeforeAddSubscriber"},
	"contenttype":     {"json"},
	"ClientIP":        {"203.0.113.7"},
	"OptPlatform":     {"RESTAPI"},
}

func withQuery(key string, values ...string) url.Values {
	q := url.Values{}
	for k, v := range sampleQuery {
		q[k] = v
	}
	q[key] = values
	return q
}

func TestAPIGatewayRequest(t *testing.T) {
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	tests := []struct {
		name      string
		fixture   string
		scfID     string
		want      gate.Request
		wantError string
	}{
		{
			name:    "DocumentedSample",
			fixture: "apigw-doc.json",
			scfID:   "scf-1",
			want: gate.Request{
				Method: "POST",
				Query:  url.Values{"foo": {"bar"}, "bob": {"alice"}},
				Header: http.Header{
					"Accept-Language": {"en-US,en,cn"},
					"Accept":          {"text/html,application/xml,application/json"},
					"Host":            {"service-3ei3tii4-251000691.ap-guangzhou.apigateway.myqloud.com"},
					"User-Agent":      {"User Agent String"},
				},
				Body:      []byte(`{"test":"body"}`),
				RequestID: "scf-1",
			},
		},
		{
			name:    "ConsoleTemplate",
			fixture: "apigw-console-template.json",
			want: gate.Request{
				Method: "POST",
				Query:  url.Values{"foo": {"bar"}, "bob": {"alice"}},
				Header: http.Header{
					"Accept-Language": {"en-US,en,cn"},
					"Accept":          {"text/html,application/xml,application/json"},
					"Host":            {"service-3ei3tii4-251000691.ap-guangzhou.apigateway.myqloud.com"},
					"User-Agent":      {"User Agent String"},
				},
				Body:      []byte(`{{body}}`),
				RequestID: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
			},
		},
		{
			name:    "RepeatedKeyAsArrayKeepsEveryValue",
			fixture: "apigw-query-array-conflict.json",
			want:    gate.Request{Method: "POST", Query: withQuery("SdkAppid", "1400000001", "1400000002"), Header: jsonHeader, Body: []byte(sampleBody), RequestID: "apigw-req-1"},
		},
		{
			name:    "KeyWithoutValueAsTrue",
			fixture: "apigw-query-true.json",
			want:    gate.Request{Method: "POST", Query: withQuery("debug", ""), Header: jsonHeader, Body: []byte(sampleBody), RequestID: "apigw-req-1"},
		},
		{
			name:    "HeaderNamesInAnyCase",
			fixture: "apigw-headers-mixed-case.json",
			want: gate.Request{
				Method: "POST",
				Query:  sampleQuery,
				Header: http.Header{
					"Content-Type":    {"application/json"},
					"X-Forwarded-For": {"203.0.113.7"},
					"User-Agent":      {"Tencent-IM-Webhook"},
					"Accept":          {"application/json", "*/*"},
				},
				Body:      []byte(sampleBody),
				RequestID: "apigw-req-1",
			},
		},
		{
			name:    "NoRequestIDUsesTheSCFOne",
			fixture: "apigw-no-request-id.json",
			scfID:   "scf-2",
			want:    gate.Request{Method: "POST", Query: sampleQuery, Header: jsonHeader, Body: []byte(sampleBody), RequestID: "scf-2"},
		},
		{
			name:    "NoRequestIDAtAll",
			fixture: "apigw-no-request-id.json",
			want:    gate.Request{Method: "POST", Query: sampleQuery, Header: jsonHeader, Body: []byte(sampleBody)},
		},
		{
			name:    "Base64AsBoolean",
			fixture: "apigw-base64-bool.json",
			want:    gate.Request{Method: "POST", Query: sampleQuery, Header: jsonHeader, Body: []byte(sampleBody), RequestID: "apigw-req-1"},
		},
		{
			name:    "Base64AsStringTrue",
			fixture: "apigw-base64-string-true.json",
			want:    gate.Request{Method: "POST", Query: sampleQuery, Header: jsonHeader, Body: []byte(sampleBody), RequestID: "apigw-req-1"},
		},
		{
			name:    "Base64AsStringFalse",
			fixture: "apigw-base64-string-false.json",
			want:    gate.Request{Method: "POST", Query: sampleQuery, Header: jsonHeader, Body: []byte(sampleBody), RequestID: "apigw-req-1"},
		},
		{
			name:    "QueryStringParametersWhenNoQueryString",
			fixture: "apigw-query-parameters-only.json",
			want:    gate.Request{Method: "POST", Query: sampleQuery, Header: jsonHeader, Body: []byte(sampleBody), RequestID: "apigw-req-1"},
		},
		{
			name:    "MethodFromRequestContext",
			fixture: "apigw-method-in-context.json",
			want:    gate.Request{Method: "POST", Query: sampleQuery, Header: jsonHeader, Body: []byte(sampleBody), RequestID: "apigw-req-1"},
		},
		{
			name:      "BadBase64",
			fixture:   "apigw-base64-bad.json",
			wantError: "body is marked base64-encoded (isBase64Encoded) but is not valid base64: illegal base64 data at input byte 3",
		},
		{
			name:      "QueryValueObject",
			fixture:   "apigw-query-object.json",
			wantError: `queryString: value of "SdkAppid": want a string, an array of strings or true, not an object`,
		},
		{
			name:      "Base64FlagNotABoolean",
			fixture:   "apigw-base64-flag-bad.json",
			wantError: `isBase64Encoded: want true or false, not "yes please"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := decodeAPIGateway(fields(t, tt.fixture, httpevent.APIGateway))
			var got gate.Request
			if err == nil {
				got, err = e.Request(tt.scfID)
			}
			if tt.wantError != "" {
				require.EqualError(t, err, tt.wantError)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestNewAPIGatewayResponse(t *testing.T) {
	got := httpevent.Encode(NewAPIGatewayResponse(gate.Response{
		StatusCode: http.StatusForbidden,
		Header:     http.Header{"Content-Type": {gate.ContentType}},
		Body:       []byte(`{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"<&>"}`),
	}))
	assert.JSONEq(t, `{"isBase64Encoded":false,"statusCode":403,"headers":{"Content-Type":"application/json; charset=utf-8"},`+
		`"body":"{\"ActionStatus\":\"FAIL\",\"ErrorCode\":1,\"ErrorInfo\":\"<&>\"}"}`, string(got))
	assert.Contains(t, string(got), `<&>`, "answers are not HTML-escaped")
}
