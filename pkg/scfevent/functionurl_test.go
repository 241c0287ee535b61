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

func TestFunctionURLRequest(t *testing.T) {
	sampleHeader := http.Header{"Content-Type": {"application/json"}, "X-Scf-Remote-Addr": {"203.0.113.7"}}
	tests := []struct {
		name      string
		fixture   string
		want      gate.Request
		wantError string
	}{
		{
			name:    "DocumentedSample",
			fixture: "function-url-doc.json",
			want: gate.Request{
				Method: "POST",
				Query:  url.Values{"a": {"1"}, "b": {"2"}},
				Header: http.Header{
					"Accept":            {"*/*"},
					"Accept-Encoding":   {"gzip, deflate, br"},
					"Cache-Control":     {"no-cache"},
					"Connection":        {"keep-alive"},
					"Content-Length":    {"17"},
					"X-Scf-Remote-Addr": {"111.206.96.145"},
				},
				Body:      []byte(`{"test":"hello world"}`),
				RequestID: "scf-1",
			},
		},
		{
			name:    "WebhookSample",
			fixture: "function-url-sample.json",
			want:    gate.Request{Method: "POST", Query: sampleQuery, Header: sampleHeader, Body: []byte(sampleBody), RequestID: "scf-1"},
		},
		{
			name:    "Base64Body",
			fixture: "function-url-base64.json",
			want:    gate.Request{Method: "POST", Query: sampleQuery, Header: sampleHeader, Body: []byte(sampleBody), RequestID: "scf-1"},
		},
		{
			name:    "NumericQueryValue",
			fixture: "function-url-query-number.json",
			want:    gate.Request{Method: "POST", Query: sampleQuery, Header: sampleHeader, Body: []byte(sampleBody), RequestID: "scf-1"},
		},
		{
			name:      "BodyNotAString",
			fixture:   "function-url-body-number.json",
			wantError: "body must be a JSON string, not number",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := decodeFunctionURL(fields(t, tt.fixture, httpevent.FunctionURL))
			var got gate.Request
			if err == nil {
				got, err = e.Request("scf-1")
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

func TestFunctionURLRequestWithoutQueryOrHeaders(t *testing.T) {
	kind, f, _ := detect([]byte(`{"httpMethod":"POST"}`))
	require.Equal(t, httpevent.FunctionURL, kind)
	e, err := decodeFunctionURL(f)
	require.NoError(t, err)
	got, err := e.Request("")
	require.NoError(t, err)
	assert.Equal(t, gate.Request{Method: "POST", Query: url.Values{}, Header: http.Header{}, Body: []byte{}}, got)
}

func TestNewFunctionURLResponse(t *testing.T) {
	got := httpevent.Encode(NewFunctionURLResponse(gate.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {gate.ContentType}},
		Body:       []byte(answerRefusedJared),
	}))
	assert.JSONEq(t, `{"statusCode":200,"headers":{"Content-Type":"application/json; charset=utf-8"},`+
		`"body":"{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"ErrorInfo\":\"\",\"RefusedSubscribers_Account\":[\"jared\"]}"}`, string(got))
}
