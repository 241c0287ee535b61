package main

// End-to-end tests: the real binary, started as SCF starts it and invoked over net/rpc as SCF
// invokes it (scf-go-lib's Function.Invoke), with the configuration sent in each InvokeRequest.

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/localrun"
	"github.com/subgate/subgate/pkg/webhook"
)

const (
	answerRefusedJared       = `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["jared"]}`
	answerInviteRefusedJared = `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedMembers_Account":["jared"]}`
	answerApplyRejected      = `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"the request to join this group is refused"}`
	contentType              = "application/json; charset=utf-8"
	// patience bounds waiting for the process to listen, for a log line and for it to stop:
	// generous, since the machine may be busy; nothing waits for it when things work.
	patience = 30 * time.Second
	// The version the test builds the binary with, and the variable it sets.
	versionVar = "github.com/subgate/subgate/internal/version.version"
	e2eVersion = "v0.0.0-e2e"
)

func TestEndToEnd(t *testing.T) {
	bin := buildFunction(t)
	policyFile, err := filepath.Abs(filepath.Join("..", "..", "deploy", "policy.example.yaml"))
	require.NoError(t, err)
	exampleEnv := map[string]string{"SUBGATE_SDKAPPID": "1400000001", "SUBGATE_POLICY_FILE": policyFile}

	t.Run("ExampleConfiguration", func(t *testing.T) {
		fn := startFunction(t, bin)
		functionURLEvent := readFile(t, "..", "..", "deploy", "events", "scf-function-url.json")

		got := fn.invoke(t, "req-function-url", functionURLEvent, exampleEnv)
		assert.JSONEq(t, functionURLAnswer(200, answerRefusedJared), got)
		line := fn.logLine(t, "req-function-url")
		assert.Equal(t, "decided", line["msg"])
		assert.Contains(t, fn.waitFor(t, `"msg":"started"`), `"version":"`+e2eVersion+`"`, "the first invocation builds the gate, which logs the version")
		assert.Equal(t, "@TOA#_test_for_penn", line["official_account"])
		assert.EqualValues(t, 1, line["refused"])

		got = fn.invoke(t, "req-apigw-quirks", readFile(t, "testdata", "apigw-quirks.json"), exampleEnv)
		assert.JSONEq(t, apiGatewayAnswer(200, answerRefusedJared), got)

		got = fn.invoke(t, "req-raw", readFile(t, "..", "..", "deploy", "sample-request.json"), exampleEnv)
		assert.JSONEq(t, answerRefusedJared, got)

		got = fn.invoke(t, "req-appid", withQuery(t, functionURLEvent, "SdkAppid", "1400000009"), exampleEnv)
		assert.JSONEq(t, functionURLAnswer(403, failure("SdkAppid 1400000009 does not match this deployment")), got)
		assert.Equal(t, "failed", fn.logLine(t, "req-appid")["msg"])

		got = fn.invoke(t, "req-malformed", []byte(`{"httpMethod": "POST", "body": `), exampleEnv)
		assert.JSONEq(t, failure("event not recognised: the payload is not JSON; "+
			"subgate takes the HTTP events of the function's URL or gateway, or a webhook body"), got)

		// Still up, and the configuration loaded on the first invocation is kept: this request
		// sends none, as a later invoke request could.
		got = fn.invoke(t, "req-after-malformed", functionURLEvent, nil)
		assert.JSONEq(t, functionURLAnswer(200, answerRefusedJared), got)
	})

	t.Run("ConsoleEvents", func(t *testing.T) {
		fn := startFunction(t, bin)
		files, err := filepath.Glob(filepath.Join("..", "..", "deploy", "events", "scf-*.json"))
		require.NoError(t, err)
		require.NotEmpty(t, files)
		answers := map[string]string{"scf-group-invite.json": answerInviteRefusedJared, "scf-group-apply.json": answerApplyRejected}
		for _, file := range files {
			t.Run(filepath.Base(file), func(t *testing.T) {
				data, err := os.ReadFile(file)
				require.NoError(t, err)
				answer := answerRefusedJared
				if a, ok := answers[filepath.Base(file)]; ok {
					answer = a
				}
				want := functionURLAnswer(200, answer)
				if strings.Contains(string(data), `"requestContext"`) {
					want = apiGatewayAnswer(200, answer)
				}
				assert.JSONEq(t, want, fn.invoke(t, "req-"+filepath.Base(file), data, exampleEnv))
			})
		}
	})

	t.Run("GroupWebhooks", func(t *testing.T) {
		// The example policy decides the group webhooks: each event kind SCF delivers carries them.
		fn := startFunction(t, bin)
		invite := readFile(t, "..", "..", "deploy", "sample-group-invite.json")
		apply := readFile(t, "..", "..", "deploy", "sample-group-apply.json")
		apigw := readFile(t, "..", "..", "deploy", "events", "scf-apigw.json")
		tests := []struct {
			name, want string
			payload    []byte
		}{
			{"FunctionURLInvite", functionURLAnswer(200, answerInviteRefusedJared), readFile(t, "..", "..", "deploy", "events", "scf-group-invite.json")},
			{"FunctionURLApply", functionURLAnswer(200, answerApplyRejected), readFile(t, "..", "..", "deploy", "events", "scf-group-apply.json")},
			{"APIGatewayInvite", apiGatewayAnswer(200, answerInviteRefusedJared), asGroupEvent(t, apigw, webhook.CommandBeforeInviteJoinGroup, invite)},
			{"APIGatewayApply", apiGatewayAnswer(200, answerApplyRejected), asGroupEvent(t, apigw, webhook.CommandBeforeApplyJoinGroup, apply)},
			{"RawInvite", answerInviteRefusedJared, invite},
			{"RawApply", answerApplyRejected, apply},
			{"APIGatewayBadBody", apiGatewayAnswer(400, failure("bad request body: Requestor_Account is missing")),
				asGroupEvent(t, apigw, webhook.CommandBeforeApplyJoinGroup, []byte(`{"GroupId":"@TGS#1"}`))},
		}
		for _, tt := range tests {
			assert.JSONEq(t, tt.want, fn.invoke(t, "req-"+tt.name, tt.payload, exampleEnv), tt.name)
		}
		line := fn.logLine(t, "req-FunctionURLApply")
		assert.Equal(t, "decided", line["msg"])
		assert.Equal(t, "@TGS#2J4SZEAEL", line["group_id"])
		assert.Equal(t, "jared", line["requestor_account"])
		assert.Equal(t, "rejected", line["outcome"])
		assert.Equal(t, []any{map[string]any{"id": "jared", "rule": `deny "jared"`}}, line["refused_by"])

		// A policy without the groups key lets them go on, as before.
		env := map[string]string{"SUBGATE_SDKAPPID": "1400000001", "SUBGATE_POLICY": `deny: ["jared"]`}
		other := startFunction(t, bin)
		assert.JSONEq(t, functionURLAnswer(200, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`),
			other.invoke(t, "req-not-decided", readFile(t, "..", "..", "deploy", "events", "scf-group-invite.json"), env))
		assert.JSONEq(t, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`, other.invoke(t, "req-not-decided-raw", apply, env))
		assert.Equal(t, "other", other.logLine(t, "req-not-decided")["outcome"])
	})

	t.Run("SignedRequests", func(t *testing.T) {
		fn := startFunction(t, bin)
		env := map[string]string{"SUBGATE_SDKAPPID": "1400000001", "SUBGATE_POLICY_FILE": policyFile, "SUBGATE_TOKEN": "e2e-token"}
		event := readFile(t, "..", "..", "deploy", "events", "scf-function-url.json")
		requestTime := strconv.FormatInt(time.Now().Unix(), 10)

		signed := withQuery(t, withQuery(t, event, "RequestTime", requestTime), "Sign", webhook.Sign("e2e-token", requestTime))
		assert.JSONEq(t, functionURLAnswer(200, answerRefusedJared), fn.invoke(t, "req-signed", signed, env))

		badSign := withQuery(t, withQuery(t, event, "RequestTime", requestTime), "Sign", webhook.Sign("another-token", requestTime))
		assert.JSONEq(t, functionURLAnswer(401, failure("request is not authenticated: Sign does not match (check the token set in the Chat console)")),
			fn.invoke(t, "req-bad-sign", badSign, env))
	})

	t.Run("RelayToExistingBackend", func(t *testing.T) {
		relayed := make(chan *http.Request, 4)
		backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			relayed <- r
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"muted by the app"}`)
		}))
		t.Cleanup(backend.Close)
		fn := startFunction(t, bin)
		env := map[string]string{"SUBGATE_SDKAPPID": "1400000001", "SUBGATE_POLICY_FILE": policyFile, "SUBGATE_FORWARD_URL": backend.URL + "/im"}
		event := readFile(t, "..", "..", "deploy", "events", "scf-function-url.json")
		groupEvent := withQuery(t, event, "CallbackCommand", "Group.CallbackBeforeSendMsg")

		got := fn.invoke(t, "req-relay", groupEvent, env)
		assert.JSONEq(t, mustJSON(map[string]any{"statusCode": 200, "headers": map[string]string{"Content-Type": "application/json"},
			"body": `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"muted by the app"}`}), got)
		r := <-relayed
		assert.Equal(t, "/im", r.URL.Path)
		assert.Equal(t, url.Values{"SdkAppid": {"1400000001"}, "CallbackCommand": {"Group.CallbackBeforeSendMsg"}, "contenttype": {"json"},
			"ClientIP": {"203.0.113.7"}, "OptPlatform": {"RESTAPI"}}, r.URL.Query(), "the same query parameters and values (SCF events carry no raw query string)")
		assert.Equal(t, "req-relay", r.Header.Get("X-Subgate-Request-Id"))

		// The command subgate answers itself is never relayed.
		assert.JSONEq(t, functionURLAnswer(200, answerRefusedJared), fn.invoke(t, "req-not-relayed", event, env))
		assert.Empty(t, relayed)

		// A backend that is down degrades to Chat's default answer.
		backend.Close()
		assert.JSONEq(t, functionURLAnswer(200, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`), fn.invoke(t, "req-relay-down", groupEvent, env))
		assert.Contains(t, fn.logLine(t, "req-relay-down")["reason"], "relay failed, answered OK instead: backend did not answer")
	})

	t.Run("AnswersBeforeTheDeadlineWhenTheBackendHangs", func(t *testing.T) {
		arrived := make(chan struct{}, 1)
		release := make(chan struct{})
		backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			arrived <- struct{}{}
			select { // never answers: hangs until the relay gives up or the test ends
			case <-r.Context().Done():
			case <-release:
			}
		}))
		t.Cleanup(backend.Close)
		t.Cleanup(func() { close(release) })
		fn := startFunction(t, bin)
		env := map[string]string{"SUBGATE_SDKAPPID": "1400000001", "SUBGATE_POLICY_FILE": policyFile,
			"SUBGATE_FORWARD_URL": backend.URL, "SUBGATE_FORWARD_TIMEOUT": "1800ms"}
		event := readFile(t, "..", "..", "deploy", "events", "scf-function-url.json")
		// Warm: the first invocation reads the configuration and the policy.
		assert.JSONEq(t, functionURLAnswer(200, answerRefusedJared), fn.invokeBy(t, time.Now().Add(3*time.Second), "req-warm", event, env))

		// SCF's deadline, one second away, is well inside the forward timeout: the function must cut
		// the relay short and answer Chat's default before SCF ends the invocation.
		deadline := time.Now().Add(time.Second)
		got := fn.invokeBy(t, deadline, "req-hanging-backend", withQuery(t, event, "CallbackCommand", "Group.CallbackBeforeSendMsg"), env)
		assert.True(t, time.Now().Before(deadline), "answered before the invocation's deadline")
		assert.JSONEq(t, functionURLAnswer(200, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`), got)
		<-arrived
		line := fn.logLine(t, "req-hanging-backend")
		assert.Equal(t, "WARN", line["level"])
		assert.Contains(t, line["reason"], "relay failed, answered OK instead")
	})

	t.Run("BrokenConfigurationFailOpen", func(t *testing.T) {
		// SUBGATE_FAIL_MODE=open: every subscription request goes on, naming the error; anything
		// else is answered 500 naming it.
		fn := startFunction(t, bin)
		env := map[string]string{"SUBGATE_SDKAPPID": "14000abc", "SUBGATE_POLICY_FILE": policyFile, "SUBGATE_FAIL_MODE": "open"}
		const problem = `invalid configuration: SUBGATE_SDKAPPID must be the app's SDKAppID, digits only, not \"14000abc\"`
		undecided := `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"subgate cannot decide: ` + problem + `"}`

		got := fn.invoke(t, "req-broken-1", readFile(t, "..", "..", "deploy", "events", "scf-function-url.json"), env)
		assert.JSONEq(t, functionURLAnswer(200, undecided), got)
		got = fn.invoke(t, "req-broken-2", readFile(t, "..", "..", "deploy", "events", "scf-apigw.json"), env)
		assert.JSONEq(t, apiGatewayAnswer(200, undecided), got)
		got = fn.invoke(t, "req-broken-3", readFile(t, "..", "..", "deploy", "sample-request.json"), env)
		assert.JSONEq(t, undecided, got)
		// subgate cannot tell whether the policy would decide the group webhooks: the fail mode answers.
		assert.JSONEq(t, undecided, fn.invoke(t, "req-broken-group", readFile(t, "..", "..", "deploy", "sample-group-apply.json"), env))
		assert.JSONEq(t, functionURLAnswer(200, undecided), fn.invoke(t, "req-broken-group-url", readFile(t, "..", "..", "deploy", "events", "scf-group-invite.json"), env))
		line := fn.logLine(t, "req-broken-3")
		assert.Equal(t, "ERROR", line["level"])
		assert.Equal(t, "undecided", line["msg"])
		assert.Equal(t, "open", line["fail_mode"])
		other := bytes.ReplaceAll(readFile(t, "..", "..", "deploy", "events", "scf-function-url.json"),
			[]byte(webhook.CommandBeforeAddSubscriber), []byte("C2C.CallbackBeforeSendMsg"))
		got = fn.invoke(t, "req-broken-4", other, env)
		assert.JSONEq(t, functionURLAnswer(500, failure(`subgate is not configured correctly: `+strings.ReplaceAll(problem, `\"`, `"`))), got)
		assert.Contains(t, fn.waitFor(t, `"msg":"subgate cannot start: fix the configuration"`), `SUBGATE_SDKAPPID must be the app's SDKAppID`)
	})
}

func TestVersionFlag(t *testing.T) {
	out, err := exec.Command(buildFunction(t), "-version").CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Regexp(t, `^subgate `+regexp.QuoteMeta(e2eVersion)+` \(go[0-9.]+\S* \S+/\S+\)\n$`, string(out))
}

// buildFunction builds this package's binary, as `make package-scf` does but for this machine,
// with the version the start-up line must report.
func buildFunction(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "main")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-X "+versionVar+"="+e2eVersion, "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// function is the SCF function binary, started as SCF starts it.
type function struct {
	*localrun.SCF
}

// startFunction starts bin as SCF does, and stops it when the test ends.
func startFunction(t *testing.T, bin string) *function {
	t.Helper()
	fn, err := localrun.StartSCF(bin, t.TempDir(), patience)
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = fn.Stop(patience)
		if t.Failed() {
			t.Logf("function output:\n%s", fn.Output)
		}
	})
	return &function{fn}
}

// invoke sends one invoke request as the SCF runtime does, with env as the function's
// environment variables, and returns the answer payload.
func (fn *function) invoke(t *testing.T, requestID string, payload []byte, env map[string]string) string {
	t.Helper()
	return fn.invokeBy(t, time.Now().Add(3*time.Second), requestID, payload, env)
}

// invokeBy is invoke with the invocation's deadline, as SCF sends it in the invoke request.
func (fn *function) invokeBy(t *testing.T, deadline time.Time, requestID string, payload []byte, env map[string]string) string {
	t.Helper()
	out, err := fn.Invoke(localrun.SCFInvocation{RequestID: requestID, Payload: payload, Env: env, Deadline: deadline})
	require.NoError(t, err, "function output:\n%s", fn.Output)
	return string(out)
}

// logLine waits for the log line of requestID and returns it decoded. The gate writes it before
// answering, but it reaches this process through a pipe, so it may arrive after the answer.
func (fn *function) logLine(t *testing.T, requestID string) map[string]any {
	t.Helper()
	line, err := fn.Output.LogLine(requestID, patience)
	require.NoError(t, err, "function output:\n%s", fn.Output)
	return line
}

// waitFor waits for a line holding want and returns it.
func (fn *function) waitFor(t *testing.T, want string) string {
	t.Helper()
	line, err := fn.Output.WaitFor(want, patience)
	require.NoError(t, err, "function output:\n%s", fn.Output)
	return line
}

func readFile(t *testing.T, path ...string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(path...))
	require.NoError(t, err)
	return data
}

// asGroupEvent is an HTTP event carrying body, a group webhook's, with command for its CallbackCommand.
func asGroupEvent(t *testing.T, event []byte, command string, body []byte) []byte {
	t.Helper()
	var e map[string]any
	require.NoError(t, json.Unmarshal(bytes.ReplaceAll(event, []byte(webhook.CommandBeforeAddSubscriber), []byte(command)), &e))
	e["body"] = string(body)
	out, err := json.Marshal(e)
	require.NoError(t, err)
	return out
}

// withQuery returns an HTTP event with one query parameter set.
func withQuery(t *testing.T, event []byte, key, value string) []byte {
	t.Helper()
	var e map[string]any
	require.NoError(t, json.Unmarshal(event, &e))
	query := e["queryString"].(map[string]any)
	query[key] = value
	out, err := json.Marshal(e)
	require.NoError(t, err)
	return out
}

func functionURLAnswer(status int, body string) string {
	return mustJSON(map[string]any{"statusCode": status, "headers": map[string]string{"Content-Type": contentType}, "body": body})
}

func apiGatewayAnswer(status int, body string) string {
	return mustJSON(map[string]any{"isBase64Encoded": false, "statusCode": status, "headers": map[string]string{"Content-Type": contentType}, "body": body})
}

func failure(info string) string {
	return mustJSON(map[string]any{"ActionStatus": "FAIL", "ErrorCode": 1, "ErrorInfo": info})
}

func mustJSON(v any) string {
	out, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(out)
}
