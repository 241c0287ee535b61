package scfevent_test

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/scfevent"
)

// Warm-path benchmarks of the SCF entrypoint end to end (event bytes in, response bytes out through
// Handler.Invoke), reported by make bench as information. Nothing here is a timed test.

func benchInvoke(b *testing.B, event string) {
	b.Helper()
	payload, err := os.ReadFile("../../deploy/events/" + event)
	if err != nil {
		b.Fatal(err)
	}
	env := map[string]string{"SUBGATE_SDKAPPID": "1400000001", "SUBGATE_POLICY_FILE": "../../deploy/policy.example.yaml"}
	h := scfevent.NewHandler(func() *gate.Gate { return gate.FromEnv(func(k string) string { return env[k] }, io.Discard) })
	ctx := context.Background()
	if answer, _ := h.Invoke(ctx, payload); !strings.Contains(string(answer), `"statusCode":200`) {
		b.Fatalf("answer: %s", answer)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_, _ = h.Invoke(ctx, payload)
	}
}

func BenchmarkSCFFunctionURL(b *testing.B) { benchInvoke(b, "scf-function-url.json") }
func BenchmarkSCFAPIGateway(b *testing.B)  { benchInvoke(b, "scf-apigw.json") }
