package scfevent

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		name     string
		payload  string
		wantKind Kind
		wantWhy  string
	}{
		{name: "APIGateway", payload: `{"requestContext":{},"httpMethod":"POST"}`, wantKind: APIGateway},
		{name: "APIGatewayWithoutMethod", payload: `{"requestContext":{"requestId":"x"}}`, wantKind: APIGateway},
		{name: "FunctionURL", payload: `{"httpMethod":"POST","path":"/"}`, wantKind: FunctionURL},
		{name: "FunctionURLWithNullRequestContext", payload: `{"requestContext":null,"httpMethod":"POST"}`, wantKind: FunctionURL},
		{name: "WebhookBody", payload: `{"CallbackCommand":"OfficialAccount.CallbackBeforeAddSubscriber"}`, wantKind: WebhookBody},
		{name: "WebhookBodyAnyCommand", payload: ` {"CallbackCommand":"C2C.CallbackAfterSendMsg"} `, wantKind: WebhookBody},
		{name: "Empty", payload: ``, wantWhy: "the payload is empty"},
		{name: "Blank", payload: " \n", wantWhy: "the payload is empty"},
		{name: "NotJSON", payload: `SdkAppid=1400000001`, wantWhy: "the payload is not JSON"},
		{name: "TruncatedJSON", payload: `{"httpMethod":"POST"`, wantWhy: "the payload is not JSON"},
		{name: "Array", payload: `[{"httpMethod":"POST"}]`, wantWhy: "the payload is JSON but not an object"},
		{name: "String", payload: `"hello"`, wantWhy: "the payload is JSON but not an object"},
		{name: "Null", payload: `null`, wantWhy: "the payload is JSON but not an object"},
		{name: "OtherObject", payload: `{"key1":"value1"}`, wantWhy: "the payload has none of requestContext, httpMethod or CallbackCommand"},
		{name: "NullFieldsOnly", payload: `{"httpMethod":null,"CallbackCommand":null}`, wantWhy: "the payload has none of requestContext, httpMethod or CallbackCommand"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, why := Detect([]byte(tt.payload))
			assert.Equal(t, tt.wantKind, kind)
			assert.Equal(t, tt.wantWhy, why)
		})
	}
}

func TestKindString(t *testing.T) {
	assert.Equal(t, "API Gateway", APIGateway.String())
	assert.Equal(t, "Function URL", FunctionURL.String())
	assert.Equal(t, "webhook body", WebhookBody.String())
	assert.Equal(t, "unrecognised", Unrecognised.String())
}
