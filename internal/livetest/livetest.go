// Package livetest is the end-to-end test of the live policy (issue 11), run through the real
// functions: functions/scf and functions/lambda each say how their platform starts and invokes the
// real binary (a Platform), and Run drives it against a real S3 server on loopback (versitygw,
// internal/teststore), configured as a user would with SUBGATE_POLICY_URL=s3://BUCKET/KEY, the
// store's endpoint, path-style addressing and its region, and keys given the platform's way.
//
// The scenario publishes bundles made with pkg/bundle and sees the decisions change at the next
// refresh; breaks the store in every way of the issue (stopped, garbage, a truncated bundle, the
// object deleted, wrong keys, a proxy that stalls) and checks that each failed refresh is one
// warning while the last good bundle keeps deciding, and that no answer waits for a refresh;
// starts a cold function that decides its first request by the bundle; and starts one without a
// fallback while the store is down, which answers 500 naming the cause until the store serves a
// bundle. The refresh is the shortest the configuration allows, 5 s, so one run takes about a
// minute: one function goes through every phase rather than one function per case.
//
// Only tests import it.
package livetest

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/localrun"
	"github.com/subgate/subgate/internal/teststore"
	"github.com/subgate/subgate/pkg/bundle"
	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/policy"
	"github.com/subgate/subgate/pkg/source"
)

// AppID is the SDKAppID of the platforms' sample events (deploy/events).
const AppID = "1400000001"

// The timing the scenario configures: the shortest refresh the source allows, so that a
// change is taken within seconds, and the longest fetch timeout, so that a stalled fetch lasts as
// long as any fetch may.
const (
	Refresh      = source.MinRefresh
	FetchTimeout = source.MaxFetchTimeout
)

// Key is where the scenario publishes its bundles, in teststore.Bucket.
const Key = "subgate/policy.bundle"

// patience bounds each wait for what comes when things work: generous, for a busy machine.
const patience = 30 * time.Second

// Platform is how to run the functions of one platform.
type Platform struct {
	// Event is an HTTP event of the platform (a Function URL or HTTP API event) that carries
	// deploy/sample-request.json for AppID: jared and leckie subscribe to @TOA#_test_for_penn. Its
	// answer is a JSON object with statusCode and body, as every HTTP event's.
	Event []byte
	// Fallback is the SUBGATE_POLICY_FILE that names deploy/policy.example.yaml as the function
	// finds it: the policy its zip bundles, or the file in the repository.
	Fallback string
	// Credentials are the variables that give a function its keys, the platform's way.
	Credentials func(accessKeyID, secretAccessKey string) map[string]string
	// EnvPerInvocation is true when the function's environment comes with each invocation (SCF:
	// a change of Env reaches a running function at its next invocation, as new temporary keys
	// do), false when it is fixed when the function starts (Lambda).
	EnvPerInvocation bool
	// Start starts a function with env as its environment, and stops it when the test ends.
	Start func(t *testing.T, env *Env) *Function
}

// Function is a running function.
type Function struct {
	// Invoke sends one event and returns the function's answer.
	Invoke func(requestID string, event []byte) ([]byte, error)
	// Output is what the function writes: its log lines (and, under the Lambda emulator, the
	// emulator's own).
	Output *localrun.Output
}

// Env is a function's environment, safe for concurrent use.
type Env struct {
	mu   sync.Mutex
	vars map[string]string
}

// NewEnv returns an environment holding vars.
func NewEnv(vars map[string]string) *Env { return &Env{vars: maps.Clone(vars)} }

// Set sets one variable.
func (e *Env) Set(name, value string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.vars[name] = value
}

// Vars is a copy of the variables.
func (e *Env) Vars() map[string]string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return maps.Clone(e.vars)
}

// storeEnv is the configuration of a function that fetches its bundle from Key at endpoint
// (http://127.0.0.1:PORT of the store or of a proxy in front of it), with no fallback and no keys.
func storeEnv(endpoint string) map[string]string {
	return map[string]string{
		config.EnvSdkAppID:           AppID,
		config.EnvPolicyURL:          "s3://" + teststore.Bucket + "/" + Key,
		config.EnvS3Endpoint:         endpoint,
		config.EnvS3PathStyle:        "true",
		config.EnvS3Region:           teststore.Region,
		config.EnvPolicyRefresh:      Refresh.String(),
		config.EnvPolicyFetchTimeout: FetchTimeout.String(),
		config.EnvLogLevel:           "debug", // every refresh writes a line, 304s included
	}
}

// rules is a policy the scenario's functions decide by: a bundle of the store, or the fallback.
type rules struct {
	name     string
	revision string   // its revision as the log lines name it
	refused  []string // whom it refuses of the sample request's subscribers
	data     []byte   // the bundle; nil for the fallback
}

// makeBundle makes the bundle of a policy written in a temporary folder with its list files, as
// subgate bundle does, and says whom it refuses of the sample request's subscribers.
func makeBundle(t *testing.T, name, policyYAML string, lists map[string]string, refused []string) rules {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "policy.yaml"), []byte(policyYAML), 0o644))
	for file, text := range lists {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, file)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, file), []byte(text), 0o644))
	}
	data, err := bundle.Make(filepath.Join(dir, "policy.yaml"), time.Now())
	require.NoError(t, err)
	b, err := bundle.Read(data)
	require.NoError(t, err)
	p, err := b.Load()
	require.NoError(t, err)
	return rules{name: name, revision: p.Info().Revision, refused: refused, data: data}
}

// fallbackRules is deploy/policy.example.yaml, the fallback: it refuses jared.
func fallbackRules(t *testing.T) rules {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	require.True(t, ok)
	p, err := policy.Load(filepath.Join(filepath.Dir(file), "..", "..", "deploy", "policy.example.yaml"))
	require.NoError(t, err)
	return rules{name: "the fallback", revision: p.Info().Revision, refused: []string{"jared"}}
}

// function is a function of the scenario.
type function struct {
	*Function
	t    *testing.T
	name string // its request IDs are name-1, name-2, ...
	n    int
	p    Platform
}

func start(t *testing.T, p Platform, name string, env *Env) *function {
	t.Helper()
	return &function{Function: p.Start(t, env), t: t, name: name, p: p}
}

// answer is a function's answer to the sample event, and its log line.
type answer struct {
	requestID string
	status    int
	webhook   struct {
		ActionStatus string
		ErrorCode    int
		ErrorInfo    string
		Refused      []string `json:"RefusedSubscribers_Account"`
	}
	line map[string]any
}

// call sends the sample event and returns the answer with its log line.
func (f *function) call() answer {
	f.t.Helper()
	f.n++
	a := answer{requestID: fmt.Sprintf("%s-%d", f.name, f.n)}
	out, err := f.Invoke(a.requestID, f.p.Event)
	require.NoError(f.t, err, "output:\n%s", f.Output)
	var envelope struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	require.NoError(f.t, json.Unmarshal(out, &envelope), "%s", out)
	a.status = envelope.StatusCode
	require.NoError(f.t, json.Unmarshal([]byte(envelope.Body), &a.webhook), "%s", out)
	a.line, err = f.Output.LogLine(a.requestID, patience)
	require.NoError(f.t, err, "output:\n%s", f.Output)
	return a
}

// decidedBy checks that a was decided by one of want, and returns which: the decided line names
// its revision, and the answer refuses whom it refuses.
func (f *function) decidedBy(a answer, want ...rules) rules {
	f.t.Helper()
	require.Equal(f.t, 200, a.status, "%s: %+v", a.requestID, a.webhook)
	require.Equal(f.t, "decided", a.line["msg"], "%s: %v", a.requestID, a.line)
	for _, r := range want {
		if a.line["policy"] == r.revision {
			require.Equal(f.t, r.refused, a.webhook.Refused, "%s was decided by %s (%s), which refuses %v", a.requestID, r.name, r.revision, r.refused)
			return r
		}
	}
	names := make([]string, len(want))
	for i, r := range want {
		names[i] = r.name + " " + r.revision
	}
	f.t.Fatalf("%s was decided by policy %v, not by %v (answer %+v)\noutput:\n%s", a.requestID, a.line["policy"], names, a.webhook, f.Output)
	return rules{}
}

// refreshLines are the lines a fetch ends with, one per fetch: the refresh's outcome.
var refreshLines = []string{"policy swapped", "policy refresh failed", "policy unchanged", "policy refresh frozen", "policy refresh abandoned"}

// refreshes are the outcome lines of the fetches that ended in the output from line from on,
// each with the index of the line after it.
func (f *function) refreshes(from int) (found []map[string]any, next []int) {
	lines := f.Output.Lines()
	for i := from; i < len(lines); i++ {
		var entry map[string]any
		if json.Unmarshal([]byte(lines[i]), &entry) != nil {
			continue // the emulator's own lines
		}
		if msg, _ := entry["msg"].(string); slices.Contains(refreshLines, msg) {
			found, next = append(found, entry), append(next, i+1)
		}
	}
	return found, next
}

// refreshOutcome waits for the next fetch after line from to end, invoking the function every
// poll meanwhile (only invocations start a refresh), and returns its outcome line and the index
// of the line after it. Every answer meanwhile must be decided by one of deciding, and none may
// take as long as a fetch may: no answer waits for a refresh (a warm one; cold is true when the
// first answer is a cold function's, which waits for the first fetch).
func (f *function) refreshOutcome(from int, cold bool, deciding ...rules) (map[string]any, int) {
	f.t.Helper()
	const poll = 100 * time.Millisecond
	tick := time.NewTicker(poll)
	defer tick.Stop()
	deadline := time.Now().Add(Refresh + FetchTimeout + patience)
	for first := true; ; first = false {
		a := f.call()
		f.decidedBy(a, deciding...)
		if !first || !cold {
			took, _ := a.line["duration_ms"].(float64)
			require.Less(f.t, took, float64(FetchTimeout.Milliseconds()),
				"%s took as long as a fetch may: it waited for a refresh\noutput:\n%s", a.requestID, f.Output)
		}
		if found, next := f.refreshes(from); len(found) > 0 {
			return found[0], next[0]
		}
		require.True(f.t, time.Now().Before(deadline), "no refresh ended within %s of line %d\noutput:\n%s", Refresh+FetchTimeout+patience, from, f.Output)
		<-tick.C
	}
}

// logLine waits for the function's first line holding want and returns it decoded.
func (f *function) logLine(want string) map[string]any {
	f.t.Helper()
	line, err := f.Output.WaitFor(want, patience)
	require.NoError(f.t, err, "output:\n%s", f.Output)
	var entry map[string]any
	require.NoError(f.t, json.Unmarshal([]byte(line), &entry), "%s", line)
	return entry
}
