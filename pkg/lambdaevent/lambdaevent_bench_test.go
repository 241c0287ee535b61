package lambdaevent_test

import (
	"context"
	"testing"

	"github.com/subgate/subgate/internal/testkit"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/lambdaevent"
)

// Warm-path benchmarks of the Lambda entrypoint end to end (event bytes in, response bytes out through
// Handler.Invoke), reported by make bench as information. Nothing here is a timed test.

func handler(g *gate.Gate) func(context.Context, []byte) ([]byte, error) {
	return lambdaevent.Handler{Gate: g}.Invoke
}

func BenchmarkLambdaHTTPAPI(b *testing.B) { testkit.BenchInvoke(b, "lambda-http-api.json", handler) }
func BenchmarkLambdaRESTAPI(b *testing.B) { testkit.BenchInvoke(b, "lambda-rest-api.json", handler) }
