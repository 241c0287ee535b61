package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/localrun"
	"github.com/subgate/subgate/internal/testkit"
)

const repoRoot = "../.."

// printed is one invocation as invoke prints it.
type printed struct {
	platform, file string
	answer         string
	log            map[string]any
}

// TestMakeEvents runs `make events` as docs/local.md shows it, with the example policy, and checks
// every answer it prints: each console event to its platform, the webhook body to both.
func TestMakeEvents(t *testing.T) {
	emulator, err := localrun.FindEmulator(repoRoot)
	require.NoError(t, err)
	dir := t.TempDir()
	cmd := exec.Command("make", "--no-print-directory", "events", "EVENTS_DIR="+dir, "RIE="+emulator, "VERSION=v0.0.0-events")
	cmd.Dir = repoRoot
	cmd.Env = testkit.Environ()
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)

	const (
		refused = `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["jared"]}`
		invited = `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedMembers_Account":["jared"]}`
		applied = `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"the request to join this group is refused"}`
	)
	headers := map[string]string{"Content-Type": "application/json; charset=utf-8"}
	proxy := func(body string) string {
		return mustJSON(t, map[string]any{"statusCode": 200, "headers": headers, "body": body, "isBase64Encoded": false})
	}
	functionURL := func(body string) string {
		return mustJSON(t, map[string]any{"statusCode": 200, "headers": headers, "body": body})
	}
	want := []struct {
		platform, file, answer, outcome string
	}{
		{"lambda", "deploy/events/lambda-group-apply.json", proxy(applied), "rejected"},
		{"lambda", "deploy/events/lambda-group-invite.json", proxy(invited), "refused"},
		{"lambda", "deploy/events/lambda-http-api.json", proxy(refused), "refused"},
		{"lambda", "deploy/events/lambda-rest-api.json", proxy(refused), "refused"},
		{"scf", "deploy/events/scf-apigw.json", proxy(refused), "refused"},
		{"scf", "deploy/events/scf-function-url.json", functionURL(refused), "refused"},
		{"scf", "deploy/events/scf-group-apply.json", functionURL(applied), "rejected"},
		{"scf", "deploy/events/scf-group-invite.json", functionURL(invited), "refused"},
		{"scf", "deploy/sample-request.json", refused, "refused"},
		{"lambda", "deploy/sample-request.json", refused, "refused"},
		{"scf", "deploy/sample-group-invite.json", invited, "refused"},
		{"lambda", "deploy/sample-group-invite.json", invited, "refused"},
		{"scf", "deploy/sample-group-apply.json", applied, "rejected"},
		{"lambda", "deploy/sample-group-apply.json", applied, "rejected"},
	}
	got := parse(t, string(out))
	require.Len(t, got, len(want), "%s", out)
	for i, w := range want {
		assert.Equal(t, w.platform+" "+w.file, got[i].platform+" "+got[i].file)
		assert.JSONEq(t, w.answer, got[i].answer, "%s %s", w.platform, w.file)
		assert.Equal(t, "decided", got[i].log["msg"], "%s %s", w.platform, w.file)
		assert.Equal(t, w.outcome, got[i].log["outcome"], "%s %s", w.platform, w.file)
		assert.Equal(t, []any{map[string]any{"id": "jared", "rule": `deny "jared"`}}, got[i].log["refused_by"], "%s %s", w.platform, w.file)
	}

	// The variables set for the tool win over the deployment's: a webhook token, which the HTTP
	// event does not carry a signature for (the webhook body needs none: only the function's
	// invokers can send it), and an inline policy instead of the bundled file.
	invoke := exec.Command("go", "run", ".", "-scf", filepath.Join(dir, "scf"), "-lambda", filepath.Join(dir, "lambda"), "-rie", emulator,
		filepath.Join(repoRoot, "deploy", "events", "scf-function-url.json"), filepath.Join(repoRoot, "deploy", "sample-request.json"))
	invoke.Env = append(testkit.Environ(), "SUBGATE_TOKEN=my-webhook-token", `SUBGATE_POLICY=deny: ["leckie"]`)
	out, err = invoke.CombinedOutput()
	require.NoError(t, err, "%s", out)
	got = parse(t, string(out))
	require.Len(t, got, 3, "%s", out)
	assert.JSONEq(t, mustJSON(t, map[string]any{"statusCode": 401, "headers": map[string]string{"Content-Type": "application/json; charset=utf-8"},
		"body": `{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"request is not authenticated: Sign or RequestTime is missing (a webhook token is configured)"}`}), got[0].answer)
	for _, p := range got[1:] {
		assert.JSONEq(t, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["leckie"]}`, p.answer, p.platform)
	}
}

// parse reads invoke's output: a line "PLATFORM FILE", then "  answer: ..." and "  log: ...".
func parse(t *testing.T, out string) []printed {
	t.Helper()
	var list []printed
	for line := range strings.Lines(out) {
		line = strings.TrimSuffix(line, "\n")
		if answer, ok := strings.CutPrefix(line, "  answer: "); ok {
			require.NotEmpty(t, list, "an answer before its header: %s", out)
			list[len(list)-1].answer = answer
			continue
		}
		if log, ok := strings.CutPrefix(line, "  log:    "); ok {
			require.NotEmpty(t, list, "a log line before its header: %s", out)
			require.NoError(t, json.Unmarshal([]byte(log), &list[len(list)-1].log), line)
			continue
		}
		platform, file, ok := strings.Cut(line, " ")
		if ok && (platform == "scf" || platform == "lambda") {
			list = append(list, printed{platform: platform, file: file})
		}
	}
	return list
}

func TestFunctionEnv(t *testing.T) {
	env, err := functionEnv("1400000001", []string{"PATH=/bin", "SUBGATE_RIE=/x", "SUBGATE_TOKEN=t0k", "SUBGATE_LOG_LEVEL="})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"SUBGATE_SDKAPPID": "1400000001", "SUBGATE_POLICY_FILE": "policy.yaml", "SUBGATE_TOKEN": "t0k"}, env,
		"the deployment's defaults and the variables subgate reads that are set, not others")

	env, err = functionEnv("1400000001", []string{"SUBGATE_SDKAPPID=1400000099", "SUBGATE_POLICY=deny: [x]"})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"SUBGATE_SDKAPPID": "1400000099", "SUBGATE_POLICY": "deny: [x]"}, env, "an inline policy replaces the bundled file")

	env, err = functionEnv("1400000001", []string{"SUBGATE_POLICY_FILE=deploy/policy.example.yaml"})
	require.NoError(t, err)
	wd, err := os.Getwd()
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(wd, "deploy", "policy.example.yaml"), env["SUBGATE_POLICY_FILE"], "a relative file is taken from here")
}

func TestTargetOf(t *testing.T) {
	assert.Equal(t, toSCF, targetOf("deploy/events/scf-apigw.json"))
	assert.Equal(t, toLambda, targetOf("deploy/events/lambda-http-api.json"))
	assert.Equal(t, toSCF|toLambda, targetOf("deploy/sample-request.json"))
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	return string(data)
}
