package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/livetest"
	"github.com/subgate/subgate/internal/localrun"
	"github.com/subgate/subgate/pkg/store"
)

// TestLivePolicy runs the live-policy scenario (internal/livetest) through the real SCF binary
// over net/rpc: the configuration and the role's keys arrive as SCF delivers them, in each invoke
// request's environment (TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY; no session token, which
// versitygw refuses), never in the process's environment at start (localrun.StartSCF leaves every
// AWS_* and TENCENTCLOUD_* variable out of it).
func TestLivePolicy(t *testing.T) {
	bin := buildFunction(t)
	fallback, err := filepath.Abs(filepath.Join("..", "..", "deploy", "policy.example.yaml"))
	require.NoError(t, err)
	livetest.Run(t, livetest.Platform{
		Event:    readFile(t, "..", "..", "deploy", "events", "scf-function-url.json"),
		Fallback: fallback,
		Credentials: func(id, secret string) map[string]string {
			return map[string]string{store.EnvTencentSecretID: id, store.EnvTencentSecretKey: secret}
		},
		EnvPerInvocation: true,
		Start: func(t *testing.T, env *livetest.Env) *livetest.Function {
			fn := startFunction(t, bin)
			return &livetest.Function{
				Invoke: func(requestID string, event []byte) ([]byte, error) {
					return fn.Invoke(localrun.SCFInvocation{RequestID: requestID, Payload: event, Env: env.Vars()})
				},
				Output: fn.Output,
			}
		},
	})
}
