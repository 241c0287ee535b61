package lambdaevent

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/subgate/subgate/internal/testkit"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/httpevent"
	"github.com/subgate/subgate/pkg/webhook"
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
			if kind == httpevent.WebhookBody || kind == httpevent.Unrecognised {
				testkit.CheckBareAnswer(t, kind == httpevent.WebhookBody, payload, out)
				continue
			}
			var resp struct {
				StatusCode *int    `json:"statusCode"`
				Body       *string `json:"body"`
			}
			if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode == nil || resp.Body == nil {
				t.Fatalf("%s answered without statusCode and body: %s", kind, out)
			}
			event, err := decodeHTTPEvent(kind, payload)
			var req gate.Request
			if err == nil {
				req, err = event.request()
			}
			if err != nil {
				// Unreadable: 400, FAIL.
				if *resp.StatusCode != 400 || testkit.DecodeAnswer(t, []byte(*resp.Body)).ActionStatus != webhook.StatusFail {
					t.Fatalf("unreadable %s (%v) answered %s", kind, err, out)
				}
				continue
			}
			testkit.CheckHTTPAnswer(t, testkit.AppID, d.Verifier, req, *resp.StatusCode, []byte(*resp.Body))
		}
	})
}
