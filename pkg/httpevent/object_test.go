package httpevent

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseObject(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		wantErr error
	}{
		{"Object", ` {"a":1} `, nil},
		{"EmptyObject", `{}`, nil},
		{"Empty", ``, ErrEmpty},
		{"Blank", " \n\t", ErrEmpty},
		{"NotJSON", `SdkAppid=1400000001`, ErrNotJSON},
		{"Truncated", `{"httpMethod":"POST"`, ErrNotJSON},
		{"ByteOrderMark", "\xef\xbb\xbf{}", ErrNotJSON},
		{"Array", `[{"httpMethod":"POST"}]`, ErrNotObject},
		{"String", `"CallbackCommand"`, ErrNotObject},
		{"Null", `null`, ErrNotObject},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := ParseObject([]byte(tt.payload))
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Nil(t, o)
				return
			}
			require.NoError(t, err)
			assert.NotNil(t, o)
		})
	}
}

func TestObjectFields(t *testing.T) {
	o, err := ParseObject([]byte(`{"s":"x","n":5,"null":null,"o":{"inner":"y"},"a":[]}`))
	require.NoError(t, err)
	assert.True(t, o.Has("s"))
	assert.True(t, o.Has("a"))
	assert.False(t, o.Has("null"), "null is absent")
	assert.False(t, o.Has("missing"))
	assert.Equal(t, "x", o.String("s"))
	assert.Equal(t, "", o.String("n"), "not a string")
	assert.Equal(t, "y", o.Object("o").String("inner"))
	assert.Nil(t, o.Object("s"), "not an object")
	assert.Nil(t, o.Object("missing"))
	assert.False(t, o.Object("missing").Has("x"), "a missing object has no fields")
}

func TestMarks(t *testing.T) {
	tests := []struct {
		name                       string
		payload                    string
		alb, payload2, webhookBody bool
	}{
		{"ALB", `{"requestContext":{"elb":{"targetGroupArn":"arn"}},"httpMethod":"POST"}`, true, false, false},
		{"ELBNull", `{"requestContext":{"elb":null}}`, false, false, false},
		{"Payload2", `{"version":"2.0","requestContext":{"http":{"method":"POST"}}}`, false, true, false},
		{"VersionAlone", `{"version":"2.0"}`, false, false, false},
		{"VersionNotAString", `{"version":2.0,"requestContext":{"http":{}}}`, false, false, false},
		{"HTTPWithoutVersion", `{"requestContext":{"http":{"method":"POST"}}}`, false, false, false},
		{"WebhookBody", `{"CallbackCommand":"x"}`, false, false, true},
		{"CallbackCommandNull", `{"CallbackCommand":null}`, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := ParseObject([]byte(tt.payload))
			require.NoError(t, err)
			assert.Equal(t, tt.alb, IsALB(o.Context()), "IsALB")
			assert.Equal(t, tt.payload2, IsPayload2(o, o.Context()), "IsPayload2")
			assert.Equal(t, tt.webhookBody, IsWebhookBody(o), "IsWebhookBody")
		})
	}
}

// foreignEvents are the real payloads of testdata/foreign (see its README), by file name.
func foreignEvents(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "foreign", "*.json"))
	require.NoError(t, err)
	require.Len(t, files, 12)
	events := map[string][]byte{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		events[filepath.Base(f)] = data
	}
	return events
}

func TestForeignRealEvents(t *testing.T) {
	const (
		authorizerMethodArn = "an API Gateway Lambda authorizer event (it has methodArn)"
		authorizerRouteArn  = "an API Gateway Lambda authorizer event (it has routeArn)"
		webSocketAWS        = "an API Gateway WebSocket event (it has requestContext.connectionId)"
		webSocketTencent    = "an API Gateway WebSocket event (it has websocket)"
		bedrock             = "a Bedrock agent event (it has messageVersion and agent)"
	)
	want := map[string]string{
		"rest-api-token-authorizer.json":       authorizerMethodArn,
		"rest-api-request-authorizer.json":     authorizerMethodArn,
		"http-api-authorizer-payload-1.0.json": authorizerMethodArn,
		"http-api-authorizer-payload-2.0.json": authorizerRouteArn,
		"websocket-connect-sdk.json":           webSocketAWS,
		"websocket-connect.json":               webSocketAWS,
		"websocket-message.json":               webSocketAWS,
		"websocket-disconnect.json":            webSocketAWS,
		"tencent-websocket-connecting.json":    webSocketTencent,
		"bedrock-agent-api-post.json":          bedrock,
		"bedrock-agent-api-get.json":           bedrock,
		"bedrock-agent-function.json":          bedrock,
	}
	for name, payload := range foreignEvents(t) {
		t.Run(name, func(t *testing.T) {
			o, err := ParseObject(payload)
			require.NoError(t, err)
			assert.Equal(t, want[name], Foreign(o, o.Context()))
		})
	}
}

func TestForeignLeavesTheEventsSubgateTakes(t *testing.T) {
	for _, payload := range []string{
		`{"CallbackCommand":"OfficialAccount.CallbackBeforeAddSubscriber","Official_Account":"@TOA#_a","SubscribeAccountList":[]}`,
		`{"httpMethod":"POST","requestContext":{"requestId":"r","httpMethod":"POST"},"body":"{}"}`,
		`{"version":"2.0","requestContext":{"http":{"method":"POST"},"domainName":"x.lambda-url.us-east-1.on.aws"}}`,
		`{"requestContext":{"elb":{}},"httpMethod":"POST"}`,
		`{"httpMethod":"POST","queryString":{"SdkAppid":"1400000001"}}`,
		`{"messageVersion":"1.0","httpMethod":"POST","requestContext":{}}`,           // one Bedrock mark is not enough
		`{"methodArn":null,"requestContext":{"connectionId":null},"websocket":null}`, // null marks nothing
	} {
		o, err := ParseObject([]byte(payload))
		require.NoError(t, err)
		assert.Empty(t, Foreign(o, o.Context()), payload)
	}
}
