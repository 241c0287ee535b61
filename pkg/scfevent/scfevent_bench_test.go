package scfevent_test

import (
	"context"
	"testing"

	"github.com/subgate/subgate/internal/testkit"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/scfevent"
)

// Warm-path benchmarks of the SCF entrypoint end to end (event bytes in, response bytes out through
// Handler.Invoke), reported by make bench as information. Nothing here is a timed test.

func handler(g *gate.Gate) func(context.Context, []byte) ([]byte, error) {
	return scfevent.NewHandler(func() *gate.Gate { return g }).Invoke
}

func BenchmarkSCFFunctionURL(b *testing.B) { testkit.BenchInvoke(b, "scf-function-url.json", handler) }
func BenchmarkSCFAPIGateway(b *testing.B)  { testkit.BenchInvoke(b, "scf-apigw.json", handler) }
