package main

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
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

	"github.com/subgate/subgate/internal/emfcheck"
	"github.com/subgate/subgate/internal/localrun"
	"github.com/subgate/subgate/pkg/webhook"
)

// patience bounds waiting for the emulator to listen, for a log line and for it to stop: generous,
// since the machine may be busy; nothing waits for it when things work.
const patience = 30 * time.Second

// The version the test builds bootstrap with, and the variable it sets.
const (
	versionVar = "github.com/subgate/subgate/internal/version.version"
	e2eVersion = "v0.0.0-e2e"
)

var repoRoot = filepath.Join("..", "..")

const (
	headersJSON       = `{"Content-Type":"application/json; charset=utf-8"}`
	answerRefused     = `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["jared"]}`
	proxyRefused      = `{"statusCode":200,"headers":` + headersJSON + `,"body":"{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"ErrorInfo\":\"\",\"RefusedSubscribers_Account\":[\"jared\"]}","isBase64Encoded":false}`
	albMultiRefused   = `{"statusCode":200,"statusDescription":"200 OK","multiValueHeaders":{"Content-Type":["application/json; charset=utf-8"]},"body":"{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"ErrorInfo\":\"\",\"RefusedSubscribers_Account\":[\"jared\"]}","isBase64Encoded":false}`
	answerInvite      = `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedMembers_Account":["jared"]}`
	answerApply       = `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"the request to join this group is refused"}`
	notAnObjectAnswer = `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"event not recognised: the payload is not a JSON object; subgate takes the HTTP events of the function's URL or gateway, or a webhook body"}`
)

// TestBootstrapUnderEmulator builds the real bootstrap, packs it with the example policy as
// dist/lambda.zip is packed, and invokes it under the Lambda Runtime Interface Emulator.
func TestBootstrapUnderEmulator(t *testing.T) {
	emulator := findEmulator(t)
	task := buildTask(t)

	t.Run("Unsigned", func(t *testing.T) {
		fn := startFunction(t, emulator, task, map[string]string{"SUBGATE_SDKAPPID": "1400000001", "SUBGATE_POLICY_FILE": "policy.yaml"})
		wrongApp := bytes.ReplaceAll(readFile(t, repoRoot, "deploy", "events", "lambda-http-api.json"), []byte("1400000001"), []byte("1400000009"))
		tests := []struct {
			name    string
			payload []byte
			want    string
		}{
			{"HTTPAPIConsoleEvent", readFile(t, repoRoot, "deploy", "events", "lambda-http-api.json"), proxyRefused},
			{"RESTAPIConsoleEvent", readFile(t, repoRoot, "deploy", "events", "lambda-rest-api.json"), proxyRefused},
			{"FunctionURLEvent", readFixture(t, "function-url-webhook.json"), proxyRefused},
			{"ALBMultiValueEvent", readFixture(t, "alb-multivalue-webhook.json"), albMultiRefused},
			{"RawWebhookBody", readFile(t, repoRoot, "deploy", "sample-request.json"), answerRefused},
			{"OtherSdkAppidRejected", wrongApp,
				`{"statusCode":403,"headers":` + headersJSON + `,"body":"{\"ActionStatus\":\"FAIL\",\"ErrorCode\":1,\"ErrorInfo\":\"SdkAppid 1400000009 does not match this deployment\"}","isBase64Encoded":false}`},
			{"RepeatedSdkAppidRejected", readFixture(t, "http-api-repeated-sdkappid.json"),
				`{"statusCode":403,"headers":` + headersJSON + `,"body":"{\"ActionStatus\":\"FAIL\",\"ErrorCode\":1,\"ErrorInfo\":\"SdkAppid is given more than once with different values\"}","isBase64Encoded":false}`},
			{"MalformedEvent", []byte("this is not JSON"), notAnObjectAnswer},
			{"TruncatedEvent", []byte(`{"version":"2.0","rawQueryString":`), notAnObjectAnswer},
			{"NextInvokeAfterMalformedStillAnswers", readFile(t, repoRoot, "deploy", "events", "lambda-http-api.json"), proxyRefused},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				assert.JSONEq(t, tt.want, fn.invoke(t, "e2e-"+tt.name, tt.payload))
			})
		}
		assert.Contains(t, fn.waitFor(t, `"msg":"started"`), `"version":"`+e2eVersion+`"`, "the start-up line reports the version bootstrap was built with")
		assert.Equal(t, "decided", fn.logLine(t, "e2e-HTTPAPIConsoleEvent")["msg"])
		assert.Equal(t, "event not recognised: the payload is not a JSON object", fn.logLine(t, "e2e-MalformedEvent")["reason"])
		assert.Equal(t, 1, fn.initStarts(t, "e2e-NextInvokeAfterMalformedStillAnswers"), "the function was started once and never restarted:\n%s", fn.Output)
	})

	t.Run("GroupWebhooks", func(t *testing.T) {
		// The example policy decides the group webhooks: every event kind Lambda takes carries them.
		fn := startFunction(t, emulator, task, map[string]string{"SUBGATE_SDKAPPID": "1400000001", "SUBGATE_POLICY_FILE": "policy.yaml"})
		invite := readFile(t, repoRoot, "deploy", "sample-group-invite.json")
		apply := readFile(t, repoRoot, "deploy", "sample-group-apply.json")
		restAPI := readFile(t, repoRoot, "deploy", "events", "lambda-rest-api.json")
		inviteCmd, applyCmd := webhook.CommandBeforeInviteJoinGroup, webhook.CommandBeforeApplyJoinGroup
		tests := []struct {
			name    string
			payload []byte
			want    string
		}{
			{"HTTPAPIInviteConsoleEvent", readFile(t, repoRoot, "deploy", "events", "lambda-group-invite.json"), proxyAnswer(200, answerInvite)},
			{"HTTPAPIApplyConsoleEvent", readFile(t, repoRoot, "deploy", "events", "lambda-group-apply.json"), proxyAnswer(200, answerApply)},
			{"RESTAPIInvite", asGroupEvent(t, restAPI, inviteCmd, invite), proxyAnswer(200, answerInvite)},
			{"RESTAPIApply", asGroupEvent(t, restAPI, applyCmd, apply), proxyAnswer(200, answerApply)},
			{"FunctionURLInvite", asGroupEvent(t, readFixture(t, "function-url-webhook.json"), inviteCmd, invite), proxyAnswer(200, answerInvite)},
			{"FunctionURLApply", asGroupEvent(t, readFixture(t, "function-url-webhook.json"), applyCmd, apply), proxyAnswer(200, answerApply)},
			{"ALBInvite", asGroupEvent(t, readFixture(t, "alb-multivalue-webhook.json"), inviteCmd, invite), albMultiAnswer(200, answerInvite)},
			{"ALBApply", asGroupEvent(t, readFixture(t, "alb-multivalue-webhook.json"), applyCmd, apply), albMultiAnswer(200, answerApply)},
			{"RawInvite", invite, answerInvite},
			{"RawApply", apply, answerApply},
			{"BadBody", asGroupEvent(t, restAPI, inviteCmd, []byte(`{"GroupId":"@TGS#1","DestinationMembers":[{"Member_Account":7}]}`)),
				proxyAnswer(400, `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"bad request body: DestinationMembers.Member_Account must be a string, not a JSON number"}`)},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				assert.JSONEq(t, tt.want, fn.invoke(t, "e2e-group-"+tt.name, tt.payload))
			})
		}
		line := fn.logLine(t, "e2e-group-HTTPAPIInviteConsoleEvent")
		assert.Equal(t, "decided", line["msg"])
		assert.Equal(t, "@TGS#2J4SZEAEL", line["group_id"])
		assert.Equal(t, "Public", line["group_type"])
		assert.Equal(t, "leckie", line["operator_account"])
		assert.EqualValues(t, 2, line["members"])
		assert.Equal(t, "refused", line["outcome"])
		assert.Equal(t, "refused", line["Outcome"], "its EMF document")

		// A policy without the groups key lets them go on, as before.
		other := startFunction(t, emulator, task, map[string]string{"SUBGATE_SDKAPPID": "1400000001", "SUBGATE_POLICY": `deny: ["jared"]`})
		assert.JSONEq(t, proxyAnswer(200, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`),
			other.invoke(t, "e2e-group-not-decided", readFile(t, repoRoot, "deploy", "events", "lambda-group-apply.json")))
		assert.Equal(t, "other", other.logLine(t, "e2e-group-not-decided")["outcome"])
	})

	t.Run("Signed", func(t *testing.T) {
		const token = "e2e-token"
		fn := startFunction(t, emulator, task, map[string]string{"SUBGATE_SDKAPPID": "1400000001", "SUBGATE_POLICY_FILE": "policy.yaml", "SUBGATE_TOKEN": token})
		requestTime := strconv.FormatInt(time.Now().Unix(), 10)
		signed := "&RequestTime=" + requestTime + "&Sign=" + webhook.Sign(token, requestTime)
		assert.JSONEq(t, proxyRefused, fn.invoke(t, "e2e-signed", httpAPIEventWithQuery(t, signed)))
		assert.JSONEq(t,
			`{"statusCode":401,"headers":`+headersJSON+`,"body":"{\"ActionStatus\":\"FAIL\",\"ErrorCode\":1,\"ErrorInfo\":\"request is not authenticated: Sign or RequestTime is missing (a webhook token is configured)\"}","isBase64Encoded":false}`,
			fn.invoke(t, "e2e-unsigned", httpAPIEventWithQuery(t, "")))
		// The console's raw webhook body needs no signature: only the function's invokers can send it.
		assert.JSONEq(t, answerRefused, fn.invoke(t, "e2e-raw", readFile(t, repoRoot, "deploy", "sample-request.json")))
	})

	t.Run("RelayToExistingBackend", func(t *testing.T) {
		relayed := make(chan *http.Request, 4)
		backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			relayed <- r
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"muted by the app"}`)
		}))
		t.Cleanup(backend.Close)
		fn := startFunction(t, emulator, task, map[string]string{"SUBGATE_SDKAPPID": "1400000001", "SUBGATE_POLICY_FILE": "policy.yaml",
			"SUBGATE_FORWARD_URL": backend.URL + "/im"})
		groupEvent := bytes.ReplaceAll(readFile(t, repoRoot, "deploy", "events", "lambda-http-api.json"),
			[]byte(webhook.CommandBeforeAddSubscriber), []byte("Group.CallbackBeforeSendMsg"))
		assert.JSONEq(t,
			`{"statusCode":200,"headers":{"Content-Type":"application/json"},"body":"{\"ActionStatus\":\"OK\",\"ErrorCode\":1,\"ErrorInfo\":\"muted by the app\"}","isBase64Encoded":false}`,
			fn.invoke(t, "e2e-relay", groupEvent))
		r := <-relayed
		assert.Equal(t, "/im", r.URL.Path)
		assert.Equal(t, "SdkAppid=1400000001&CallbackCommand=Group.CallbackBeforeSendMsg&contenttype=json&ClientIP=203.0.113.7&OptPlatform=RESTAPI", r.URL.RawQuery, "the query string arrives unchanged")
		assert.Equal(t, "e2e-relay", r.Header.Get("X-Subgate-Request-Id"))

		// The command subgate answers itself is never relayed.
		assert.JSONEq(t, proxyRefused, fn.invoke(t, "e2e-not-relayed", readFile(t, repoRoot, "deploy", "events", "lambda-http-api.json")))
		assert.Empty(t, relayed)

		// A backend that is down degrades to Chat's default answer.
		backend.Close()
		assert.JSONEq(t,
			`{"statusCode":200,"headers":`+headersJSON+`,"body":"{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"ErrorInfo\":\"\"}","isBase64Encoded":false}`,
			fn.invoke(t, "e2e-relay-down", groupEvent))
		assert.Contains(t, fn.logLine(t, "e2e-relay-down")["reason"], "relay failed, answered OK instead")
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
		// A function timeout of 1 s, well inside the forward timeout: the function must cut the relay
		// short and answer Chat's default before Lambda ends the invocation.
		fn := startFunction(t, emulator, task, map[string]string{"SUBGATE_SDKAPPID": "1400000001", "SUBGATE_POLICY_FILE": "policy.yaml",
			"SUBGATE_FORWARD_URL": backend.URL, "SUBGATE_FORWARD_TIMEOUT": "1800ms", "AWS_LAMBDA_FUNCTION_TIMEOUT": "1"})
		groupEvent := bytes.ReplaceAll(readFile(t, repoRoot, "deploy", "events", "lambda-http-api.json"),
			[]byte(webhook.CommandBeforeAddSubscriber), []byte("Group.CallbackBeforeSendMsg"))
		assert.JSONEq(t,
			`{"statusCode":200,"headers":`+headersJSON+`,"body":"{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"ErrorInfo\":\"\"}","isBase64Encoded":false}`,
			fn.invoke(t, "e2e-hanging-backend", groupEvent))
		<-arrived
		assert.Contains(t, fn.logLine(t, "e2e-hanging-backend")["reason"], "relay failed, answered OK instead")
		assert.Equal(t, 1, fn.initStarts(t, "e2e-hanging-backend"), "the invocation was not timed out and the function not restarted:\n%s", fn.Output)
		assert.NotContains(t, fn.Output.String(), "Task timed out")
	})

	t.Run("MetricsOffAndANamespace", func(t *testing.T) {
		// The checks of checkEMF, for each setting.
		for _, env := range []map[string]string{
			{"SUBGATE_SDKAPPID": "1400000001", "SUBGATE_POLICY_FILE": "policy.yaml", "SUBGATE_METRICS": "false"},
			{"SUBGATE_SDKAPPID": "1400000001", "SUBGATE_POLICY_FILE": "policy.yaml", "SUBGATE_METRICS_NAMESPACE": "chat/subgate", "SUBGATE_LOG_LEVEL": "error"},
		} {
			fn := startFunction(t, emulator, task, env)
			id := "e2e-metrics-" + env["SUBGATE_METRICS"] + env["SUBGATE_LOG_LEVEL"]
			assert.JSONEq(t, proxyRefused, fn.invoke(t, id, readFile(t, repoRoot, "deploy", "events", "lambda-http-api.json")))
			if env["SUBGATE_LOG_LEVEL"] == "error" {
				line := fn.waitFor(t, `"msg":"metrics"`) // the level leaves the request's line out, not its metrics
				assert.Contains(t, line, `"Outcome":"refused"`)
				assert.NotContains(t, line, "jared", "the metric fields alone")
			} else {
				assert.Equal(t, "refused", fn.logLine(t, id)["outcome"])
			}
		}
	})

	t.Run("BrokenConfiguration", func(t *testing.T) {
		// The default fail mode, closed: every subscription request is rejected, naming the error.
		fn := startFunction(t, emulator, task, map[string]string{"SUBGATE_POLICY_FILE": "policy.yaml"})
		const problem = `invalid configuration: SUBGATE_SDKAPPID is not set: set it to your app's SDKAppID (digits, from the Chat console)`
		const undecided = `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"subgate cannot decide: ` + problem + `"}`
		for i := range 2 {
			assert.JSONEq(t,
				`{"statusCode":200,"headers":`+headersJSON+`,"body":`+strconv.Quote(undecided)+`,"isBase64Encoded":false}`,
				fn.invoke(t, fmt.Sprintf("e2e-broken-%d", i), readFile(t, repoRoot, "deploy", "events", "lambda-http-api.json")))
			line := fn.logLine(t, fmt.Sprintf("e2e-broken-%d", i))
			assert.Equal(t, "ERROR", line["level"])
			assert.Equal(t, "undecided", line["msg"])
			assert.Equal(t, "closed", line["fail_mode"])
			assert.Equal(t, problem, line["reason"])
		}
		assert.JSONEq(t, undecided, fn.invoke(t, "e2e-broken-raw", readFile(t, repoRoot, "deploy", "sample-request.json")))
		// subgate cannot tell whether the policy would decide the group webhooks: the fail mode answers.
		assert.JSONEq(t, proxyAnswer(200, undecided), fn.invoke(t, "e2e-broken-group", readFile(t, repoRoot, "deploy", "events", "lambda-group-invite.json")))
		assert.Contains(t, fn.waitFor(t, `"msg":"subgate cannot start: fix the configuration"`), `"error":"invalid configuration: SUBGATE_SDKAPPID is not set`)
		assert.Equal(t, 1, fn.initStarts(t, "e2e-broken-raw"), "a configuration error does not crash-loop the function:\n%s", fn.Output)
	})
}

func TestVersionFlag(t *testing.T) {
	out, err := exec.Command(filepath.Join(buildTask(t), "bootstrap"), "-version").CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Regexp(t, `^subgate `+regexp.QuoteMeta(e2eVersion)+` \(go[0-9.]+\S* \S+/\S+\)\n$`, string(out))
}

// findEmulator finds aws-lambda-rie: $SUBGATE_RIE, then bin/ of the repository, then PATH.
func findEmulator(t *testing.T) string {
	t.Helper()
	path, err := localrun.FindEmulator(repoRoot)
	require.NoError(t, err)
	return path
}

// buildTask builds bootstrap for this machine, packs it with the example policy by deploy/pack as
// make package-lambda does, and unpacks the zip into a folder laid out like Lambda's /var/task.
func buildTask(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	bootstrap := filepath.Join(dir, "bootstrap")
	run(t, ".", []string{"CGO_ENABLED=0"}, "go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", "-X "+versionVar+"="+e2eVersion, "-o", bootstrap, ".")
	archive := filepath.Join(dir, "lambda.zip")
	run(t, repoRoot, nil, "go", "run", "./deploy/pack", "-o", archive, "-x", "bootstrap="+bootstrap,
		"-policy", filepath.Join("deploy", "policy.example.yaml"))
	task := filepath.Join(dir, "task")
	unzip(t, archive, task)
	info, err := os.Stat(filepath.Join(task, "bootstrap"))
	require.NoError(t, err)
	require.NotZero(t, info.Mode()&0o100, "bootstrap keeps its executable bit in the zip")
	return task
}

func run(t *testing.T, dir string, env []string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %s:\n%s", name, strings.Join(args, " "), out)
}

func unzip(t *testing.T, archive, dir string) {
	t.Helper()
	zr, err := zip.OpenReader(archive)
	require.NoError(t, err)
	defer zr.Close()
	for _, f := range zr.File {
		path := filepath.Join(dir, filepath.FromSlash(f.Name))
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		src, err := f.Open()
		require.NoError(t, err)
		data, err := io.ReadAll(src)
		src.Close()
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, data, f.Mode().Perm()))
	}
}

// function is bootstrap running under the emulator.
type function struct {
	*localrun.Lambda
}

// startFunction starts the emulator on free loopback ports with bootstrap in task, the function's
// environment set to env and nothing else, and stops it with SIGTERM when the test ends.
func startFunction(t *testing.T, emulator, task string, env map[string]string) *function {
	t.Helper()
	fn, err := localrun.StartLambda(emulator, task, env, patience)
	require.NoError(t, err)
	t.Cleanup(func() {
		if err := fn.Stop(patience); errors.Is(err, localrun.ErrKilled) {
			t.Errorf("the emulator did not stop on SIGTERM; killed it")
		}
		if t.Failed() {
			t.Logf("emulator output:\n%s", fn.Output)
		}
	})
	t.Cleanup(func() { checkEMF(t, fn.Output.Lines(), env) })
	return &function{fn}
}

// checkEMF holds every line the function wrote to the Embedded Metric Format specification: each
// request's line (it names an outcome) is an EMF document in the namespace configured, with its
// outcome as the Outcome dimension, unless SUBGATE_METRICS=false, when no line is one.
func checkEMF(t *testing.T, lines []string, env map[string]string) {
	t.Helper()
	namespace := env["SUBGATE_METRICS_NAMESPACE"]
	if namespace == "" {
		namespace = "subgate"
	}
	requests := 0
	for _, line := range lines {
		if !strings.HasPrefix(line, `{"time":`) {
			continue // the emulator's own lines
		}
		metrics, err := emfcheck.Check([]byte(line), time.Now())
		if !assert.NoError(t, err, "an EMF document CloudWatch would drop: %s", line) {
			continue
		}
		var fields map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &fields))
		if env["SUBGATE_METRICS"] == "false" {
			assert.Nil(t, metrics, "metrics are off: %s", line)
			continue
		}
		for _, m := range metrics {
			assert.Equal(t, namespace, m.Namespace, line)
		}
		if outcome, ok := fields["outcome"]; ok {
			requests++
			assert.NotEmpty(t, metrics, "a request's line is its EMF document: %s", line)
			assert.Equal(t, outcome, fields["Outcome"], line)
		} else if fields["msg"] == "metrics" { // a request line the log level left out
			requests++
			assert.NotEmpty(t, metrics, line)
			assert.Contains(t, fields, "Outcome", line)
		}
	}
	if env["SUBGATE_METRICS"] != "false" {
		assert.NotZero(t, requests, "no request line was checked")
	}
}

// invoke sends one event through the emulator's Invoke API and returns the function's answer.
func (f *function) invoke(t *testing.T, requestID string, payload []byte) string {
	t.Helper()
	out, err := f.Invoke(requestID, payload)
	require.NoError(t, err, "emulator output:\n%s", f.Output)
	return string(out)
}

// waitFor waits for a line of the emulator's output holding want (the function's lines reach it
// through a pipe, after the answer may have) and returns it.
func (f *function) waitFor(t *testing.T, want string) string {
	t.Helper()
	line, err := f.Output.WaitFor(want, patience)
	require.NoError(t, err, "emulator output:\n%s", f.Output)
	return line
}

// logLine waits for subgate's log line of requestID and returns it decoded.
func (f *function) logLine(t *testing.T, requestID string) map[string]any {
	t.Helper()
	line, err := f.Output.LogLine(requestID, patience)
	require.NoError(t, err, "emulator output:\n%s", f.Output)
	return line
}

// initStarts counts the function's starts so far, once the line of the last request, lastID, is in.
func (f *function) initStarts(t *testing.T, lastID string) int {
	t.Helper()
	f.logLine(t, lastID)
	n := 0
	for _, line := range f.Output.Lines() {
		if strings.Contains(line, "INIT START") {
			n++
		}
	}
	return n
}

// httpAPIEventWithQuery is the HTTP API console event with more added to its query string.
func httpAPIEventWithQuery(t *testing.T, more string) []byte {
	t.Helper()
	var event map[string]any
	require.NoError(t, json.Unmarshal(readFile(t, repoRoot, "deploy", "events", "lambda-http-api.json"), &event))
	raw, ok := event["rawQueryString"].(string)
	require.True(t, ok, "rawQueryString is a string")
	event["rawQueryString"] = raw + more
	payload, err := json.Marshal(event)
	require.NoError(t, err)
	return payload
}

// asGroupEvent is an HTTP event carrying body, a group webhook's (base64-encoded when the event's
// body is), with command for its CallbackCommand.
func asGroupEvent(t *testing.T, event []byte, command string, body []byte) []byte {
	t.Helper()
	event = bytes.ReplaceAll(event, []byte(webhook.CommandBeforeAddSubscriber), []byte(command))
	// An ALB passes the query as the client sent it: the fixture escapes the command's dot.
	event = bytes.ReplaceAll(event, []byte(strings.ReplaceAll(webhook.CommandBeforeAddSubscriber, ".", "%2E")), []byte(strings.ReplaceAll(command, ".", "%2E")))
	var e map[string]any
	require.NoError(t, json.Unmarshal(event, &e))
	e["body"] = string(body)
	if e["isBase64Encoded"] == true {
		e["body"] = base64.StdEncoding.EncodeToString(body)
	}
	out, err := json.Marshal(e)
	require.NoError(t, err)
	return out
}

// proxyAnswer is the response to an API Gateway or Function URL event: status and the answer body.
func proxyAnswer(status int, body string) string {
	out, _ := json.Marshal(map[string]any{"statusCode": status, "headers": map[string]string{"Content-Type": "application/json; charset=utf-8"},
		"body": body, "isBase64Encoded": false})
	return string(out)
}

// albMultiAnswer is the response to an ALB event with multi-value headers.
func albMultiAnswer(status int, body string) string {
	out, _ := json.Marshal(map[string]any{"statusCode": status, "statusDescription": fmt.Sprintf("%d %s", status, http.StatusText(status)),
		"multiValueHeaders": map[string][]string{"Content-Type": {"application/json; charset=utf-8"}}, "body": body, "isBase64Encoded": false})
	return string(out)
}

func readFile(t *testing.T, elem ...string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(elem...))
	require.NoError(t, err)
	return data
}

// readFixture reads one of package lambdaevent's hand-written events.
func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	return readFile(t, repoRoot, "pkg", "lambdaevent", "testdata", name)
}
