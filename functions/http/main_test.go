package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sampleQuery = "?SdkAppid=1400000001&CallbackCommand=OfficialAccount.CallbackBeforeAddSubscriber&contenttype=json&ClientIP=127.0.0.1&OptPlatform=RESTAPI"

// buildServer builds this command into a temporary folder.
func buildServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "subgate-http")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, string(out))
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// server is the real binary, started with env, its stdout collected line by line.
type server struct {
	cmd   *exec.Cmd
	addr  string
	lines chan string
}

func start(t *testing.T, bin string, env ...string) *server {
	t.Helper()
	s := &server{addr: freeAddr(t), lines: make(chan string, 100)}
	s.cmd = exec.Command(bin)
	s.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "SUBGATE_ADDR=" + s.addr}, env...)
	stdout, err := s.cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, s.cmd.Start())
	t.Cleanup(func() { _ = s.cmd.Process.Kill(); _ = s.cmd.Wait() })
	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			s.lines <- scanner.Text()
		}
		close(s.lines)
	}()
	s.waitFor(t, `"msg":"listening"`)
	return s
}

// waitFor returns the first log line holding want, failing after 10 s.
func (s *server) waitFor(t *testing.T, want string) string {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case line, ok := <-s.lines:
			require.True(t, ok, "server stopped before logging %s", want)
			if strings.Contains(line, want) {
				return line
			}
		case <-timeout:
			require.FailNow(t, "no log line with "+want)
		}
	}
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
		require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
		s.waitFor(t, `"msg":"shutting down"`)
		require.NoError(t, s.cmd.Wait())
	})

	t.Run("NoPolicyAllowsAll", func(t *testing.T) {
		s := start(t, bin, "SUBGATE_SDKAPPID=1400000001")
		status, body := post(t, "http://"+s.addr+"/"+sampleQuery, sample)
		assert.Equal(t, 200, status)
		assert.Equal(t, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`, body)
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
