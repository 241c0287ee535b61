package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/pkg/webhook"

	"github.com/subgate/subgate/internal/testkit"
)

// The emulator the end-to-end test runs bootstrap under; `make test` installs it into bin/.
const (
	envEmulator    = "SUBGATE_RIE"
	emulatorName   = "aws-lambda-rie"
	emulatorModule = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d"
)

var repoRoot = filepath.Join("..", "..")

const (
	headersJSON       = `{"Content-Type":"application/json; charset=utf-8"}`
	answerRefused     = `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["jared"]}`
	proxyRefused      = `{"statusCode":200,"headers":` + headersJSON + `,"body":"{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"ErrorInfo\":\"\",\"RefusedSubscribers_Account\":[\"jared\"]}","isBase64Encoded":false}`
	albMultiRefused   = `{"statusCode":200,"statusDescription":"200 OK","multiValueHeaders":{"Content-Type":["application/json; charset=utf-8"]},"body":"{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"ErrorInfo\":\"\",\"RefusedSubscribers_Account\":[\"jared\"]}","isBase64Encoded":false}`
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
		out := fn.output.String()
		assert.Equal(t, 1, strings.Count(out, "INIT START"), "the function was started once and never restarted:\n%s", out)
		assert.Contains(t, out, `"request_id":"e2e-HTTPAPIConsoleEvent"`)
		assert.Contains(t, out, `"request_id":"e2e-MalformedEvent","reason":"event not recognised: the payload is not a JSON object"`)
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
		assert.Contains(t, fn.output.String(), `"request_id":"e2e-relay-down"`)
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
		out := fn.output.String()
		assert.Contains(t, out, `"request_id":"e2e-hanging-backend"`)
		assert.Contains(t, out, `relay failed, answered OK instead`)
		assert.NotContains(t, out, "Task timed out")
		assert.Equal(t, 1, strings.Count(out, "INIT START"), "the invocation was not timed out and the function not restarted:\n%s", out)
	})

	t.Run("BrokenConfiguration", func(t *testing.T) {
		fn := startFunction(t, emulator, task, map[string]string{"SUBGATE_POLICY_FILE": "policy.yaml"})
		const info = `subgate is not configured correctly: invalid configuration: SUBGATE_SDKAPPID is not set: set it to your app's SDKAppID (digits, from the Chat console)`
		for i := range 2 {
			assert.JSONEq(t,
				`{"statusCode":500,"headers":`+headersJSON+`,"body":"{\"ActionStatus\":\"FAIL\",\"ErrorCode\":1,\"ErrorInfo\":\"`+info+`\"}","isBase64Encoded":false}`,
				fn.invoke(t, fmt.Sprintf("e2e-broken-%d", i), readFile(t, repoRoot, "deploy", "events", "lambda-http-api.json")))
		}
		assert.JSONEq(t, `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"`+info+`"}`,
			fn.invoke(t, "e2e-broken-raw", readFile(t, repoRoot, "deploy", "sample-request.json")))
		out := fn.output.String()
		assert.Contains(t, out, `"msg":"subgate cannot start: fix the configuration","error":"invalid configuration: SUBGATE_SDKAPPID is not set`)
		assert.Equal(t, 1, strings.Count(out, "INIT START"), "a configuration error does not crash-loop the function:\n%s", out)
	})
}

// findEmulator finds aws-lambda-rie: $SUBGATE_RIE, then bin/ of the repository, then PATH.
func findEmulator(t *testing.T) string {
	t.Helper()
	if path := os.Getenv(envEmulator); path != "" {
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("%s=%s: %v; `make test` installs the emulator there, or run: go install %s", envEmulator, path, err, emulatorModule)
		}
		return path
	}
	if path, err := filepath.Abs(filepath.Join(repoRoot, "bin", emulatorName)); err == nil {
		if _, err := os.Stat(path); err == nil {
			return path
		}
	}
	if path, err := exec.LookPath(emulatorName); err == nil {
		return path
	}
	t.Fatalf("the Lambda Runtime Interface Emulator (%s) is not installed: `make test` installs it into bin/ "+
		"(or run: GOBIN=$PWD/bin go install %s), or set %s to its path", emulatorName, emulatorModule, envEmulator)
	return ""
}

// buildTask builds bootstrap for this machine, packs it with the example policy by deploy/pack as
// make package-lambda does, and unpacks the zip into a folder laid out like Lambda's /var/task.
func buildTask(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	bootstrap := filepath.Join(dir, "bootstrap")
	run(t, ".", []string{"CGO_ENABLED=0"}, "go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", bootstrap, ".")
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
	invokeURL string
	output    *testkit.Buffer // the emulator's and the function's stdout and stderr
}

// startFunction starts the emulator on free loopback ports with bootstrap in task, the function's
// environment set to env and nothing else, and stops it with SIGTERM when the test ends.
func startFunction(t *testing.T, emulator, task string, env map[string]string) *function {
	t.Helper()
	apiAddr, runtimeAddr := freeAddr(t), freeAddr(t)
	cmd := exec.Command(emulator,
		"--runtime-interface-emulator-address", apiAddr,
		"--runtime-api-address", runtimeAddr,
		filepath.Join(task, "bootstrap"))
	cmd.Dir = task // the function's working directory, as /var/task is on Lambda
	cmd.Env = []string{"AWS_LAMBDA_FUNCTION_TIMEOUT=3", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128", "AWS_LAMBDA_FUNCTION_NAME=subgate"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	output := &testkit.Buffer{}
	cmd.Stdout, cmd.Stderr = output, output
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("the emulator did not stop on SIGTERM; killed it")
		}
	})
	waitListening(t, apiAddr, exited, output)
	return &function{invokeURL: "http://" + apiAddr + "/2015-03-31/functions/function/invocations", output: output}
}

// waitListening waits until the emulator accepts connections on addr, failing if it exits first.
func waitListening(t *testing.T, addr string, exited <-chan error, output *testkit.Buffer) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return
		}
		select {
		case err := <-exited:
			t.Fatalf("the emulator exited before listening on %s: %v\n%s", addr, err, output.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the emulator is not listening on %s: %v\n%s", addr, err, output.String())
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// invoke sends one event through the emulator's Invoke API and returns the function's answer.
func (f *function) invoke(t *testing.T, requestID string, payload []byte) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.invokeURL, bytes.NewReader(payload))
	require.NoError(t, err)
	req.Header.Set("X-Amzn-RequestId", requestID)
	client := &http.Client{Timeout: 20 * time.Second}
	resp, err := client.Do(req)
	require.NoError(t, err, "invoke %s; emulator output:\n%s", requestID, f.output.String())
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "invoke %s answered %s; emulator output:\n%s", requestID, body, f.output.String())
	return string(body)
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
