package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/localrun"
	"github.com/subgate/subgate/pkg/webhook"
)

const sampleQuery = "?SdkAppid=1400000001&CallbackCommand=OfficialAccount.CallbackBeforeAddSubscriber&contenttype=json&ClientIP=127.0.0.1&OptPlatform=RESTAPI"

// patience bounds waiting for the server to listen, for a log line and for it to stop: generous,
// since the machine may be busy; nothing waits for it when things work.
const patience = 30 * time.Second

// The version the test builds the server with, and the variable it sets.
const (
	versionVar = "github.com/subgate/subgate/internal/version.version"
	e2eVersion = "v0.0.0-e2e"
)

// buildServer builds this command into a temporary folder.
func buildServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "subgate-http")
	out, err := exec.Command("go", "build", "-ldflags", "-X "+versionVar+"="+e2eVersion, "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, string(out))
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	addr, err := localrun.FreeAddr()
	require.NoError(t, err)
	return addr
}

// server is the real binary, started with env, its output collected line by line.
type server struct {
	*localrun.Process
	addr string
}

func start(t *testing.T, bin string, env ...string) *server {
	t.Helper()
	s := &server{addr: freeAddr(t)}
	cmd := exec.Command(bin)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "SUBGATE_ADDR=" + s.addr}, env...)
	p, err := localrun.Start(cmd)
	require.NoError(t, err)
	s.Process = p
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			t.Logf("server output:\n%s", p.Output)
		}
	})
	s.waitFor(t, `"msg":"listening"`)
	return s
}

// waitFor returns the first log line holding want, waiting for it with a deadline.
func (s *server) waitFor(t *testing.T, want string) string {
	t.Helper()
	line, err := s.Output.WaitFor(want, patience)
	require.NoError(t, err, "server output:\n%s", s.Output)
	return line
}

func post(t *testing.T, url string, body []byte) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(got)
}

func TestServerEndToEnd(t *testing.T) {
	bin := buildServer(t)
	sample, err := os.ReadFile("../../deploy/sample-request.json")
	require.NoError(t, err)

	t.Run("ExamplePolicyBlocksJared", func(t *testing.T) {
		s := start(t, bin, "SUBGATE_SDKAPPID=1400000001", "SUBGATE_POLICY_FILE=../../deploy/policy.example.yaml")
		assert.Contains(t, s.waitFor(t, `"msg":"started"`), `"version":"`+e2eVersion+`"`)
		status, body := post(t, "http://"+s.addr+"/"+sampleQuery, sample)
		assert.Equal(t, 200, status)
		assert.Equal(t, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["jared"]}`, body)
		line := s.waitFor(t, `"msg":"decided"`)
		assert.Contains(t, line, `"refused":1`)

		status, body = post(t, "http://"+s.addr+"/?SdkAppid=1400000002&CallbackCommand=OfficialAccount.CallbackBeforeAddSubscriber", sample)
		assert.Equal(t, 403, status)
		assert.Equal(t, `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"SdkAppid 1400000002 does not match this deployment"}`, body)

		resp, err := http.Get("http://" + s.addr + "/healthz")
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 200, resp.StatusCode)

		// SIGTERM: a graceful shutdown and a clean exit.
		require.NoError(t, s.Signal(syscall.SIGTERM))
		s.waitFor(t, `"msg":"shutting down"`)
		require.NoError(t, s.Wait(patience))
	})

	t.Run("GroupWebhooks", func(t *testing.T) {
		// The example policy decides the group webhooks; a policy without the groups key does not.
		invite, err := os.ReadFile("../../deploy/sample-group-invite.json")
		require.NoError(t, err)
		apply, err := os.ReadFile("../../deploy/sample-group-apply.json")
		require.NoError(t, err)
		groupQuery := func(command string) string {
			return "?SdkAppid=1400000001&CallbackCommand=" + command + "&contenttype=json&ClientIP=127.0.0.1&OptPlatform=Android"
		}
		s := start(t, bin, "SUBGATE_SDKAPPID=1400000001", "SUBGATE_POLICY_FILE=../../deploy/policy.example.yaml")
		status, body := post(t, "http://"+s.addr+"/"+groupQuery(webhook.CommandBeforeInviteJoinGroup), invite)
		assert.Equal(t, 200, status)
		assert.Equal(t, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedMembers_Account":["jared"]}`, body)
		status, body = post(t, "http://"+s.addr+"/"+groupQuery(webhook.CommandBeforeApplyJoinGroup), apply)
		assert.Equal(t, 200, status)
		assert.Equal(t, `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"the request to join this group is refused"}`, body)
		line := s.waitFor(t, `"requestor_account":"jared"`)
		assert.Contains(t, line, `"group_id":"@TGS#2J4SZEAEL","group_type":"Public","requestor_account":"jared","members":1,"refused":0,"error_code":1,"status":200,"outcome":"rejected"`)
		status, body = post(t, "http://"+s.addr+"/"+groupQuery(webhook.CommandBeforeApplyJoinGroup), invite)
		assert.Equal(t, 400, status)
		assert.Equal(t, `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"bad request body: Requestor_Account is missing"}`, body)

		other := start(t, bin, "SUBGATE_SDKAPPID=1400000001", `SUBGATE_POLICY=deny: ["jared"]`)
		status, body = post(t, "http://"+other.addr+"/"+groupQuery(webhook.CommandBeforeInviteJoinGroup), invite)
		assert.Equal(t, 200, status)
		assert.Equal(t, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`, body)
	})

	t.Run("NoPolicyAllowsAll", func(t *testing.T) {
		s := start(t, bin, "SUBGATE_SDKAPPID=1400000001")
		status, body := post(t, "http://"+s.addr+"/"+sampleQuery, sample)
		assert.Equal(t, 200, status)
		assert.Equal(t, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`, body)
	})

	t.Run("Version", func(t *testing.T) {
		out, err := exec.Command(bin, "-version").CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.Regexp(t, `^subgate `+regexp.QuoteMeta(e2eVersion)+` \(go[0-9.]+\S* \S+/\S+\)\n$`, string(out))
	})

	t.Run("ConfigErrorRefusesToStart", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin)
		cmd.Env = []string{"SUBGATE_SDKAPPID=not-digits"}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var exitErr *exec.ExitError
		require.ErrorAs(t, err, &exitErr)
		assert.Equal(t, 2, exitErr.ExitCode())
		assert.Equal(t, "subgate: invalid configuration: SUBGATE_SDKAPPID must be the app's SDKAppID, digits only, not \"not-digits\"\n", stderr.String())
	})
}
