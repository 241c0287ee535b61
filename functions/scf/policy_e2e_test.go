package main

// End-to-end, issue 12: the real SCF binary, invoked over net/rpc, decides by the entries of its
// policy that apply at its own clock (expiring entries), answers shadow-mode decisions letting everyone
// through, and logs each decision with the policy's revision and the rule behind every refusal, or
// without any user ID when SUBGATE_LOG_IDS=false.

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/testkit"
)

func TestPolicyDecisionsEndToEnd(t *testing.T) {
	bin := buildFunction(t)
	p := testkit.WriteExpiryAndShadow(t)
	functionURLEvent := readFile(t, "..", "..", "deploy", "events", "scf-function-url.json")

	for _, run := range []struct {
		name          string
		env           map[string]string
		logIDs, debug bool
	}{
		{"LogIDs", map[string]string{}, true, false},
		{"LogIDsFalseAtDebug", map[string]string{"SUBGATE_LOG_IDS": "false", "SUBGATE_LOG_LEVEL": "debug"}, false, true},
	} {
		t.Run(run.name, func(t *testing.T) {
			fn := startFunction(t, bin)
			env := map[string]string{"SUBGATE_SDKAPPID": "1400000001", "SUBGATE_POLICY_FILE": p.File}
			for k, v := range run.env {
				env[k] = v
			}
			for _, c := range p.Cases(run.logIDs, run.debug) {
				t.Run(c.Name, func(t *testing.T) {
					// As Chat sends it, through the Function URL.
					id := "scf-url-" + run.name + "-" + c.Name
					got := fn.invoke(t, id, withBody(t, functionURLEvent, c.Body), env)
					assert.JSONEq(t, functionURLAnswer(200, c.Answer), got)
					c.CheckLine(t, fn.waitFor(t, `"request_id":"`+id+`"`), run.logIDs)

					// As the console's test box sends it: the webhook body alone.
					id = "scf-raw-" + run.name + "-" + c.Name
					assert.Equal(t, c.Answer, fn.invoke(t, id, c.Body, env))
					c.CheckLine(t, fn.waitFor(t, `"request_id":"`+id+`"`), run.logIDs)
				})
			}
		})
	}
}

// withBody returns an HTTP event with its body replaced.
func withBody(t *testing.T, event, body []byte) []byte {
	t.Helper()
	var e map[string]any
	require.NoError(t, json.Unmarshal(event, &e))
	e["body"] = string(body)
	out, err := json.Marshal(e)
	require.NoError(t, err)
	return out
}
