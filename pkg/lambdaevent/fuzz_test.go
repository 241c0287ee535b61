package lambdaevent

import (
	"context"
	"testing"

	"github.com/subgate/subgate/internal/testkit"
	"github.com/subgate/subgate/pkg/gate"
)

// FuzzInvoke invokes the handler with any payload and checks that the answer is well formed,
// documented, and lets nothing through that the checks or the policy refuse.
func FuzzInvoke(f *testing.F) {
	deployments := testkit.Deployments(f)
	f.Fuzz(func(t *testing.T, payload []byte) {
		for _, d := range deployments {
			out, err := Handler{Gate: d.Gate}.Invoke(context.Background(), payload)
			kind := Detect(payload)
			testkit.CheckEventAnswer(t, d, kind, payload, out, err, func() (gate.Request, error) {
				event, err := decodeHTTPEvent(kind, payload)
				if err != nil {
					return gate.Request{}, err
				}
				return event.request()
			})
		}
	})
}
