package main

import (
	"testing"

	"github.com/subgate/subgate/internal/livetest"
	"github.com/subgate/subgate/pkg/store"
)

// TestLivePolicy runs the live-policy scenario (internal/livetest) through the real bootstrap under
// the Lambda Runtime Interface Emulator, packed with the example policy as dist/lambda.zip is (the
// fallback is the zip's policy.yaml). The keys are in the function's environment, as Lambda gives
// the execution role's: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and AWS_SESSION_TOKEN set
// empty by the emulator (it copies the three from its own environment, unset as ""), which must
// count as no token: versitygw refuses any. They are fixed for the function's life, so the
// scenario gives wrong keys to a function of their own.
func TestLivePolicy(t *testing.T) {
	emulator, task := findEmulator(t), buildTask(t)
	livetest.Run(t, livetest.Platform{
		Event:    readFile(t, repoRoot, "deploy", "events", "lambda-http-api.json"),
		Fallback: "policy.yaml",
		Credentials: func(id, secret string) map[string]string {
			return map[string]string{store.EnvAWSAccessKeyID: id, store.EnvAWSSecretAccessKey: secret}
		},
		Start: func(t *testing.T, env *livetest.Env) *livetest.Function {
			fn := startFunction(t, emulator, task, env.Vars())
			return &livetest.Function{
				Invoke: func(requestID string, event []byte) ([]byte, error) { return fn.Invoke(requestID, event) },
				Output: fn.Output,
			}
		},
	})
}
