package main

// docs/policy-tools.md, run: every shell block of the page, in order, in a copy of the repository
// (make build first, as the page says), and each output compared with the block that follows it; the
// decision log lines it shows, made again by a gate on the same requests. Only the cloud uploads are
// not run.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/testkit"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/webhook"
)

const toolsDoc = "../../docs/policy-tools.md"

// cloudCommands are the page's commands that upload to a cloud; they are shown, not run.
var cloudCommands = map[string]bool{
	"aws s3 cp policy.bundle s3://my-bucket/subgate/policy.bundle":                                              true,
	"coscli cp policy.bundle cos://my-bucket-1250000000/subgate/policy.bundle -e cos.ap-guangzhou.myqcloud.com": true,
}

// failingCommands are the page's commands that exit 1, as the page says they do.
var failingCommands = map[string]bool{
	"bin/subgate check draft.yaml -strict":        true,
	"bin/subgate check typo.yaml":                 true,
	"bin/subgate test draft.yaml draft_test.yaml": true,
}

// untextedCommands check the output of the page's commands that show none (a heredoc writes a file and
// prints nothing, which every other command is held to).
var untextedCommands = map[string]func(t *testing.T, repo, out string){
	"make build": func(t *testing.T, repo, _ string) {
		_, err := os.Stat(filepath.Join(repo, "bin", "subgate"))
		assert.NoError(t, err, "make build builds bin/subgate")
	},
	"bin/subgate version": func(t *testing.T, _, out string) {
		assert.Regexp(t, `^subgate \S+ \(go[0-9.]+\S* \S+/\S+\)\n$`, out)
	},
	"make package POLICY=deploy/policy.example.yaml POLICY_TEST=deploy/policy_test.yaml": func(t *testing.T, repo, out string) {
		assert.Regexp(t, `(?m)^go run ./cmd/subgate test deploy/policy.example.yaml deploy/policy_test.yaml\n17 passed, 0 failed$`, out)
		for _, zip := range []string{"scf.zip", "scf-web.zip", "lambda.zip"} {
			_, err := os.Stat(filepath.Join(repo, "dist", zip))
			assert.NoError(t, err, "make package wrote dist/%s", zip)
		}
	},
}

func TestPolicyToolsDoc(t *testing.T) {
	blocks := testkit.ReadDoc(t, toolsDoc)
	repo := testkit.CopyRepo(t, filepath.Join("..", ".."))

	ran := 0
	for i, b := range blocks {
		if b.Lang != "sh" {
			continue
		}
		last := lastLine(b.Text)
		if cloudCommands[strings.TrimSpace(b.Text)] {
			continue
		}
		ran++
		out, exit := runBlock(t, repo, b.Text)
		want := 0
		if failingCommands[last] {
			want = 1
		}
		require.Equal(t, want, exit, "the exit status of:\n%s\noutput:\n%s", b.Text, out)
		switch check, ok := untextedCommands[last]; {
		case i+1 < len(blocks) && blocks[i+1].Lang == "text":
			assert.Equal(t, blocks[i+1].Text, out, "the output the page shows, of:\n%s", b.Text)
		case ok:
			check(t, repo, out)
		default:
			assert.Empty(t, out, "a command the page shows no output for:\n%s", b.Text)
		}
	}
	assert.Greater(t, ran, 10)

	t.Run("DecisionLog", func(t *testing.T) { checkLogExamples(t, repo, blocks) })
}

// runBlock runs a shell block with bash in dir, and returns its output (stdout and stderr, as a
// terminal shows them) and exit status.
func runBlock(t *testing.T, dir, script string) (string, int) {
	t.Helper()
	cmd := exec.Command("bash", "-o", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = testkit.Environ()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return out.String(), exit.ExitCode()
	}
	require.NoError(t, err, script)
	return out.String(), 0
}

func lastLine(text string) string {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	return lines[len(lines)-1]
}

// logExample is a request the page shows the log line of, and how the gate that logged it was
// configured.
type logExample struct {
	policy      string // relative to the repository; shadow.yaml is written by the page's commands
	env         map[string]string
	requestID   string
	channel     string
	subscribers []string
}

var logExamples = []logExample{
	{"deploy/policy.example.yaml", nil, "req-1", "@TOA#_test_for_penn", []string{"jared", "leckie", "spammer42"}},
	{"deploy/policy.example.yaml", nil, "req-2", "@TOA#_closed", []string{"anyone"}},
	{"shadow.yaml", nil, "req-3", "@TOA#_news", []string{"bot_1", "jared", "reader"}},
	{"shadow.yaml", nil, "req-2", "@TOA#_closed", []string{"anyone"}},
	{"deploy/policy.example.yaml", map[string]string{"SUBGATE_LOG_IDS": "false", "SUBGATE_LOG_LEVEL": "debug"}, "req-1", "@TOA#_test_for_penn", []string{"jared", "leckie", "spammer42"}},
}

// checkLogExamples makes each log line the page shows again: the same request, operator 107867, sent
// to a gate configured as a function would be, logs the same line but for its time and duration.
func checkLogExamples(t *testing.T, repo string, blocks []testkit.DocBlock) {
	var shown []string
	for _, b := range blocks {
		if b.Lang == "json" && b.Heading == "The decision log" {
			shown = append(shown, b.Text)
		}
	}
	require.Len(t, shown, len(logExamples), "each log line the page shows has its request here")
	query, err := url.ParseQuery("SdkAppid=1400000001&CallbackCommand=" + webhook.CommandBeforeAddSubscriber)
	require.NoError(t, err)
	for i, ex := range logExamples {
		env := map[string]string{"SUBGATE_SDKAPPID": "1400000001", "SUBGATE_POLICY_FILE": filepath.Join(repo, ex.policy)}
		for k, v := range ex.env {
			env[k] = v
		}
		var logs bytes.Buffer
		g := gate.FromEnv(func(k string) string { return env[k] }, &logs)
		require.NoError(t, g.Err())
		body := request{channel: ex.channel, operator: "107867", users: ex.subscribers}.body(testNow)
		g.Serve(context.Background(), gate.Request{Method: "POST", Query: query, Body: body, RequestID: ex.requestID})
		lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
		assert.JSONEq(t, withoutTimes(t, shown[i]), withoutTimes(t, lines[len(lines)-1]), "log line %d of the page", i+1)
	}
}

// withoutTimes is a log line without its time and duration, which no two runs share.
func withoutTimes(t *testing.T, line string) string {
	t.Helper()
	var fields map[string]any
	require.NoError(t, json.Unmarshal([]byte(line), &fields), line)
	require.Regexp(t, regexp.MustCompile(`^\d{4}-\d\d-\d\dT`), fields["time"])
	require.IsType(t, float64(0), fields["duration_ms"])
	delete(fields, "time")
	delete(fields, "duration_ms")
	out, err := json.Marshal(fields)
	require.NoError(t, err)
	return string(out)
}
