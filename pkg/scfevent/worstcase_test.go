package scfevent

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/worstcase"
	"github.com/subgate/subgate/pkg/gate"
)

// Each worst-case body (make bench times them through the gate) gets its exact answer through the
// SCF handler in an API Gateway event (base64-encoded, as a gateway may send it); the first also in
// a Function URL event, and as a webhook body pasted into the console.
func TestWorstCaseBodies(t *testing.T) {
	h, _ := newTestHandler(func(k string) string {
		return map[string]string{"SUBGATE_SDKAPPID": "1400000001", "SUBGATE_POLICY": worstcase.Policy}[k]
	})
	require.NoError(t, h.Gate().Err())
	for i, s := range append(worstcase.Shapes(), worstcase.PastTheLimits()...) {
		t.Run(s.Name, func(t *testing.T) {
			want := string(s.Answer.Encode())

			out, err := h.Invoke(invocationContext("worst-"+s.Name), apiGatewayPayload(chatQuery(), base64.StdEncoding.EncodeToString(s.Body), true))
			require.NoError(t, err)
			var apigw APIGatewayResponse
			require.NoError(t, json.Unmarshal(out, &apigw))
			assert.Equal(t, APIGatewayResponse{StatusCode: s.Status, Headers: map[string]string{"Content-Type": gate.ContentType}, Body: want}, apigw)
			if i > 0 {
				return
			}

			out, err = h.Invoke(invocationContext("worst-"+s.Name), functionURLPayload(chatQuery(), nil, string(s.Body)))
			require.NoError(t, err)
			var url FunctionURLResponse
			require.NoError(t, json.Unmarshal(out, &url))
			assert.Equal(t, FunctionURLResponse{StatusCode: s.Status, Headers: map[string]string{"Content-Type": gate.ContentType}, Body: want}, url)

			out, err = h.Invoke(invocationContext("worst-"+s.Name), s.Body)
			require.NoError(t, err)
			assert.Equal(t, want, string(out))
		})
	}
}
