package scfevent

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tencentyun/scf-go-lib/functioncontext"

	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/httpevent"

	"github.com/subgate/subgate/internal/syncbuf"
)

// sampleBody is deploy/sample-request.json as the events in testdata carry it.
const sampleBody = `{"CallbackCommand":"OfficialAccount.CallbackBeforeAddSubscriber","Official_Account":"@TOA#_test_for_penn",` +
	`"Operator_Account":"107867","SubscribeAccountList":[{"Subscriber_Account":"jared"},{"Subscriber_Account":"leckie"}],"EventTime":1670574414123}`

// Answers the example policy gives.
const (
	answerRefusedJared = `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["jared"]}`
	answerProceed      = `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return data
}

// fields detects a fixture's kind and returns its top-level fields.
func fields(t *testing.T, name string, want httpevent.Kind) httpevent.Object {
	t.Helper()
	kind, f, why := detect(readFixture(t, name))
	require.Equal(t, want, kind, why)
	return f
}

// exampleEnv is the configuration of the example deployment: SDKAppID 1400000001, the example policy.
func exampleEnv(extra ...string) func(string) string {
	env := map[string]string{
		"SUBGATE_SDKAPPID":    "1400000001",
		"SUBGATE_POLICY_FILE": filepath.Join("..", "..", "deploy", "policy.example.yaml"),
	}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	return func(key string) string { return env[key] }
}

// newTestHandler returns a Handler for getenv whose log goes to the returned buffer.
func newTestHandler(getenv func(string) string) (*Handler, *syncbuf.Buffer) {
	log := &syncbuf.Buffer{}
	return NewHandler(func() *gate.Gate { return gate.FromEnv(getenv, log) }), log
}

// invocationContext is the context scf-go-lib gives a handler, with the SCF request ID.
func invocationContext(requestID string) context.Context {
	return functioncontext.NewContext(context.Background(), &functioncontext.FunctionContext{RequestID: requestID})
}
