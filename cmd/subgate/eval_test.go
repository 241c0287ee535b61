package main

import (
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/policy"
	"github.com/subgate/subgate/pkg/webhook"
)

func TestEval(t *testing.T) {
	tests := []struct {
		name string
		args []string
		exit int
	}{
		{"eval-refused", []string{"eval", "testdata/policy.yaml", "@TOA#_news", "jared", "leckie", "spammer42"}, exitOK},
		{"eval-allow-list", []string{"eval", "testdata/policy.yaml", "@TOA#_premium", "vip_anna", "bob", "jared"}, exitOK},
		{"eval-closed", []string{"eval", "testdata/policy.yaml", "@TOA#_closed", "a", "b"}, exitOK},
		{"eval-trusted", []string{"eval", "testdata/policy.yaml", "@TOA#_closed", "jared", "-operator", "administrator"}, exitOK},
		{"eval-max-subscribers", []string{"eval", "testdata/policy.yaml", "@TOA#_news", "a", "b", "c", "d", "e", "f"}, exitOK},
		{"eval-shadow", []string{"eval", "testdata/policy.yaml", "@TOA#_beta", "bot_1", "jared", "ok"}, exitOK},
		{"eval-shadow-closed", []string{"eval", "testdata/policy.yaml", "@TOA#_beta_closed", "a"}, exitOK},
		{"eval-expiring-before", []string{"eval", "testdata/policy.yaml", "@TOA#_news", "troll", "wave_1", "-at", "2026-11-30T23:59:59Z"}, exitOK},
		{"eval-expiring-at", []string{"eval", "testdata/policy.yaml", "@TOA#_news", "troll", "wave_1", "-at", "2026-12-01T00:00:00Z"}, exitOK},
		{"eval-odd-ids", []string{"eval", "testdata/policy.yaml", "@TOA#_news", "--", "-dash", "", "with space"}, exitOK},
		{"eval-json", []string{"eval", "-json", "testdata/policy.yaml", "@TOA#_news", "jared", "leckie"}, exitOK},
		{"eval-json-shadow", []string{"eval", "testdata/policy.yaml", "@TOA#_beta", "bot_1", "ok", "-json"}, exitOK},
		{"eval-body", []string{"eval", "testdata/policy.yaml", "-body", "../../deploy/sample-request.json"}, exitOK},
		{"eval-body-other-command", []string{"eval", "testdata/policy.yaml", "-body", "testdata/other-command.json"}, exitFail},
		{"eval-body-bad", []string{"eval", "testdata/policy.yaml", "-body", "testdata/bad-body.json"}, exitFail},
		{"eval-body-bad-json", []string{"eval", "testdata/policy.yaml", "-body", "testdata/bad-body.json", "-json"}, exitFail},
		{"eval-body-missing", []string{"eval", "testdata/policy.yaml", "-body", "testdata/no-such-body.json"}, exitFail},
		{"eval-invalid-policy", []string{"eval", "testdata/invalid.yaml", "@TOA#_news", "jared"}, exitFail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := subgate(t, nil, tt.args...)
			assert.Equal(t, tt.exit, r.exit, "stderr: %s", r.stderr)
			golden(t, tt.name, r)
		})
	}
}

// Eval's answer is the function's, byte for byte: the same body, sent to a gate built as the
// functions build theirs (gate.FromEnv with SUBGATE_POLICY_FILE), gets the same answer.
func TestEvalAnswersAsTheFunction(t *testing.T) {
	env := map[string]string{"SUBGATE_SDKAPPID": "1400000001", "SUBGATE_POLICY_FILE": "testdata/policy.yaml"}
	function := gate.FromEnv(func(k string) string { return env[k] }, io.Discard).WithClock(func() time.Time { return testNow })
	require.NoError(t, function.Err())

	requests := [][]string{
		{"@TOA#_news", "jared", "leckie", "spammer42", "jared"},
		{"@TOA#_premium", "vip_anna", "bob"},
		{"@TOA#_closed", "a"},
		{"@TOA#_beta", "bot_1"},
		{"@TOA#_news", "a", "b", "c", "d", "e", "f"},
		{"@TOA#_news", "troll", "wave_7"},
		{"@TOA#_news", "", "<&>"},
	}
	for _, req := range requests {
		t.Run(strings.Join(req, " "), func(t *testing.T) {
			// The positional request, and the same request as a body file.
			positional := subgate(t, nil, append([]string{"eval", "testdata/policy.yaml", "--"}, req...)...)
			require.Equal(t, exitOK, positional.exit, positional.stderr)
			body := request{channel: req[0], users: req[1:]}.body(testNow)
			file := filepath.Join(t.TempDir(), "body.json")
			require.NoError(t, os.WriteFile(file, body, 0o644))
			fromBody := subgate(t, nil, "eval", "testdata/policy.yaml", "-body", file)
			require.Equal(t, exitOK, fromBody.exit, fromBody.stderr)
			assert.Equal(t, positional, fromBody)

			want := string(function.ServeDirect(t.Context(), body, "eval-test")) + "\n"
			answer, _, _ := strings.Cut(positional.stdout, "\n")
			assert.Equal(t, want, answer+"\n", "the function's answer to a console test, byte for byte")
			// And the answer to the request as Chat sends it, through every check of the HTTP path.
			query := url.Values{"SdkAppid": {"1400000001"}, "CallbackCommand": {webhook.CommandBeforeAddSubscriber}}
			resp := function.Serve(t.Context(), gate.Request{Method: "POST", Query: query, Body: body, RequestID: "eval-test"})
			assert.Equal(t, string(resp.Body), answer, "the function's answer to Chat's request, byte for byte")

			asJSON := subgate(t, nil, "eval", "testdata/policy.yaml", "-body", file, "-json")
			require.Equal(t, exitOK, asJSON.exit)
			var doc struct {
				Answer json.RawMessage `json:"answer"`
			}
			require.NoError(t, json.Unmarshal([]byte(asJSON.stdout), &doc))
			assert.Equal(t, answer, string(doc.Answer), "-json holds the answer byte for byte too")
		})
	}
}

// -json's subscribers are the policy's verdicts, as policy.Verdict marshals them.
func TestEvalJSONIsTheDecision(t *testing.T) {
	r := subgate(t, nil, "eval", "testdata/policy.yaml", "@TOA#_beta", "bot_1", "ok", "-json")
	require.Equal(t, exitOK, r.exit, r.stderr)
	p, err := policy.Load("testdata/policy.yaml")
	require.NoError(t, err)
	d := p.DecideAt(testNow, "@TOA#_beta", "", []string{"bot_1", "ok"})
	want, err := json.Marshal(evalDocument{Answer: json.RawMessage(`{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`),
		Subscribers: &d.Subscribers, Mode: "shadow", Policy: p.Info().Revision})
	require.NoError(t, err)
	assert.Equal(t, string(want)+"\n", r.stdout)
	assert.True(t, strings.HasPrefix(r.stdout, `{"answer":{`), "the document the issue specifies: answer, then subscribers")
}

// A bundle decides as the policy file it was made from.
func TestEvalBundle(t *testing.T) {
	file := filepath.Join(t.TempDir(), "policy.bundle")
	r := subgate(t, nil, "bundle", "testdata/policy.yaml", "-o", file)
	require.Equal(t, exitOK, r.exit, r.stderr)
	args := []string{"@TOA#_news", "jared", "leckie", "spammer42", "troll", "wave_1"}
	fromFile := subgate(t, nil, append([]string{"eval", "testdata/policy.yaml"}, args...)...)
	fromBundle := subgate(t, nil, append([]string{"eval", file}, args...)...)
	require.Equal(t, exitOK, fromBundle.exit, fromBundle.stderr)
	assert.Equal(t, fromFile, fromBundle)
}
