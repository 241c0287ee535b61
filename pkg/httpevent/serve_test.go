package httpevent

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/policy"
	"github.com/subgate/subgate/pkg/webhook"
)

const sampleBody = `{"CallbackCommand":"OfficialAccount.CallbackBeforeAddSubscriber","Official_Account":"@TOA#_a",` +
	`"SubscribeAccountList":[{"Subscriber_Account":"jared"},{"Subscriber_Account":"leckie"}]}`

func TestServe(t *testing.T) {
	p, err := policy.Parse([]byte(`deny: ["jared"]`), "test", "")
	require.NoError(t, err)
	var logs bytes.Buffer
	g := gate.New(config.Config{SdkAppID: "1400000001"}, p, gate.NewLogger(&logs, 0))
	query := url.Values{"SdkAppid": {"1400000001"}, "CallbackCommand": {webhook.CommandBeforeAddSubscriber}}
	request := func() gate.Request {
		return gate.Request{Method: http.MethodPost, Query: query, Header: http.Header{}, Body: []byte(sampleBody), RequestID: "r-1"}
	}
	overLimit := request()
	for i := range gate.MaxParams + 1 {
		overLimit.Header.Add("X-Many", fmt.Sprint(i))
	}
	tests := []struct {
		name    string
		req     gate.Request
		readErr error
		status  int
		answer  string
	}{
		{"Served", request(), nil, 200, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["jared"]}`},
		{"Unreadable", request(), errors.New("body must be a JSON string, not number"), 400,
			`{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"the API Gateway event cannot be read: body must be a JSON string, not number"}`},
		{"UnreadableBeforeTheLimits", overLimit, errors.New("bad base64"), 400,
			`{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"the API Gateway event cannot be read: bad base64"}`},
		{"OverTheLimits", overLimit, nil, 400, `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"the headers have more than 1000 values"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs.Reset()
			resp := Serve(t.Context(), g, APIGateway, tt.req, tt.readErr)
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.Equal(t, tt.answer, string(resp.Body))
			assert.Contains(t, logs.String(), `"request_id":"r-1"`)
		})
	}
}

func TestDecode(t *testing.T) {
	type inner struct {
		Method string `json:"method"`
	}
	type event struct {
		Headers map[string]string `json:"headers"`
		HTTP    inner             `json:"http"`
		Epoch   int64             `json:"timeEpoch"`
		Flag    bool              `json:"isBase64Encoded"`
		Cookies []string          `json:"cookies"`
	}
	tests := []struct {
		name    string
		data    string
		field   string
		into    any
		wantErr string
	}{
		{"Fine", `{"headers":{"a":"b"},"http":{"method":"POST"}}`, "", &event{}, ""},
		{"TopLevel", `{"headers":5}`, "", &event{}, "headers must be a JSON object, not number"},
		{"Nested", `{"http":{"method":5}}`, "", &event{}, "http.method must be a JSON string, not number"},
		{"MapValue", `{"headers":{"a":["b"]}}`, "", &event{}, "headers must be a JSON string, not array"}, // encoding/json names the map, not the key
		{"Overflow", `{"timeEpoch":1e400}`, "", &event{}, "timeEpoch must be a JSON number, not number 1e400"},
		{"Boolean", `{"isBase64Encoded":"true"}`, "", &event{}, "isBase64Encoded must be a JSON boolean, not string"},
		{"Array", `{"cookies":"a=b"}`, "", &event{}, "cookies must be a JSON array, not string"},
		{"NamedField", `{"method":5}`, "requestContext.http", &inner{}, "requestContext.http.method must be a JSON string, not number"},
		{"WholeField", `"x"`, "requestContext", &event{}, "requestContext must be a JSON object, not string"},
		{"OtherError", `{"a":1}`, "queryString", &unmarshalFails{}, "queryString: want something else"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Decode([]byte(tt.data), tt.field, tt.into)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tt.wantErr)
		})
	}
}

// unmarshalFails is a field type whose own decoder refuses every value.
type unmarshalFails struct{}

func (*unmarshalFails) UnmarshalJSON([]byte) error { return errors.New("want something else") }

func TestSingleHeaders(t *testing.T) {
	assert.Equal(t, map[string]string{"Content-Type": gate.ContentType, "Vary": "A, B"},
		SingleHeaders(http.Header{"Content-Type": {gate.ContentType}, "Vary": {"A", "B"}}))
	assert.Equal(t, map[string]string{}, SingleHeaders(nil))
}

func TestEncodeDoesNotEscapeHTML(t *testing.T) {
	type response struct {
		StatusCode int               `json:"statusCode"`
		Headers    map[string]string `json:"headers"`
		Body       string            `json:"body"`
	}
	got := Encode(response{StatusCode: 400, Headers: map[string]string{"Content-Type": gate.ContentType},
		Body: string(webhook.Failure("a <b> & c").Encode())})
	assert.Equal(t, `{"statusCode":400,"headers":{"Content-Type":"application/json; charset=utf-8"},`+
		`"body":"{\"ActionStatus\":\"FAIL\",\"ErrorCode\":1,\"ErrorInfo\":\"a <b> & c\"}"}`, string(got))
}
