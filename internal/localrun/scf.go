//go:build unix

package localrun

import (
	"encoding/json"
	"fmt"
	"net"
	"net/rpc"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/tencentyun/scf-go-lib/cloudfunction/messages"
)

// SCF is an SCF event function binary running as SCF runs it, answering invoke requests over
// scf-go-lib's net/rpc protocol.
type SCF struct {
	*Process
	client *rpc.Client
}

// SCFInvocation is one invoke request, as the SCF runtime sends it.
type SCFInvocation struct {
	RequestID string
	Payload   []byte
	// Env is the function's environment variables, which SCF sends with every invoke request
	// (as a JSON object in a string); nil sends none.
	Env map[string]string
	// Deadline is when the invocation times out; zero means 3 s from now (subgate's timeout in
	// serverless.yml).
	Deadline time.Time
	// MemoryMB is the function's memory the request says (MemoryLimitInMb); zero means 256
	// (subgate's memorySize in serverless.yml).
	MemoryMB int
}

// answerSlack is how long past its deadline an invocation is waited for before Invoke gives up:
// SCF would have ended it by then, and a busy machine may be slow.
const answerSlack = 15 * time.Second

// StartSCF starts the SCF function binary bin with dir as its working directory, as SCF starts
// it: _LAMBDA_SERVER_PORT names the port scf-go-lib serves net/rpc on, and no SUBGATE_* variable
// is in its environment (SCF sends the function's variables with each invoke request), nor any
// key: no AWS_* or TENCENTCLOUD_* variable of this process (SCF sends the role's temporary keys
// with each invoke request too). It returns once the function answers Function.Ping, or fails
// after timeout.
func StartSCF(bin, dir string, timeout time.Duration, opts ...Option) (*SCF, error) {
	o := optionsOf(opts)
	bin, err := filepath.Abs(bin) // not relative to dir
	if err != nil {
		return nil, err
	}
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(bin)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SUBGATE_") && !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "TENCENTCLOUD_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "_LAMBDA_SERVER_PORT="+port)
	p, err := Start(cmd)
	if err != nil {
		return nil, err
	}
	// scf-go-lib says nothing when it listens (on every interface): dial loopback until it answers.
	if err := p.WaitListeningEvery(addr, timeout, o.poll); err != nil {
		p.Kill()
		return nil, fmt.Errorf("SCF function %s: %w\n%s", bin, err, p.Output)
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		p.Kill()
		return nil, err
	}
	f := &SCF{Process: p, client: rpc.NewClient(conn)}
	if err := f.call("Function.Ping", &messages.PingRequest{}, &messages.PingResponse{}, time.Now().Add(timeout)); err != nil {
		f.Kill()
		return nil, err
	}
	return f, nil
}

// Invoke sends one invoke request and returns the function's answer payload. A function error
// (scf-go-lib's InvokeResponse.Error) is an error.
func (f *SCF) Invoke(inv SCFInvocation) ([]byte, error) {
	deadline := inv.Deadline
	if deadline.IsZero() {
		deadline = time.Now().Add(3 * time.Second)
	}
	memory := inv.MemoryMB
	if memory == 0 {
		memory = 256
	}
	req := messages.InvokeRequest{
		Payload:         inv.Payload,
		RequestId:       inv.RequestID,
		Deadline:        messages.InvokeRequest_Timestamp{Seconds: deadline.Unix(), Nanos: int64(deadline.Nanosecond())},
		FunctionName:    "subgate",
		FunctionVersion: "$LATEST",
		MemoryLimitInMb: int32(memory),
		TimeLimitInMs:   3000,
	}
	if inv.Env != nil {
		data, err := json.Marshal(inv.Env)
		if err != nil {
			return nil, err
		}
		req.Environment = string(data)
	}
	var resp messages.InvokeResponse
	if err := f.call("Function.Invoke", &req, &resp, deadline.Add(answerSlack)); err != nil {
		return nil, fmt.Errorf("invoke %s: %w", inv.RequestID, err)
	}
	if resp.Error != nil {
		return nil, fmt.Errorf("invoke %s: function error: %s (%s)", inv.RequestID, resp.Error.Message, resp.Error.Type)
	}
	return resp.Payload, nil
}

// call makes one RPC, giving up at giveUp or when the process exits.
func (f *SCF) call(method string, args, reply any, giveUp time.Time) error {
	done := f.client.Go(method, args, reply, make(chan *rpc.Call, 1)).Done
	timer := time.NewTimer(time.Until(giveUp))
	defer timer.Stop()
	select {
	case call := <-done:
		return call.Error
	case <-f.Exited():
		select {
		case call := <-done: // it answered, then exited
			return call.Error
		default:
			return fmt.Errorf("%s: the function exited (%s)", method, describe(f.Err()))
		}
	case <-timer.C:
		return fmt.Errorf("%s: no answer by %s", method, giveUp.Format(time.RFC3339Nano))
	}
}

// Stop closes the connection and stops the function: SIGTERM, then a kill after grace.
func (f *SCF) Stop(grace time.Duration) error {
	f.client.Close()
	return f.Process.Stop(grace)
}
