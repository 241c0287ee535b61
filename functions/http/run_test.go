package main

// make run, as docs/local.md describes it: the SUBGATE_* variables you set win over the demo's
// defaults, and the process make starts is the server itself, so SIGTERM stops it gracefully.

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/localrun"
	"github.com/subgate/subgate/internal/testkit"
)

const runVersion = "v0.0.0-make-run"

func TestMakeRun(t *testing.T) {
	repo := testkit.CopyRepo(t, filepath.Join("..", ".."))
	sample, err := os.ReadFile("../../deploy/sample-request.json")
	require.NoError(t, err)
	answer := func(refused string) string {
		return `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["` + refused + `"]}`
	}
	webhookURL := func(addr, appID string) string {
		return "http://" + addr + "/?SdkAppid=" + appID + "&CallbackCommand=OfficialAccount.CallbackBeforeAddSubscriber"
	}

	t.Run("DemoDefaults", func(t *testing.T) {
		addr := freeAddr(t)
		run := startMakeRun(t, repo, "ADDR="+addr) // make's own ADDR, so as not to take 8080 from you
		status, body := post(t, webhookURL(addr, "1400000001"), sample)
		assert.Equal(t, 200, status)
		assert.Equal(t, answer("jared"), body, "the example policy denies jared")
		run.stop(t)
	})

	t.Run("ExportedVariablesWin", func(t *testing.T) {
		addr := freeAddr(t)
		run := startMakeRun(t, repo, "SUBGATE_SDKAPPID=1400000099", "SUBGATE_ADDR="+addr)
		status, body := post(t, webhookURL(addr, "1400000099"), sample)
		assert.Equal(t, 200, status)
		assert.Equal(t, answer("jared"), body)
		status, body = post(t, webhookURL(addr, "1400000001"), sample)
		assert.Equal(t, 403, status, "the demo's app ID is not this one's")
		assert.Equal(t, `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"SdkAppid 1400000001 does not match this deployment"}`, body)
		run.stop(t)
	})

	t.Run("InlinePolicyReplacesTheFile", func(t *testing.T) {
		addr := freeAddr(t)
		run := startMakeRun(t, repo, "SUBGATE_ADDR="+addr, `SUBGATE_POLICY=deny: ["leckie"]`)
		status, body := post(t, webhookURL(addr, "1400000001"), sample)
		assert.Equal(t, 200, status)
		assert.Equal(t, answer("leckie"), body, "the inline policy, not the example file")
		run.stop(t)
	})

	t.Run("PolicyFileVariableWins", func(t *testing.T) {
		addr := freeAddr(t)
		policy := filepath.Join(t.TempDir(), "policy.yaml")
		require.NoError(t, os.WriteFile(policy, []byte(`deny: ["leckie"]`+"\n"), 0o644))
		run := startMakeRun(t, repo, "SUBGATE_ADDR="+addr, "SUBGATE_POLICY_FILE="+policy)
		status, body := post(t, webhookURL(addr, "1400000001"), sample)
		assert.Equal(t, 200, status)
		assert.Equal(t, answer("leckie"), body)
		run.stop(t)
	})
}

// makeRun is `make run` started from a test, in a process group of its own.
type makeRun struct {
	*localrun.Process
	addr string
}

// startMakeRun runs `make run` in repo with vars (NAME=value) in its environment, as exported
// variables are, and waits until the server listens at the address it logs.
func startMakeRun(t *testing.T, repo string, vars ...string) *makeRun {
	t.Helper()
	cmd := exec.Command("make", "--no-print-directory", "run", "VERSION="+runVersion)
	cmd.Dir = repo
	for _, kv := range os.Environ() {
		// Nothing of the environment this test runs in: no SUBGATE_* variable, and not the
		// MAKEFLAGS of a make that runs the tests.
		if !strings.HasPrefix(kv, "SUBGATE_") && !strings.HasPrefix(kv, "MAKEFLAGS=") && !strings.HasPrefix(kv, "MAKELEVEL=") && !strings.HasPrefix(kv, "MFLAGS=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, vars...)
	p, err := localrun.Start(cmd)
	require.NoError(t, err)
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			t.Logf("make run output:\n%s", p.Output)
		}
	})
	started, err := p.Output.WaitFor(`"msg":"started"`, patience)
	require.NoError(t, err, "make run output:\n%s", p.Output)
	assert.Contains(t, started, `"version":"`+runVersion+`"`, "make links VERSION into the binary")
	line, err := p.Output.WaitFor(`"msg":"listening"`, patience)
	require.NoError(t, err, "make run output:\n%s", p.Output)
	_, addr, _ := strings.Cut(line, `"addr":"`)
	addr, _, _ = strings.Cut(addr, `"`)
	for _, kv := range vars {
		if v, ok := strings.CutPrefix(kv, "SUBGATE_ADDR="); ok {
			require.Equal(t, v, addr, "listens where SUBGATE_ADDR says")
		}
		if v, ok := strings.CutPrefix(kv, "ADDR="); ok {
			require.Equal(t, v, addr, "listens where make's ADDR says")
		}
	}
	return &makeRun{Process: p, addr: addr}
}

// stop sends SIGTERM to the make process the test started: make's only child is the server itself
// (exec'd, no shell between), make passes SIGTERM on, the server shuts down gracefully and exits 0,
// and make, which re-raises the signal once its child is gone, ends too. No process is left and
// the port is free.
func (r *makeRun) stop(t *testing.T) {
	t.Helper()
	children := childrenOf(t, r.Pid())
	require.Len(t, children, 1, "make has one child")
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", children[0]))
	require.NoError(t, err)
	assert.Equal(t, "http", filepath.Base(exe), "make's child is the server, not a shell or go run")

	require.NoError(t, r.Signal(syscall.SIGTERM))
	err = r.Wait(patience)
	var exit *exec.ExitError
	require.True(t, errors.As(err, &exit), "make ended: %v", err)
	status := exit.Sys().(syscall.WaitStatus)
	assert.True(t, status.Signaled() && status.Signal() == syscall.SIGTERM, "make re-raises SIGTERM after its child exits: %v", err)

	out := r.Output.String()
	assert.Contains(t, out, `"msg":"shutting down"`, "a graceful shutdown")
	assert.NotContains(t, out, "make: ***", "make reports no error from the server: it exited 0")
	assert.NotContains(t, out, "subgate:", "the server wrote no error")
	assert.ErrorIs(t, syscall.Kill(-r.Pid(), 0), syscall.ESRCH, "no process of make run's group is left")
	ln, err := net.Listen("tcp", r.addr)
	require.NoError(t, err, "the port is free")
	ln.Close()
}

// childrenOf lists a process's children (Linux: /proc/PID/task/TID/children).
func childrenOf(t *testing.T, pid int) []int {
	t.Helper()
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	require.NoError(t, err)
	var children []int
	for _, task := range tasks {
		data, err := os.ReadFile(task)
		require.NoError(t, err)
		for _, field := range strings.Fields(string(data)) {
			child, err := strconv.Atoi(field)
			require.NoError(t, err)
			children = append(children, child)
		}
	}
	return children
}
