package gate_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/subgate/subgate/internal/workload"
	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/metrics"
	"github.com/subgate/subgate/pkg/metrics/emf"
	"github.com/subgate/subgate/pkg/metrics/prom"
	"github.com/subgate/subgate/pkg/webhook"
)

// Warm-path benchmarks of the core, reported by make bench as information (its goals are measured
// at the functions' boundary). Nothing here is a timed test.

const benchToken = "bench-token"

func benchGate(b *testing.B, env map[string]string) *gate.Gate {
	b.Helper()
	g := gate.FromEnv(func(k string) string { return env[k] }, io.Discard)
	if err := g.Err(); err != nil {
		b.Fatal(err)
	}
	return g
}

func benchRequest(body []byte) gate.Request {
	return gate.Request{
		Method: http.MethodPost,
		Query: url.Values{
			"SdkAppid": {"1400000001"}, "CallbackCommand": {webhook.CommandBeforeAddSubscriber},
			"contenttype": {"json"}, "ClientIP": {"203.0.113.7"}, "OptPlatform": {"RESTAPI"},
		},
		Header:    http.Header{"Content-Type": {"application/json"}},
		Body:      body,
		RequestID: "bench",
	}
}

func serveLoop(b *testing.B, g *gate.Gate, r gate.Request, want int) {
	b.Helper()
	ctx := context.Background()
	if resp := g.Serve(ctx, r); resp.StatusCode != want {
		b.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		g.Serve(ctx, r)
	}
}

func sampleBody(b *testing.B) []byte {
	b.Helper()
	body, err := os.ReadFile("testdata/sample-request.json")
	if err != nil {
		b.Fatal(err)
	}
	return body
}

var examplePolicy = map[string]string{"SUBGATE_SDKAPPID": "1400000001", "SUBGATE_POLICY_FILE": "../../deploy/policy.example.yaml"}

func BenchmarkCoreSample(b *testing.B) {
	serveLoop(b, benchGate(b, examplePolicy), benchRequest(sampleBody(b)), http.StatusOK)
}

// BenchmarkCoreSampleMetrics is BenchmarkCoreSample with each platform's metrics: what they add to
// an answer (the line written to io.Discard, as in every benchmark here).
func BenchmarkCoreSampleMetrics(b *testing.B) {
	for _, tt := range []struct {
		name    string
		metrics func(config.Config) metrics.Metrics
	}{
		{"none", func(config.Config) metrics.Metrics { return nil }},
		{"EMF", emf.ForConfig},
		{"Prometheus", func(config.Config) metrics.Metrics { return prom.New(func() string { return "" }) }},
	} {
		b.Run(tt.name, func(b *testing.B) {
			g := gate.FromEnv(func(k string) string { return examplePolicy[k] }, io.Discard, gate.WithMetrics(tt.metrics))
			if err := g.Err(); err != nil {
				b.Fatal(err)
			}
			serveLoop(b, g, benchRequest(sampleBody(b)), http.StatusOK)
		})
	}
}

func BenchmarkCoreLargeDenyList(b *testing.B) {
	textPolicy, _, err := workload.WritePolicies(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	g := benchGate(b, map[string]string{"SUBGATE_SDKAPPID": "1400000001", "SUBGATE_POLICY_FILE": textPolicy})
	body, _ := workload.LargeRequest()
	serveLoop(b, g, benchRequest(body), http.StatusOK)
}

func BenchmarkCoreSigned(b *testing.B) {
	env := map[string]string{"SUBGATE_TOKEN": benchToken}
	for k, v := range examplePolicy {
		env[k] = v
	}
	now := time.Now()
	// The gate's clock stands still, so the signature stays fresh however long the benchmark runs.
	g := benchGate(b, env).WithClock(func() time.Time { return now })
	r := benchRequest(sampleBody(b))
	requestTime := strconv.FormatInt(now.Unix(), 10)
	r.Query.Set("RequestTime", requestTime)
	r.Query.Set("Sign", webhook.Sign(benchToken, requestTime))
	serveLoop(b, g, r, http.StatusOK)
}
