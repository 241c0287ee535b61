package gate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/webhook"
)

// decisionGate is a gate on policyText at the time at, logging at level to logs.
func decisionGate(t *testing.T, policyText string, cfg config.Config, level slog.Level, at time.Time, logs *bytes.Buffer) *Gate {
	t.Helper()
	cfg.SdkAppID = appID
	return New(cfg, testPolicy(t, policyText), NewLogger(logs, level)).WithClock(func() time.Time { return at })
}

// decide sends subscribers to @TOA#_news and returns the answer and the one log line, decoded.
func decide(t *testing.T, g *Gate, logs *bytes.Buffer, subscribers ...string) (string, map[string]any) {
	t.Helper()
	logs.Reset()
	resp := g.Serve(t.Context(), Request{Method: "POST", Query: query(webhook.CommandBeforeAddSubscriber), Body: body(subscribers...)})
	require.Equal(t, 200, resp.StatusCode, "%s", resp.Body)
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	require.Len(t, lines, 1, logs.String())
	var line map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &line))
	return string(resp.Body), line
}

const banPolicy = `
deny: ["jared", "bot_*", {id: "leckie", until: "2026-12-01T00:00:00Z", reason: "spam wave"}]
deny_file: lists/banned.txt
`

var beforeUntil = time.Date(2026, 11, 30, 23, 59, 59, 0, time.UTC)

func TestDecisionLogNamesEachRefusalAndItsRule(t *testing.T) {
	var logs bytes.Buffer
	g := decisionGate(t, banPolicy, config.Config{}, slog.LevelInfo, beforeUntil, &logs)
	answer, line := decide(t, g, &logs, "jared", "ok", "bot_7", "leckie", "troll")
	assert.Equal(t, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["jared","bot_7","leckie","troll"]}`, answer)
	assert.Equal(t, testPolicy(t, banPolicy).Info().Revision, line["policy"])
	assert.Len(t, line["policy"], 12)
	assert.Equal(t, []any{
		map[string]any{"id": "jared", "rule": `deny "jared"`},
		map[string]any{"id": "bot_7", "rule": `deny "bot_*"`},
		map[string]any{"id": "leckie", "rule": `deny "leckie" until 2026-12-01T00:00:00Z reason "spam wave"`},
		map[string]any{"id": "troll", "rule": `deny_file lists/banned.txt line 2 "troll"`},
	}, line["refused_by"])
	assert.NotContains(t, line, "allowed_by", "allowed subscribers are logged at debug only")
	assert.NotContains(t, line, "mode")
}

func TestDecisionLogExpiryToTheSecond(t *testing.T) {
	var logs bytes.Buffer
	until := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		at      time.Time
		refused bool
	}{{until.Add(-time.Second), true}, {until, false}, {until.Add(time.Second), false}} {
		t.Run(tt.at.Format(time.RFC3339), func(t *testing.T) {
			g := decisionGate(t, banPolicy, config.Config{}, slog.LevelDebug, tt.at, &logs)
			answer, line := decide(t, g, &logs, "leckie")
			if tt.refused {
				assert.Contains(t, answer, `"RefusedSubscribers_Account":["leckie"]`)
				return
			}
			assert.Equal(t, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`, answer)
			assert.Equal(t, []any{map[string]any{"id": "leckie", "rule": "default: allow"}}, line["allowed_by"])
		})
	}
}

func TestDecisionLogWithoutIDs(t *testing.T) {
	var logs bytes.Buffer
	g := decisionGate(t, banPolicy, config.Config{OmitLogIDs: true}, slog.LevelDebug, beforeUntil, &logs)
	_, line := decide(t, g, &logs, "jared", "bot_7", "troll", "fine_user")
	assert.Equal(t, []any{
		map[string]any{"rule": `deny (an exact ID)`},
		map[string]any{"rule": `deny "bot_*"`},
		map[string]any{"rule": `deny_file lists/banned.txt line 2`},
	}, line["refused_by"])
	assert.Equal(t, []any{map[string]any{"rule": "default: allow"}}, line["allowed_by"])
	assert.Equal(t, float64(3), line["refused"], "the counts stay")
	for _, id := range []string{"jared", "bot_7", "troll", "fine_user"} {
		assert.NotContains(t, logs.String(), id)
	}
}

func TestDecisionLogCapsTheListAt100(t *testing.T) {
	var logs bytes.Buffer
	g := decisionGate(t, `deny: ["spam_*"]`, config.Config{}, slog.LevelInfo, beforeUntil, &logs)
	var ids []string
	for i := range 130 {
		ids = append(ids, fmt.Sprintf("spam_%d", i))
	}
	_, line := decide(t, g, &logs, ids...)
	assert.Len(t, line["refused_by"], MaxLoggedSubscribers)
	assert.Equal(t, float64(30), line["refused_by_left_out"])
	assert.Equal(t, float64(130), line["refused"])
}

func TestDecisionLogRequestRules(t *testing.T) {
	var logs bytes.Buffer
	g := newGate(t, false, &logs)
	logs.Reset()
	g.Serve(t.Context(), Request{Method: "POST", Query: query(webhook.CommandBeforeAddSubscriber), Body: body("a", "b", "c", "d")})
	assert.Contains(t, logs.String(), `"rule":"max_subscribers"`)
	assert.NotContains(t, logs.String(), "refused_by", "the request's rule speaks for every subscriber")
}

func TestShadowModeLetsEveryoneThroughAndLogsWhoWouldBeRefused(t *testing.T) {
	var logs bytes.Buffer
	policyText := `
mode: shadow
deny: ["jared"]
channels:
  "@TOA#_enforced":
    mode: enforce
  "@TOA#_news":
    closed: true
`
	g := decisionGate(t, policyText, config.Config{}, slog.LevelInfo, beforeUntil, &logs)
	answer, line := decide(t, g, &logs, "jared", "ok")
	assert.Equal(t, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`, answer, "the closed channel is only logged")
	assert.Equal(t, "shadow", line["mode"])
	assert.Equal(t, "closed channel", line["would_reject"])
	assert.Equal(t, float64(0), line["error_code"])

	g = decisionGate(t, strings.Replace(policyText, "closed: true", "default: allow", 1), config.Config{}, slog.LevelInfo, beforeUntil, &logs)
	answer, line = decide(t, g, &logs, "jared", "ok")
	assert.Equal(t, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`, answer)
	assert.Equal(t, "shadow", line["mode"])
	assert.Equal(t, float64(0), line["refused"])
	assert.Equal(t, []any{map[string]any{"id": "jared", "rule": `deny "jared"`}}, line["would_refuse_by"])
	assert.NotContains(t, line, "refused_by")

	// A channel that overrides the shadow mode is enforced.
	logs.Reset()
	enforced := strings.Replace(string(body("jared")), "@TOA#_news", "@TOA#_enforced", 1)
	resp := g.Serve(t.Context(), Request{Method: "POST", Query: query(webhook.CommandBeforeAddSubscriber), Body: []byte(enforced)})
	assert.Equal(t, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["jared"]}`, string(resp.Body))
	assert.NotContains(t, logs.String(), `"mode"`)
}

func TestExplainAnswersAsServeDirect(t *testing.T) {
	var logs bytes.Buffer
	g := decisionGate(t, banPolicy, config.Config{}, slog.LevelInfo, beforeUntil, &logs)
	b := body("jared", "ok")
	answer, d := g.Explain(b)
	assert.Equal(t, string(g.ServeDirect(t.Context(), b, "x")), string(answer))
	require.NotNil(t, d)
	assert.Equal(t, []string{"jared"}, d.Refused)
	assert.Equal(t, `deny "jared"`, d.Subscribers[0].Rule.String())

	answer, d = g.Explain([]byte(`{"CallbackCommand":"C2C.CallbackBeforeSendMsg"}`))
	assert.Equal(t, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`, string(answer))
	assert.Nil(t, d, "another command is not the policy's to decide")
}

// Shadow mode lets through, and only logs, what the app-wide rules would refuse too: too many
// subscribers, an empty Subscriber_Account (as docs/policy.md says).
func TestShadowModeCoversTheAppWideRules(t *testing.T) {
	var logs bytes.Buffer
	g := decisionGate(t, "max_subscribers: 1\nchannels:\n  \"@TOA#_news\":\n    mode: shadow\n", config.Config{}, slog.LevelInfo, beforeUntil, &logs)
	answer, line := decide(t, g, &logs, "a", "b")
	assert.Equal(t, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`, answer)
	assert.Equal(t, "max_subscribers", line["would_reject"])
	answer, line = decide(t, g, &logs, "")
	assert.Equal(t, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`, answer)
	assert.Equal(t, []any{map[string]any{"id": "", "rule": "empty Subscriber_Account"}}, line["would_refuse_by"])
}
