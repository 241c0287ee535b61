package scfevent

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
	handlers := make([]*Handler, len(deployments))
	for i, d := range deployments {
		handlers[i] = NewHandler(func() *gate.Gate { return d.Gate })
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		for i, d := range deployments {
			out, err := handlers[i].Invoke(context.Background(), payload)
			if err != nil {
				t.Fatalf("Invoke returned an error: %v", err)
			}
			if !json.Valid(out) {
				t.Fatalf("answer is not JSON: %q", out)
			}
			kind, fields, _ := detect(payload)
			if kind != httpevent.APIGateway && kind != httpevent.FunctionURL {
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
			req, err := translate(kind, fields)
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

// translate decodes and translates an HTTP event as the handler does.
func translate(kind httpevent.Kind, fields httpevent.Object) (gate.Request, error) {
	if kind == httpevent.APIGateway {
		e, err := decodeAPIGateway(fields)
		if err != nil {
			return gate.Request{}, err
		}
		return e.Request("")
	}
	e, err := decodeFunctionURL(fields)
	if err != nil {
		return gate.Request{}, err
	}
	return e.Request("")
}
