package lambdaevent

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/worstcase"
	"github.com/subgate/subgate/pkg/gate"
)

// Each worst-case body (make bench times them through the gate) gets its exact answer through the
// Lambda handler in a Function URL event; the first also as a webhook body pasted into the console.
func TestWorstCaseBodies(t *testing.T) {
	var logs bytes.Buffer
	g := gate.FromEnv(func(k string) string {
		return map[string]string{"SUBGATE_SDKAPPID": "1400000001", "SUBGATE_POLICY": worstcase.Policy}[k]
	}, &logs)
	require.NoError(t, g.Err())
	for i, s := range append(worstcase.Shapes(), worstcase.PastTheLimits()...) {
		t.Run(s.Name, func(t *testing.T) {
			want := string(s.Answer.Encode())
			e := events.LambdaFunctionURLRequest{Version: "2.0", RawQueryString: sampleQuery, Body: string(s.Body)}
			e.RequestContext.DomainName = "abcdefghij.lambda-url.us-east-1.on.aws"
			e.RequestContext.HTTP.Method = http.MethodPost
			payload, err := json.Marshal(e)
			require.NoError(t, err)
			assert.Equal(t, proxyAnswer(s.Status, want), invoke(t, g, payload))
			if i == 0 {
				assert.Equal(t, want, invoke(t, g, s.Body))
			}
		})
	}
}
