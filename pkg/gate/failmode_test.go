package gate

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/syncbuf"
	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/source"
	"github.com/subgate/subgate/pkg/webhook"
)

// undecidedAnswer is the answer to a request subgate cannot decide, in each fail mode.
func undecidedAnswer(mode, cause string) string {
	info, _ := json.Marshal("subgate cannot decide: " + cause)
	if mode == config.FailOpen {
		return `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":` + string(info) + `}`
	}
	return `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":` + string(info) + `}`
}

// logLines decodes each JSON line of logs.
func logLines(t *testing.T, logs string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for line := range strings.Lines(logs) {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), "log line %q", line)
		lines = append(lines, m)
	}
	return lines
}

// checkUndecidedLine checks the one line an undecided request gets: at error, "undecided", with the
// fail mode and the cause.
func checkUndecidedLine(t *testing.T, line map[string]any, mode, cause string) {
	t.Helper()
	assert.Equal(t, "ERROR", line["level"])
	assert.Equal(t, "undecided", line["msg"])
	assert.Equal(t, mode, line["fail_mode"])
	assert.Equal(t, cause, line["reason"])
	assert.Equal(t, webhook.CommandBeforeAddSubscriber, line["command"])
	assert.Equal(t, float64(200), line["status"])
}

// A configuration error: no check can be trusted, so every CallbackBeforeAddSubscriber request
// gets the fail mode's answer, 200, naming the error; other commands are answered 500 naming it, as
// a gate that cannot relay or check anything.
func TestConfigurationErrorIsAnsweredByTheFailMode(t *testing.T) {
	const cause = "invalid configuration: SUBGATE_POLICY_FILE: policy file: open testdata/missing.yaml: no such file or directory"
	for _, mode := range []string{config.FailClosed, config.FailOpen} {
		t.Run(mode, func(t *testing.T) {
			var logs bytes.Buffer
			g := FromEnv(func(k string) string {
				return map[string]string{config.EnvSdkAppID: appID, config.EnvPolicyFile: "testdata/missing.yaml", config.EnvFailMode: mode}[k]
			}, &logs)
			require.Error(t, g.Err())
			want := undecidedAnswer(mode, cause)

			resp := g.Serve(context.Background(), Request{Method: "POST", Query: query(webhook.CommandBeforeAddSubscriber), Body: sample(t)})
			assert.Equal(t, 200, resp.StatusCode)
			assert.Equal(t, want, string(resp.Body))
			assert.Equal(t, want, string(g.ServeDirect(context.Background(), sample(t), "")))

			other := g.Serve(context.Background(), Request{Method: "POST", Query: query("C2C.CallbackBeforeSendMsg"), Body: []byte(`{}`)})
			assert.Equal(t, 500, other.StatusCode)
			assert.Equal(t, `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"subgate is not configured correctly: `+cause+`"}`, string(other.Body))

			lines := logLines(t, logs.String())
			require.Len(t, lines, 4)
			assert.Equal(t, "subgate cannot start: fix the configuration", lines[0]["msg"])
			assert.Equal(t, mode, lines[0]["fail_mode"])
			checkUndecidedLine(t, lines[1], mode, cause)
			checkUndecidedLine(t, lines[2], mode, cause)
			assert.Equal(t, "failed", lines[3]["msg"])
		})
	}
}

// An unknown fail mode is itself a configuration error, answered closed.
func TestUnknownFailModeIsAnsweredClosed(t *testing.T) {
	var logs bytes.Buffer
	g := FromEnv(func(k string) string {
		return map[string]string{config.EnvSdkAppID: appID, config.EnvFailMode: "allow"}[k]
	}, &logs)
	require.Error(t, g.Err())
	resp := g.Serve(context.Background(), Request{Method: "POST", Query: query(webhook.CommandBeforeAddSubscriber), Body: sample(t)})
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, undecidedAnswer(config.FailClosed, `invalid configuration: SUBGATE_FAIL_MODE must be closed or open, not "allow"`), string(resp.Body))
}

// A fault inside the decision is answered by the fail mode and logged with its stack; the gate keeps
// serving. A fault on another command is answered 500.
func TestPanicIsAnsweredByTheFailMode(t *testing.T) {
	for _, mode := range []string{config.FailClosed, config.FailOpen} {
		t.Run(mode, func(t *testing.T) {
			var logs bytes.Buffer
			// a nil policy panics in Decide
			g := withSource(config.Config{SdkAppID: appID, FailMode: mode}, source.Static(&source.Active{}), NewLogger(&logs, slog.LevelInfo))
			want := undecidedAnswer(mode, "internal error; see its log")
			resp := g.Serve(context.Background(), Request{Method: "POST", Query: query(webhook.CommandBeforeAddSubscriber), Body: sample(t)})
			assert.Equal(t, 200, resp.StatusCode)
			assert.Equal(t, want, string(resp.Body))
			assert.Equal(t, want, string(g.ServeDirect(context.Background(), sample(t), "")))

			lines := logLines(t, logs.String())
			require.Len(t, lines, 4)
			assert.Equal(t, "internal fault", lines[0]["msg"])
			assert.Contains(t, lines[0]["stack"], "goroutine")
			checkUndecidedLine(t, lines[1], mode, "internal error; see its log")
			assert.Equal(t, "internal fault", lines[2]["msg"])
			checkUndecidedLine(t, lines[3], mode, "internal error; see its log")
		})
	}
}

// A policy URL whose store cannot be reached, and no fallback: once the SdkAppid and signature
// checks pass, every decision is answered by the fail mode naming the cause; the other commands
// still go on, requests that fail the checks are still refused, and the gate keeps serving.
func TestNoPolicyYetIsAnsweredByTheFailMode(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := ln.Addr().String()
	require.NoError(t, ln.Close())
	for _, mode := range []string{config.FailClosed, config.FailOpen} {
		t.Run(mode, func(t *testing.T) {
			var logs syncbuf.Buffer
			g := FromEnv(func(k string) string {
				return map[string]string{config.EnvSdkAppID: appID, config.EnvPolicyURL: "http://" + closed + "/policy.bundle",
					config.EnvPolicyFetchTimeout: "200ms", config.EnvFailMode: mode}[k]
			}, &logs)
			require.NoError(t, g.Err())
			wantCode := map[string]int{config.FailClosed: 1, config.FailOpen: 0}[mode]
			for range 2 {
				resp := g.Serve(context.Background(), Request{Method: "POST", Query: query(webhook.CommandBeforeAddSubscriber), Body: sample(t)})
				assert.Equal(t, 200, resp.StatusCode)
				var a webhook.Answer
				require.NoError(t, json.Unmarshal(resp.Body, &a))
				assert.Equal(t, webhook.StatusOK, a.ActionStatus)
				assert.Equal(t, wantCode, a.ErrorCode)
				assert.Empty(t, a.Refused)
				assert.True(t, strings.HasPrefix(a.ErrorInfo, "subgate cannot decide: "+source.ErrNoPolicy.Error()+": "), a.ErrorInfo)
				assert.Contains(t, a.ErrorInfo, "policy store unreachable")
				assert.Equal(t, string(resp.Body), string(g.ServeDirect(context.Background(), sample(t), "")))
			}
			other := g.Serve(context.Background(), Request{Method: "POST", Query: query("C2C.CallbackBeforeSendMsg"), Body: []byte(`{}`)})
			assert.Equal(t, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`, string(other.Body), "other commands never wait for a policy")
			wrongApp := g.Serve(context.Background(), Request{Method: "POST", Query: query(webhook.CommandBeforeAddSubscriber, "SdkAppid", "1400000002"), Body: sample(t)})
			assert.Equal(t, 403, wrongApp.StatusCode, "the SdkAppid check comes first")
			badBody := g.Serve(context.Background(), Request{Method: "POST", Query: query(webhook.CommandBeforeAddSubscriber), Body: []byte(`{}`)})
			assert.Equal(t, 400, badBody.StatusCode, "so does the body's")

			undecided := 0
			for _, line := range logLines(t, logs.String()) {
				if line["msg"] == "undecided" {
					undecided++
					assert.Equal(t, "ERROR", line["level"])
					assert.Equal(t, mode, line["fail_mode"])
					assert.Contains(t, line["reason"], "policy store unreachable")
				}
			}
			assert.Equal(t, 4, undecided)
		})
	}
}

// A fault on a group command is answered by the fail mode only when the policy deciding now decides
// groups (or is not known): with a policy that has no groups key, a group command is another
// command, and its fault is answered 500, as another command's is.
func TestFaultOnAGroupCommand(t *testing.T) {
	invite := func() string { return webhook.CommandBeforeInviteJoinGroup }
	for _, tt := range []struct {
		name, policy string
		status       int
	}{
		{"PolicyWithGroups", "groups: {}\n", 200},
		{"PolicyWithoutGroups", "deny: [jared]\n", 500},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			g := New(config.Config{SdkAppID: appID}, testPolicy(t, tt.policy), NewLogger(&logs, slog.LevelInfo))
			resp := g.Fault(context.Background(), "req-1", invite)
			assert.Equal(t, tt.status, resp.StatusCode, "%s", resp.Body)
			if tt.status == 200 {
				assert.JSONEq(t, undecidedAnswer(config.FailClosed, "internal error; see its log"), string(resp.Body))
			}
			assert.Contains(t, logs.String(), `"command":"Group.CallbackBeforeInviteJoinGroup"`)
		})
	}
}
