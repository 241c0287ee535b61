package main

// End-to-end tests: the real binary, started as SCF starts it and invoked over net/rpc as SCF
// invokes it (scf-go-lib's Function.Invoke), with the configuration sent in each InvokeRequest.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/rpc"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tencentyun/scf-go-lib/cloudfunction/messages"

	"github.com/subgate/subgate/pkg/webhook"
)

const (
	answerRefusedJared = `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["jared"]}`
	contentType        = "application/json; charset=utf-8"
	// startTimeout bounds waiting for the process to listen and for a log line: generous, since
	// the machine may be busy; nothing waits for it when things work.
	startTimeout = 30 * time.Second
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
		for _, file := range files {
			t.Run(filepath.Base(file), func(t *testing.T) {
				data, err := os.ReadFile(file)
				require.NoError(t, err)
				want := functionURLAnswer(200, answerRefusedJared)
				if strings.Contains(string(data), `"requestContext"`) {
					want = apiGatewayAnswer(200, answerRefusedJared)
				}
				assert.JSONEq(t, want, fn.invoke(t, "req-"+filepath.Base(file), data, exampleEnv))
			})
		}
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

	t.Run("BrokenConfiguration", func(t *testing.T) {
		fn := startFunction(t, bin)
		env := map[string]string{"SUBGATE_SDKAPPID": "14000abc", "SUBGATE_POLICY_FILE": policyFile}
		problem := failure(`subgate is not configured correctly: invalid configuration: SUBGATE_SDKAPPID must be the app's SDKAppID, digits only, not "14000abc"`)

		got := fn.invoke(t, "req-broken-1", readFile(t, "..", "..", "deploy", "events", "scf-function-url.json"), env)
		assert.JSONEq(t, functionURLAnswer(500, problem), got)
		got = fn.invoke(t, "req-broken-2", readFile(t, "..", "..", "deploy", "events", "scf-apigw.json"), env)
		assert.JSONEq(t, apiGatewayAnswer(500, problem), got)
		got = fn.invoke(t, "req-broken-3", readFile(t, "..", "..", "deploy", "sample-request.json"), env)
		assert.JSONEq(t, problem, got)
		// Lines arrive in order: once the last request's is in, the start error is too.
		assert.Equal(t, "failed", fn.logLine(t, "req-broken-3")["msg"])
		assert.Contains(t, fn.stdout(), `"msg":"subgate cannot start: fix the configuration"`)
		assert.Contains(t, fn.stdout(), `SUBGATE_SDKAPPID must be the app's SDKAppID`)
	})
}

// buildFunction builds this package's binary, as `make package-scf` does but for this machine.
func buildFunction(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "main")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// function is a running SCF function process and an RPC client to it.
type function struct {
	client *rpc.Client

	mu     sync.Mutex
	lines  []string
	closed bool // stdout has ended: the process is gone
	added  *sync.Cond
}

// startFunction starts bin as SCF does: _LAMBDA_SERVER_PORT names the port scf-go-lib serves
// net/rpc on, and no SUBGATE_* variable is in its environment. The process is killed at cleanup.
func startFunction(t *testing.T, bin string) *function {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command(bin)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SUBGATE_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "_LAMBDA_SERVER_PORT="+port)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	fn := &function{}
	fn.added = sync.NewCond(&fn.mu)
	go fn.collect(stdout, exited)
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("function stdout:\n%s\nstderr:\n%s", fn.stdout(), stderr.String())
		}
	})

	// scf-go-lib says nothing when it listens: dial until it answers, or the process ends.
	deadline := time.Now().Add(startTimeout)
	for {
		conn, err := net.Dial("tcp", "127.0.0.1:"+port)
		if err == nil {
			fn.client = rpc.NewClient(conn)
			break
		}
		select {
		case <-exited:
			t.Fatalf("the function exited before listening: %s", stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		require.True(t, time.Now().Before(deadline), "the function did not listen on port %s", port)
	}
	t.Cleanup(func() { fn.client.Close() })
	require.NoError(t, fn.client.Call("Function.Ping", &messages.PingRequest{}, &messages.PingResponse{}))
	return fn
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// collect keeps the function's log lines; exited is closed when its stdout closes.
func (fn *function) collect(stdout io.Reader, exited chan<- struct{}) {
	defer close(exited)
	scanner := bufio.NewScanner(stdout)
	scanner.Buffer(make([]byte, 64<<10), 1<<20)
	for scanner.Scan() {
		fn.mu.Lock()
		fn.lines = append(fn.lines, scanner.Text())
		fn.added.Broadcast()
		fn.mu.Unlock()
	}
	fn.mu.Lock()
	fn.closed = true
	fn.added.Broadcast()
	fn.mu.Unlock()
}

func (fn *function) stdout() string {
	fn.mu.Lock()
	defer fn.mu.Unlock()
	return strings.Join(fn.lines, "\n")
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
	req := messages.InvokeRequest{
		Payload:         payload,
		RequestId:       requestID,
		Deadline:        messages.InvokeRequest_Timestamp{Seconds: deadline.Unix(), Nanos: int64(deadline.Nanosecond())},
		FunctionName:    "subgate",
		FunctionVersion: "$LATEST",
		MemoryLimitInMb: 64,
		TimeLimitInMs:   3000,
	}
	if env != nil {
		data, err := json.Marshal(env)
		require.NoError(t, err)
		req.Environment = string(data)
	}
	var resp messages.InvokeResponse
	require.NoError(t, fn.client.Call("Function.Invoke", &req, &resp))
	require.Nil(t, resp.Error, "function error")
	return string(resp.Payload)
}

// logLine waits for the log line of requestID and returns it decoded. The gate writes it before
// answering, but it reaches this process through a pipe, so it may arrive after the answer.
func (fn *function) logLine(t *testing.T, requestID string) map[string]any {
	t.Helper()
	want := fmt.Sprintf(`"request_id":%q`, requestID)
	timedOut := false
	timer := time.AfterFunc(startTimeout, func() {
		fn.mu.Lock()
		timedOut = true
		fn.added.Broadcast()
		fn.mu.Unlock()
	})
	defer timer.Stop()
	fn.mu.Lock()
	defer fn.mu.Unlock()
	for seen := 0; ; {
		for ; seen < len(fn.lines); seen++ {
			if strings.Contains(fn.lines[seen], want) {
				var line map[string]any
				require.NoError(t, json.Unmarshal([]byte(fn.lines[seen]), &line))
				return line
			}
		}
		require.False(t, fn.closed, "the function exited before logging %s", requestID)
		require.False(t, timedOut, "no log line for %s", requestID)
		fn.added.Wait()
	}
}

func readFile(t *testing.T, path ...string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(path...))
	require.NoError(t, err)
	return data
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
