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

	for _, run := range testkit.PolicyRuns {
		t.Run(run.Name, func(t *testing.T) {
			fn := startFunction(t, bin)
			env := run.Environment(p.File)
			for _, c := range p.Cases(run.LogIDs, run.Debug) {
				t.Run(c.Name, func(t *testing.T) {
					// As Chat sends it, through the Function URL.
					id := "scf-url-" + run.Name + "-" + c.Name
					got := fn.invoke(t, id, withBody(t, functionURLEvent, c.Body), env)
					assert.JSONEq(t, functionURLAnswer(200, c.Answer), got)
					c.CheckLine(t, fn.waitFor(t, `"request_id":"`+id+`"`), run.LogIDs)

					// As the console's test box sends it: the webhook body alone.
					id = "scf-raw-" + run.Name + "-" + c.Name
					assert.Equal(t, c.Answer, fn.invoke(t, id, c.Body, env))
					c.CheckLine(t, fn.waitFor(t, `"request_id":"`+id+`"`), run.LogIDs)
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
