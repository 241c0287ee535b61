package lambdaevent

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/subgate/subgate/internal/testkit"
)

// FuzzInvoke invokes the handler with any payload and checks that the answer is well formed,
// documented, and lets nothing through that the checks or the policy refuse.
func FuzzInvoke(f *testing.F) {
	deployments := testkit.Deployments(f)
	f.Fuzz(func(t *testing.T, payload []byte) {
		for _, d := range deployments {
			out, err := Handler{Gate: d.Gate}.Invoke(context.Background(), payload)
			if err != nil {
				t.Fatalf("Invoke returned an error: %v", err)
			}
			if !json.Valid(out) {
				t.Fatalf("answer is not JSON: %q", out)
			}
			kind := Detect(payload)
			event, err := decodeHTTPEvent(kind, payload)
			if err != nil {
				// A webhook body, or a payload that is not an HTTP event subgate can read: the bare answer.
				testkit.CheckBareAnswer(t, kind == KindWebhookBody, payload, out)
				continue
			}
			var resp struct {
				StatusCode *int    `json:"statusCode"`
				Body       *string `json:"body"`
			}
			if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode == nil || resp.Body == nil {
				t.Fatalf("%s answered without statusCode and body: %s", kind, out)
			}
			req, _ := event.request()
			testkit.CheckHTTPAnswer(t, testkit.AppID, d.Verifier, req, *resp.StatusCode, []byte(*resp.Body))
		}
	})
}
