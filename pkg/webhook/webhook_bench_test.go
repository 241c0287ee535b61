package webhook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
)

// BenchmarkEncode is the answer's encoding, by hand (Encode) and by encoding/json as it was.
func BenchmarkEncode(b *testing.B) {
	var many []string
	for i := range 30 {
		many = append(many, fmt.Sprintf("banned%06d", i))
	}
	for _, c := range []struct {
		name   string
		answer Answer
	}{{"Sample", Proceed([]string{"jared"})}, {"Refused30", Proceed(many)}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.answer.Encode()
			}
		})
		b.Run(c.name+"EncodingJSON", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var buf bytes.Buffer
				enc := json.NewEncoder(&buf)
				enc.SetEscapeHTML(false)
				_ = enc.Encode(c.answer)
				_ = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
			}
		})
	}
}
