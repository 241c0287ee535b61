package testkit

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/pkg/policy"
)

// ExpiryAndShadow is the policy the entrypoints' end-to-end tests of expiring entries and shadow
// mode decide by, written at test time: deny entries (inline and in a list file) whose until passed
// an hour ago, others that last ten years, and two channels in shadow mode. Expiry to the second is
// tested in pkg/policy and pkg/gate; here each entrypoint shows it decides at its own clock, by the
// entries that apply, and logs what the policy decided.
type ExpiryAndShadow struct {
	Dir      string    // the policy's folder: policy.yaml and lists/banned.txt
	File     string    // Dir/policy.yaml
	Past     time.Time // the until of the entries that no longer apply
	Future   time.Time // the until of those that do
	Revision string    // the policy's revision, as every decided line names it
}

// WriteExpiryAndShadow writes the policy into a new temporary folder.
func WriteExpiryAndShadow(t testing.TB) ExpiryAndShadow {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	p := ExpiryAndShadow{Dir: t.TempDir(), Past: now.Add(-time.Hour), Future: now.AddDate(10, 0, 0)}
	p.File = filepath.Join(p.Dir, "policy.yaml")
	policyText := fmt.Sprintf(`deny:
  - jared
  - {id: ban_ended, until: "%s", reason: "ban that ended"}
  - {id: ban_lasting, until: "%s", reason: "spam wave"}
deny_file: lists/banned.txt
channels:
  "@TOA#_shadow":
    mode: shadow
    deny: ["bot_*"]
  "@TOA#_shadow_closed":
    mode: shadow
    closed: true
`, p.Past.Format(time.RFC3339), p.Future.Format(time.RFC3339))
	list := fmt.Sprintf(`#@ until=%s reason="list ban that ended"
file_ended
#@ until=%s reason="list ban"
file_lasting_*
`, p.Past.Format(time.RFC3339), p.Future.Format(time.RFC3339))
	require.NoError(t, os.MkdirAll(filepath.Join(p.Dir, "lists"), 0o755))
	require.NoError(t, os.WriteFile(p.File, []byte(policyText), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(p.Dir, "lists", "banned.txt"), []byte(list), 0o644))
	loaded, err := policy.Load(p.File)
	require.NoError(t, err)
	p.Revision = loaded.Info().Revision
	return p
}

// PolicyRun is one configuration an entrypoint's end-to-end test of ExpiryAndShadow runs with: its
// variables besides the app and the policy file, and what they make the decided lines say.
type PolicyRun struct {
	Name          string
	Env           map[string]string
	LogIDs, Debug bool
}

// PolicyRuns are the configurations every entrypoint is tried with: user IDs logged at info, and no
// user IDs (SUBGATE_LOG_IDS=false) at debug, where the allowed subscribers are logged too.
var PolicyRuns = []PolicyRun{
	{Name: "LogIDs", LogIDs: true},
	{Name: "LogIDsFalseAtDebug", Env: map[string]string{"SUBGATE_LOG_IDS": "false", "SUBGATE_LOG_LEVEL": "debug"}, Debug: true},
}

// Environment is the run's variables with the app and the policy file.
func (r PolicyRun) Environment(policyFile string) map[string]string {
	env := map[string]string{"SUBGATE_SDKAPPID": AppID, "SUBGATE_POLICY_FILE": policyFile}
	for k, v := range r.Env {
		env[k] = v
	}
	return env
}

// PolicyCase is a request to a function deciding by ExpiryAndShadow, and what must come of it.
type PolicyCase struct {
	Name string
	// Body is the webhook body, from operator 107867.
	Body []byte
	// Answer is the webhook answer, as the function writes it.
	Answer string
	// IDs are the user IDs of the request (the operator and the subscribers).
	IDs []string

	channel string
	line    map[string]any // fields the decided line holds, as encoding/json decodes them
	absent  []string       // fields it does not hold
}

// Operator is the Operator_Account of every PolicyCase.
const Operator = "107867"

// Cases are the requests to send, and what the decided line says of each when the function logs
// the IDs (logIDs, SUBGATE_LOG_IDS unset or true) or not, at SUBGATE_LOG_LEVEL=debug or not.
func (p ExpiryAndShadow) Cases(logIDs, debug bool) []PolicyCase {
	future := p.Future.Format(time.RFC3339)
	verdict := func(id, rule, ruleWithoutID string) any {
		if !logIDs {
			return map[string]any{"rule": ruleWithoutID}
		}
		return map[string]any{"id": id, "rule": rule}
	}
	enforced := PolicyCase{
		Name:    "ExpiringEntries",
		channel: "@TOA#_test_for_penn",
		IDs:     []string{Operator, "jared", "ban_ended", "ban_lasting", "file_ended", "file_lasting_1", "reader"},
		Answer:  `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["jared","ban_lasting","file_lasting_1"]}`,
		line: map[string]any{"refused": 3.0, "error_code": 0.0, "refused_by": []any{
			verdict("jared", `deny "jared"`, `deny (an exact ID)`),
			verdict("ban_lasting", `deny "ban_lasting" until `+future+` reason "spam wave"`, `deny (an exact ID) until `+future+` reason "spam wave"`),
			verdict("file_lasting_1", `deny_file lists/banned.txt line 4 "file_lasting_*" until `+future+` reason "list ban"`,
				`deny_file lists/banned.txt line 4 "file_lasting_*" until `+future+` reason "list ban"`),
		}},
		absent: []string{"mode", "would_refuse_by", "rule"},
	}
	if debug {
		enforced.line["allowed_by"] = []any{verdict("ban_ended", "default: allow", "default: allow"),
			verdict("file_ended", "default: allow", "default: allow"), verdict("reader", "default: allow", "default: allow")}
	} else {
		enforced.absent = append(enforced.absent, "allowed_by")
	}
	shadow := PolicyCase{
		Name:    "ShadowMode",
		channel: "@TOA#_shadow",
		IDs:     []string{Operator, "bot_1", "jared", "reader"},
		Answer:  `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`,
		line: map[string]any{"mode": "shadow", "refused": 0.0, "error_code": 0.0, "would_refuse_by": []any{
			verdict("bot_1", `channels."@TOA#_shadow".deny "bot_*"`, `channels."@TOA#_shadow".deny "bot_*"`),
			verdict("jared", `deny "jared"`, `deny (an exact ID)`),
		}},
		absent: []string{"refused_by", "rule", "would_reject"},
	}
	closed := PolicyCase{
		Name:    "ShadowModeClosedChannel",
		channel: "@TOA#_shadow_closed",
		IDs:     []string{Operator, "anyone"},
		Answer:  `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`,
		line:    map[string]any{"mode": "shadow", "would_reject": "closed channel", "refused": 0.0, "error_code": 0.0},
		absent:  []string{"refused_by", "would_refuse_by", "rule", "reason"},
	}
	cases := []PolicyCase{enforced, shadow, closed}
	for i := range cases {
		c := &cases[i]
		c.line["msg"] = "decided"
		c.line["policy"] = p.Revision
		c.line["official_account"] = c.channel
		c.line["subscribers"] = float64(len(c.IDs) - 1)
		if logIDs {
			c.line["operator_account"] = Operator
		} else {
			c.absent = append(c.absent, "operator_account")
		}
		c.Body = addSubscriberBody(c.channel, c.IDs[1:])
	}
	return cases
}

// CheckLine checks the decided log line of the case, as the function wrote it. Without IDs
// (SUBGATE_LOG_IDS=false), no user ID of the request is anywhere in it.
func (c PolicyCase) CheckLine(t testing.TB, raw string, logIDs bool) {
	t.Helper()
	var line map[string]any
	require.NoError(t, json.Unmarshal([]byte(raw), &line), "the line of %s is JSON: %s", c.Name, raw)
	for key, want := range c.line {
		assert.Equal(t, want, line[key], "%s of the line of %s", key, c.Name)
	}
	for _, key := range c.absent {
		assert.NotContains(t, line, key, "the line of %s", c.Name)
	}
	if !logIDs {
		for _, id := range c.IDs {
			assert.NotContains(t, raw, `"`+id+`"`, "SUBGATE_LOG_IDS=false leaves the IDs out of the line of %s", c.Name)
		}
	}
}

func addSubscriberBody(channel string, subscribers []string) []byte {
	type subscriber struct {
		Account string `json:"Subscriber_Account"`
	}
	list := make([]subscriber, len(subscribers))
	for i, id := range subscribers {
		list[i].Account = id
	}
	body, err := json.Marshal(map[string]any{"CallbackCommand": "OfficialAccount.CallbackBeforeAddSubscriber",
		"Official_Account": channel, "Operator_Account": Operator, "SubscribeAccountList": list, "EventTime": 1670574414123})
	if err != nil {
		panic(err)
	}
	return body
}
