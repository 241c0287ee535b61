package main

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/subgate/subgate/internal/localrun"
)

// startTimeout bounds a function's start; poll is how often its start is checked: a cold start
// is timed to within about that.
const (
	startTimeout = 30 * time.Second
	poll         = 100 * time.Microsecond
)

// platform runs functions the way one platform does.
type platform struct {
	name          string // SCF, Lambda
	protocol      string // how it is driven
	sample, large []byte // the console event with the sample request, and with 100 subscribers
	// start starts d's function with env over d.env; timed says where a cold start's clock
	// starts: before start for SCF (exec to first answer), after it for Lambda (the emulator,
	// listening, starts the function on the first invocation, as Lambda does).
	start        func(d *deployment, env map[string]string) (fn, error)
	clockAtStart bool
	// memoryMB is the function's memory as the deployment file sets it (serverless.yml's
	// memorySize, template.yaml's MemorySize), which the platform tells the function.
	memoryMB int
}

// fn is a started function.
type fn interface {
	invoke(payload []byte) ([]byte, error)
	pid() (int, error) // the function's process (under the emulator, not the emulator's)
	output() *localrun.Output
	stop()
}

func platforms(fx *fixtures, rie string) []*platform {
	scf := &platform{name: "SCF", protocol: "scf-go-lib's net/rpc", sample: fx.scfSample, large: fx.scfLarge, clockAtStart: true, memoryMB: fx.scfMemoryMB}
	scf.start = func(d *deployment, env map[string]string) (fn, error) {
		f, err := localrun.StartSCF(filepath.Join(d.scfDir, "main"), d.scfDir, startTimeout, localrun.Poll(poll))
		if err != nil {
			return nil, err
		}
		return &scfFn{f: f, env: merge(d.env, env), memoryMB: scf.memoryMB}, nil
	}
	lambda := &platform{name: "Lambda", protocol: "the Lambda Runtime Interface Emulator", sample: fx.lambdaSample, large: fx.lambdaLarge, memoryMB: fx.lambdaMemoryMB}
	lambda.start = func(d *deployment, env map[string]string) (fn, error) {
		env = merge(merge(d.env, env), map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(lambda.memoryMB)})
		f, err := localrun.StartLambda(rie, d.lambdaDir, env, startTimeout, localrun.Poll(poll))
		if err != nil {
			return nil, err
		}
		return &lambdaFn{f: f}, nil
	}
	return []*platform{scf, lambda}
}

func merge(a, b map[string]string) map[string]string {
	if a == nil && b == nil {
		return nil
	}
	out := maps.Clone(a)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, b)
	return out
}

// scfFn is an SCF function; each invoke request carries its environment, as SCF sends it.
type scfFn struct {
	f        *localrun.SCF
	env      map[string]string
	memoryMB int
	n        int
}

func (s *scfFn) invoke(payload []byte) ([]byte, error) {
	s.n++
	return s.f.Invoke(localrun.SCFInvocation{RequestID: "bench-" + strconv.Itoa(s.n), Payload: payload, Env: s.env, MemoryMB: s.memoryMB})
}
func (s *scfFn) pid() (int, error)        { return s.f.Pid(), nil }
func (s *scfFn) output() *localrun.Output { return s.f.Output }
func (s *scfFn) stop()                    { _ = s.f.Stop(0) }

// lambdaFn is a bootstrap under the emulator.
type lambdaFn struct {
	f *localrun.Lambda
	n int
}

func (l *lambdaFn) invoke(payload []byte) ([]byte, error) {
	l.n++
	return l.f.Invoke("bench-"+strconv.Itoa(l.n), payload)
}
func (l *lambdaFn) pid() (int, error)        { return l.f.FunctionPID() }
func (l *lambdaFn) output() *localrun.Output { return l.f.Output }
func (l *lambdaFn) stop()                    { _ = l.f.Stop(0) }

// checkAnswer fails unless answer is an HTTP 200 answer naming every ID of refused.
func checkAnswer(answer []byte, refused []string) error {
	if !bytes.Contains(answer, []byte(`"statusCode":200`)) {
		return fmt.Errorf("unexpected answer %.300s", answer)
	}
	for _, id := range refused {
		if !bytes.Contains(answer, []byte(id)) {
			return fmt.Errorf("the answer does not refuse %s: %.300s", id, answer)
		}
	}
	return nil
}

// peakRSS reads a process's peak resident set size (VmHWM) in bytes.
func peakRSS(pid int) (int64, error) {
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
