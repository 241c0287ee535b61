//go:build unix

package localrun

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrKilled is what Stop returns when the process did not exit within its grace time after
// SIGTERM and was killed.
var ErrKilled = errors.New("did not exit after SIGTERM; killed")

// Process is a started process whose standard output and error are collected in Output.
type Process struct {
	Output *Output

	cmd    *exec.Cmd
	exited chan struct{}
	err    error // what cmd.Wait returned; read it after exited is closed
}

// pipeDelay bounds how long a process's output is read after it exits, when a child it left
// behind still holds the pipe.
const pipeDelay = 5 * time.Second

// Start starts cmd in a process group of its own, its standard output and error collected in
// one Output.
func Start(cmd *exec.Cmd) (*Process, error) {
	p := &Process{Output: &Output{}, cmd: cmd, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.Output, p.Output
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = pipeDelay
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		p.err = cmd.Wait()
		p.Output.Close()
		close(p.exited)
	}()
	return p, nil
}

// Pid is the process's ID.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Exited is closed when the process has exited and its output is all in.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Err is how the process ended (nil for exit status 0); call it once Exited is closed.
func (p *Process) Err() error { return p.err }

// Signal sends sig to the process.
func (p *Process) Signal(sig syscall.Signal) error { return p.cmd.Process.Signal(sig) }

// Wait waits up to timeout for the process to exit and returns how it ended.
func (p *Process) Wait(timeout time.Duration) error {
	select {
	case <-p.exited:
		return p.err
	case <-time.After(timeout):
		return fmt.Errorf("pid %d is still running after %s", p.Pid(), timeout)
	}
}

// Stop sends SIGTERM and waits up to grace for the process to exit; then it kills the process
// and every process of its group and returns ErrKilled. Otherwise it returns how the process
// ended. Stopping a process that has exited returns how it ended.
func (p *Process) Stop(grace time.Duration) error {
	select {
	case <-p.exited:
		return p.err
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return p.err
	case <-time.After(grace):
	}
	p.Kill()
	return ErrKilled
}

// Kill kills the process and every process of its group, and waits for it.
func (p *Process) Kill() {
	_ = syscall.Kill(-p.Pid(), syscall.SIGKILL)
	<-p.exited
}

// DefaultPoll is how often WaitListening tries to connect.
const DefaultPoll = 10 * time.Millisecond

// WaitListening waits up to timeout until addr accepts TCP connections, trying every DefaultPoll.
// It fails at once if the process exits first.
func (p *Process) WaitListening(addr string, timeout time.Duration) error {
	return p.WaitListeningEvery(addr, timeout, DefaultPoll)
}

// WaitListeningEvery is WaitListening trying every poll: a benchmark timing a start wants a finer
// wait than a test.
func (p *Process) WaitListeningEvery(addr string, timeout, poll time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nothing listens on %s after %s: %w", addr, timeout, err)
		}
		select {
		case <-p.exited:
			return fmt.Errorf("the process exited (%s) before listening on %s", describe(p.err), addr)
		case <-time.After(poll):
		}
	}
}

// Child is the process ID of the process's first child (Linux: read from /proc), such as the
// function the Lambda emulator started.
func (p *Process) Child() (int, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", p.Pid()))
	if err != nil {
		return 0, err
	}
	for _, task := range tasks {
		data, err := os.ReadFile(task)
		if err != nil {
			continue
		}
		if fields := strings.Fields(string(data)); len(fields) > 0 {
			return strconv.Atoi(fields[0])
		}
	}
	return 0, fmt.Errorf("pid %d has no child process (or no /proc/PID/task/*/children to read it from)", p.Pid())
}

// Option changes how StartSCF and StartLambda start a function.
type Option func(*options)

type options struct {
	poll time.Duration
}

func optionsOf(opts []Option) options {
	o := options{poll: DefaultPoll}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// Poll sets how often the start tries to connect to the function (SCF) or the emulator (Lambda)
// until it listens: DefaultPoll unless set. Timing a cold start wants a finer wait.
func Poll(every time.Duration) Option {
	return func(o *options) { o.poll = every }
}

// FreeAddr is a loopback address (127.0.0.1:port) that was free a moment ago, for a process to
// listen on later: perhaps much later (the Lambda emulator binds its runtime API only at the first
// invocation). The port is picked at random below the kernel's range of ephemeral ports, which it
// hands out to outgoing connections: a port of that range, free now, may be the source port of one
// of the tests' many connections by the time the process binds it ("address already in use").
//
// A port is never handed out twice by one process: two addresses asked for one after the other (the
// emulator's two, or a function's and its store's) are free until their processes bind them, which
// may be later than the next call.
func FreeAddr() (string, error) {
	low := ephemeralLow()
	given.Lock()
	defer given.Unlock()
	for range 100 {
		port := firstPort + rand.IntN(low-firstPort)
		if given.ports[port] {
			continue
		}
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue // in use: try another
		}
		ln.Close()
		given.ports[port] = true
		return ln.Addr().String(), nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// given are the ports FreeAddr has handed out.
var given = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// firstPort is the lowest port FreeAddr picks: above the well-known and most registered services.
const firstPort = 10000

// ephemeralLow is the first port of the kernel's ephemeral range (Linux's default when it cannot
// be read).
func ephemeralLow() int {
	const linuxDefault = 32768
	data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return linuxDefault
	}
	fields := strings.Fields(string(data))
	if len(fields) != 2 {
		return linuxDefault
	}
	low, err := strconv.Atoi(fields[0])
	if err != nil || low <= firstPort+1000 {
		return linuxDefault
	}
	return low
}

// describe says how a process ended, given what cmd.Wait returned.
func describe(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}
