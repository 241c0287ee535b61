package gate_test

import (
	"encoding/json"
	"testing"

	"github.com/subgate/subgate/internal/worstcase"
)

// BenchmarkWorstCase times each worst-case body of internal/worstcase through the gate (Serve, with
// its policy and its log line) and, beside it, encoding/json decoding the same body into any: make
// bench holds the first to at most 3 times the second.
func BenchmarkWorstCase(b *testing.B) {
	g := benchGate(b, map[string]string{"SUBGATE_SDKAPPID": "1400000001", "SUBGATE_POLICY": worstcase.Policy})
	for _, s := range worstcase.Shapes() {
		b.Run(s.Name+"/gate", func(b *testing.B) {
			b.SetBytes(int64(len(s.Body)))
			serveLoop(b, g, benchRequest(s.Body), s.Status)
		})
		b.Run(s.Name+"/unmarshal-any", func(b *testing.B) {
			b.SetBytes(int64(len(s.Body)))
			b.ReportAllocs()
			for b.Loop() {
				var v any
				if err := json.Unmarshal(s.Body, &v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
