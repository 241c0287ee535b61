package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/rpc"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tencentyun/scf-go-lib/cloudfunction/messages"
)

const startTimeout = 30 * time.Second

// function is a started function process that answers invocations through its platform's protocol.
type function interface {
	invoke(payload []byte) ([]byte, error)
	pid() (int, error) // the function's own process (not the emulator's)
	stop()
}

// scfFunction is an SCF event function: its process serves net/rpc on _LAMBDA_SERVER_PORT, and each
// invoke request carries the function's environment, as SCF's runtime sends it.
type scfFunction struct {
	cmd    *exec.Cmd
	client *rpc.Client
	env    string
	seq    int
}

// startSCF starts bin in dir and returns once it answers on its port (the start is part of what
// cold start measures).
func startSCF(bin, dir string, env map[string]string) (*scfFunction, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SUBGATE_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "_LAMBDA_SERVER_PORT="+port)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	f := &scfFunction{cmd: cmd}
	if env != nil {
		data, _ := json.Marshal(env)
		f.env = string(data)
	}
	deadline := time.Now().Add(startTimeout)
	for {
		conn, err := net.Dial("tcp", "127.0.0.1:"+port)
		if err == nil {
			f.client = rpc.NewClient(conn)
			return f, nil
		}
		if time.Now().After(deadline) {
			f.stop()
			return nil, fmt.Errorf("%s did not listen on %s", bin, port)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

func (f *scfFunction) invoke(payload []byte) ([]byte, error) {
	f.seq++
	req := messages.InvokeRequest{
		Payload:         payload,
		RequestId:       "bench-" + strconv.Itoa(f.seq),
		Deadline:        messages.InvokeRequest_Timestamp{Seconds: time.Now().Add(3 * time.Second).Unix()},
		FunctionName:    "subgate",
		FunctionVersion: "$LATEST",
		MemoryLimitInMb: 64,
		TimeLimitInMs:   3000,
		Environment:     f.env,
	}
	var resp messages.InvokeResponse
	if err := f.client.Call("Function.Invoke", &req, &resp); err != nil {
		return nil, err
	}
	if resp.Error != nil {
		return nil, fmt.Errorf("function error: %s", resp.Error.Message)
	}
	return resp.Payload, nil
}

func (f *scfFunction) pid() (int, error) { return f.cmd.Process.Pid, nil }

func (f *scfFunction) stop() {
	if f.client != nil {
		f.client.Close()
	}
	_ = f.cmd.Process.Kill()
	_ = f.cmd.Wait()
}

// lambdaFunction is a bootstrap under the Lambda Runtime Interface Emulator, which starts the
// bootstrap process on the first invocation, as Lambda does on a cold start.
type lambdaFunction struct {
	cmd    *exec.Cmd
	url    string
	client *http.Client
}

// startLambda starts the emulator with bootstrap in dir and returns once the emulator listens; the
// bootstrap itself starts on the first invoke.
func startLambda(rie, bootstrap, dir string, env map[string]string) (*lambdaFunction, error) {
	apiAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	runtimeAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(rie, "--runtime-interface-emulator-address", apiAddr, "--runtime-api-address", runtimeAddr, bootstrap)
	cmd.Dir = dir
	cmd.Env = []string{"AWS_LAMBDA_FUNCTION_TIMEOUT=3", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128", "AWS_LAMBDA_FUNCTION_NAME=subgate"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	f := &lambdaFunction{cmd: cmd, url: "http://" + apiAddr + "/2015-03-31/functions/function/invocations",
		client: &http.Client{Timeout: startTimeout}}
	deadline := time.Now().Add(startTimeout)
	for {
		conn, err := net.Dial("tcp", apiAddr)
		if err == nil {
			conn.Close()
			return f, nil
		}
		if time.Now().After(deadline) {
			f.stop()
			return nil, fmt.Errorf("%s did not listen on %s", rie, apiAddr)
		}
		time.Sleep(time.Millisecond)
	}
}

func (f *lambdaFunction) invoke(payload []byte) ([]byte, error) {
	resp, err := f.client.Post(f.url, "application/json", bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("emulator answered %d: %s", resp.StatusCode, body)
	}
	return body, nil
}

// pid finds the bootstrap: the emulator's child process.
func (f *lambdaFunction) pid() (int, error) {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", f.cmd.Process.Pid))
	for _, t := range tasks {
		data, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		if fields := strings.Fields(string(data)); len(fields) > 0 {
			return strconv.Atoi(fields[0])
		}
	}
	return 0, fmt.Errorf("the emulator (pid %d) has no child process", f.cmd.Process.Pid)
}

func (f *lambdaFunction) stop() {
	f.client.CloseIdleConnections()
	_ = f.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = f.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = f.cmd.Process.Kill()
		<-done
	}
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func freePort() (string, error) {
	addr, err := freeAddr()
	if err != nil {
		return "", err
	}
	_, port, err := net.SplitHostPort(addr)
	return port, err
}

// peakRSSOf reads a process's peak resident set size (VmHWM) in bytes.
func peakRSSOf(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}
