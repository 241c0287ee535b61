//go:build unix

package localrun

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"time"
)

// The Lambda Runtime Interface Emulator: `make test` and `make events` install it into bin/;
// SUBGATE_RIE names it for the tests.
const (
	EmulatorEnv    = "SUBGATE_RIE"
	EmulatorName   = "aws-lambda-rie"
	EmulatorModule = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d"
)

// FindEmulator finds aws-lambda-rie: $SUBGATE_RIE, else bin/ of the repository at repoRoot, else
// PATH. The error says how to install it.
func FindEmulator(repoRoot string) (string, error) {
	if path := os.Getenv(EmulatorEnv); path != "" {
		if _, err := os.Stat(path); err != nil {
			return "", fmt.Errorf("%s=%s: %w; `make test` installs the emulator there, or run: go install %s", EmulatorEnv, path, err, EmulatorModule)
		}
		return filepath.Abs(path)
	}
	if path, err := filepath.Abs(filepath.Join(repoRoot, "bin", EmulatorName)); err == nil {
		if _, err := os.Stat(path); err == nil {
			return path, nil
		}
	}
	if path, err := exec.LookPath(EmulatorName); err == nil {
		return path, nil
	}
	return "", fmt.Errorf("the Lambda Runtime Interface Emulator (%s) is not installed: `make test` installs it into bin/ "+
		"(or run: GOBIN=$PWD/bin go install %s), or set %s to its path", EmulatorName, EmulatorModule, EmulatorEnv)
}

// Lambda is a bootstrap running under the Lambda Runtime Interface Emulator, which starts the
// bootstrap on the first invocation, as Lambda does on a cold start.
type Lambda struct {
	*Process
	invokeURL string
	client    *http.Client
}

// lambdaDefaults is the function's environment beside the one StartLambda is given: what Lambda
// sets for subgate's function in template.yaml.
var lambdaDefaults = map[string]string{
	"AWS_LAMBDA_FUNCTION_TIMEOUT":     "3",
	"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "160",
	"AWS_LAMBDA_FUNCTION_NAME":        "subgate",
}

// StartLambda starts the emulator on free loopback ports with task/bootstrap as the function and
// task as its working directory (Lambda's /var/task). The function's environment is env over
// lambdaDefaults, and nothing else. It returns once the emulator listens, or fails after timeout.
func StartLambda(emulator, task string, env map[string]string, timeout time.Duration, opts ...Option) (*Lambda, error) {
	o := optionsOf(opts)
	emulator, err := filepath.Abs(emulator) // not relative to task
	if err != nil {
		return nil, err
	}
	bootstrap, err := filepath.Abs(filepath.Join(task, "bootstrap"))
	if err != nil {
		return nil, err
	}
	if info, err := os.Stat(bootstrap); err != nil {
		return nil, err
	} else if info.Mode()&0o111 == 0 {
		return nil, &fs.PathError{Op: "start", Path: bootstrap, Err: errors.New("not executable")}
	}
	apiAddr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	runtimeAddr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(emulator, "--runtime-interface-emulator-address", apiAddr, "--runtime-api-address", runtimeAddr, bootstrap)
	cmd.Dir = task
	vars := map[string]string{}
	for k, v := range lambdaDefaults {
		vars[k] = v
	}
	for k, v := range env {
		vars[k] = v
	}
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	sort.Strings(cmd.Env)
	p, err := Start(cmd)
	if err != nil {
		return nil, err
	}
	if err := p.WaitListeningEvery(apiAddr, timeout, o.poll); err != nil {
		p.Kill()
		return nil, fmt.Errorf("the emulator: %w\n%s", err, p.Output)
	}
	return &Lambda{Process: p, invokeURL: "http://" + apiAddr + "/2015-03-31/functions/function/invocations",
		client: &http.Client{Timeout: timeout}}, nil
}

// Invoke sends one event through the emulator's Invoke API, with requestID as the invocation's
// request ID, and returns the function's answer.
func (f *Lambda) Invoke(requestID string, payload []byte) ([]byte, error) {
	req, err := http.NewRequest(http.MethodPost, f.invokeURL, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Amzn-RequestId", requestID)
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("invoke %s: %w", requestID, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("invoke %s: %w", requestID, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("invoke %s: the emulator answered %d: %s", requestID, resp.StatusCode, body)
	}
	return body, nil
}

// FunctionPID is the process ID of the function (bootstrap), which the emulator starts on the first
// invocation; Linux only.
func (f *Lambda) FunctionPID() (int, error) { return f.Child() }

// Stop stops the emulator, and with it the function: SIGTERM, then a kill after grace.
func (f *Lambda) Stop(grace time.Duration) error {
	f.client.CloseIdleConnections()
	return f.Process.Stop(grace)
}
