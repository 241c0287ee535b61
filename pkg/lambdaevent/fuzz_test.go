package lambdaevent

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/internal/answercheck"
	"github.com/subgate/subgate/pkg/policy"
	"github.com/subgate/subgate/pkg/webhook"
)

// The deployment the fuzz targets invoke: SDKAppID 1400000001, a policy that denies "jared", and,
// for the signed gate, a token and a clock at fuzzNow. The seed corpus in testdata/fuzz/FuzzInvoke
// holds events signed for it.
const (
	fuzzAppID = "1400000001"
	fuzzToken = "fuzz-token"
	fuzzNow   = 1700000000
)

// fuzzDeployment is a gate and the verifier of the signature it checks (nil when unsigned).
type fuzzDeployment struct {
	gate     *gate.Gate
	verifier *webhook.Verifier
}

func fuzzDeployments(f *testing.F) []fuzzDeployment {
	p, err := policy.Parse([]byte(`deny: ["jared"]`), "fuzz", "")
	if err != nil {
		f.Fatal(err)
	}
	now := func() time.Time { return time.Unix(fuzzNow, 0) }
	logger := gate.NewLogger(io.Discard, slog.LevelError)
	unsigned := gate.New(config.Config{SdkAppID: fuzzAppID}, p, logger)
	signed := gate.New(config.Config{SdkAppID: fuzzAppID, Token: fuzzToken}, p, logger).WithClock(now)
	return []fuzzDeployment{
		{gate: unsigned},
		{gate: signed, verifier: &webhook.Verifier{Token: fuzzToken, Now: now}},
	}
}

// FuzzInvoke invokes the handler with any payload and checks that the answer is well formed,
// documented, and lets nothing through that the checks or the policy refuse.
func FuzzInvoke(f *testing.F) {
	deployments := fuzzDeployments(f)
	f.Fuzz(func(t *testing.T, payload []byte) {
		for _, d := range deployments {
			out, err := Handler{Gate: d.gate}.Invoke(context.Background(), payload)
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
				answercheck.Bare(t, kind == KindWebhookBody, payload, out)
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
			answercheck.HTTP(t, fuzzAppID, d.verifier, req, *resp.StatusCode, []byte(*resp.Body))
		}
	})
}
