// Command invoke is the cloud consoles' Test button, on this machine: it sends event files to the
// SCF event function and to the Lambda bootstrap over their runtime protocols, and prints each
// answer with the function's log line for it. `make events` builds both functions for this machine
// with the policy bundled (laid out as make package lays them out) and runs it on deploy/events/
// and deploy/sample-request.json.
//
// A file named scf-*.json is an SCF event and goes to the SCF function, lambda-*.json to the Lambda
// bootstrap under the Lambda Runtime Interface Emulator, and any other file (a webhook body, as
// pasted into either console) to both.
//
// The functions' environment is what a deployment sets: SUBGATE_SDKAPPID (-sdkappid) and
// SUBGATE_POLICY_FILE=policy.yaml, the bundled policy; any SUBGATE_* variable set here wins over
// these (SUBGATE_POLICY replaces the policy file; a relative SUBGATE_POLICY_FILE is taken from
// here). It exits 1 when an invocation got no answer.
//
//	go run ./deploy/invoke -scf bin/events/scf -lambda bin/events/lambda -rie bin/aws-lambda-rie deploy/events/*.json
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/subgate/subgate/internal/localrun"
	"github.com/subgate/subgate/pkg/config"
)

// patience bounds starting a function, waiting for a log line, and stopping a function.
const patience = 30 * time.Second

func main() {
	scfDir := flag.String("scf", "", "the SCF function's folder: main and the bundled policy.yaml")
	lambdaDir := flag.String("lambda", "", "the Lambda function's folder: bootstrap and the bundled policy.yaml")
	emulator := flag.String("rie", "", "the Lambda Runtime Interface Emulator (aws-lambda-rie)")
	appID := flag.String("sdkappid", "1400000001", "SUBGATE_SDKAPPID, unless it is set")
	flag.Parse()
	if *scfDir == "" || *lambdaDir == "" || *emulator == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: invoke -scf DIR -lambda DIR -rie PATH [-sdkappid ID] EVENT.json...")
		os.Exit(2)
	}
	env, err := functionEnv(*appID, os.Environ())
	if err != nil {
		fail(err)
	}
	r := &runner{out: os.Stdout, env: env}
	stopOnSignal(r)
	err = r.run(*scfDir, *lambdaDir, *emulator, flag.Args())
	r.stop()
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "invoke:", err)
	os.Exit(1)
}

// functionEnv is the functions' environment: the deployment's defaults, then every variable
// subgate reads that is set in environ.
func functionEnv(appID string, environ []string) (map[string]string, error) {
	env := map[string]string{config.EnvSdkAppID: appID, config.EnvPolicyFile: "policy.yaml"}
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if value == "" || !isVariable(name) {
			continue
		}
		if name == config.EnvPolicy {
			delete(env, config.EnvPolicyFile)
		}
		if name == config.EnvPolicyFile && !filepath.IsAbs(value) {
			abs, err := filepath.Abs(value)
			if err != nil {
				return nil, err
			}
			value = abs
		}
		env[name] = value
	}
	return env, nil
}

func isVariable(name string) bool {
	for _, v := range config.Variables {
		if v == name {
			return true
		}
	}
	return false
}

// runner sends the events and prints the answers.
type runner struct {
	out io.Writer
	env map[string]string
	seq int

	mu     sync.Mutex // the functions, which a signal may stop at any time
	scf    *localrun.SCF
	lambda *localrun.Lambda
}

// target is where an event file goes.
type target int

const (
	toSCF target = 1 << iota
	toLambda
)

func targetOf(file string) target {
	switch base := filepath.Base(file); {
	case strings.HasPrefix(base, "scf-"):
		return toSCF
	case strings.HasPrefix(base, "lambda-"):
		return toLambda
	}
	return toSCF | toLambda
}

func (r *runner) run(scfDir, lambdaDir, emulator string, files []string) error {
	var to target
	for _, file := range files {
		to |= targetOf(file)
	}
	r.mu.Lock()
	var err error
	if to&toSCF != 0 {
		r.scf, err = localrun.StartSCF(filepath.Join(scfDir, "main"), scfDir, patience)
	}
	if err == nil && to&toLambda != 0 {
		r.lambda, err = localrun.StartLambda(emulator, lambdaDir, r.env, patience)
	}
	scf, lambda := r.scf, r.lambda
	r.mu.Unlock()
	if err != nil {
		return err
	}

	var failed []string
	for _, file := range files {
		payload, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		to := targetOf(file)
		if to&toSCF != 0 {
			if err := r.invoke("scf", file, scf.Output, func(id string) ([]byte, error) {
				return scf.Invoke(localrun.SCFInvocation{RequestID: id, Payload: payload, Env: r.env})
			}); err != nil {
				failed = append(failed, "scf "+file)
			}
		}
		if to&toLambda != 0 {
			if err := r.invoke("lambda", file, lambda.Output, func(id string) ([]byte, error) {
				return lambda.Invoke(id, payload)
			}); err != nil {
				failed = append(failed, "lambda "+file)
			}
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("no answer to %s", strings.Join(failed, ", "))
	}
	return nil
}

// invoke sends one event and prints the answer and the function's log line for it:
//
//	scf deploy/events/scf-apigw.json
//	  answer: {...}
//	  log:    {...}
func (r *runner) invoke(platform, file string, output *localrun.Output, send func(requestID string) ([]byte, error)) error {
	r.seq++
	id := fmt.Sprintf("local-%d", r.seq)
	fmt.Fprintf(r.out, "%s %s\n", platform, file)
	answer, err := send(id)
	if err != nil {
		fmt.Fprintf(r.out, "  error:  %v\n", err)
		return err
	}
	fmt.Fprintf(r.out, "  answer: %s\n", answer)
	if line, err := output.WaitFor(fmt.Sprintf(`"request_id":%q`, id), patience); err != nil {
		fmt.Fprintf(r.out, "  log:    (none: %v)\n", err)
	} else {
		fmt.Fprintf(r.out, "  log:    %s\n", line)
	}
	return nil
}

// stop stops the functions that were started.
func (r *runner) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.scf != nil {
		_ = r.scf.Stop(patience)
	}
	if r.lambda != nil {
		_ = r.lambda.Stop(patience)
	}
}

// stopOnSignal stops the functions and exits when the program is interrupted: they run in process
// groups of their own, so Ctrl-C does not reach them.
func stopOnSignal(r *runner) {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-signals
		r.stop()
		os.Exit(130)
	}()
}
