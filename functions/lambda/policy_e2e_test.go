package main

// End-to-end, issue 12: the real bootstrap under the Lambda Runtime Interface Emulator, packed with a
// policy as make package packs it (with its prepared index, which carries the expiries and reasons),
// decides by the entries that apply at its own clock, answers shadow-mode decisions letting everyone
// through, and logs each decision with the policy's revision and the rule behind every refusal, or
// without any user ID when SUBGATE_LOG_IDS=false.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/testkit"
)

func TestPolicyDecisionsEndToEnd(t *testing.T) {
	emulator := findEmulator(t)
	p := testkit.WriteExpiryAndShadow(t)
	task := packTask(t, filepath.Join(buildTask(t), "bootstrap"), p.File)
	_, err := os.Stat(filepath.Join(task, "policy.yaml.index"))
	require.NoError(t, err, "packed with its prepared index")

	for _, run := range []struct {
		name          string
		env           map[string]string
		logIDs, debug bool
	}{
		{"LogIDs", map[string]string{}, true, false},
		{"LogIDsFalseAtDebug", map[string]string{"SUBGATE_LOG_IDS": "false", "SUBGATE_LOG_LEVEL": "debug"}, false, true},
	} {
		t.Run(run.name, func(t *testing.T) {
			env := map[string]string{"SUBGATE_SDKAPPID": "1400000001", "SUBGATE_POLICY_FILE": "policy.yaml"}
			for k, v := range run.env {
				env[k] = v
			}
			fn := startFunction(t, emulator, task, env)
			for _, c := range p.Cases(run.logIDs, run.debug) {
				t.Run(c.Name, func(t *testing.T) {
					// As Chat sends it, through an HTTP API.
					id := "lambda-api-" + run.name + "-" + c.Name
					answer, err := json.Marshal(c.Answer)
					require.NoError(t, err)
					assert.JSONEq(t, `{"statusCode":200,"headers":`+headersJSON+`,"body":`+string(answer)+`,"isBase64Encoded":false}`,
						fn.invoke(t, id, httpAPIEventWithBody(t, c.Body)))
					c.CheckLine(t, fn.waitFor(t, `"request_id":"`+id+`"`), run.logIDs)

					// As the console's test box sends it: the webhook body alone.
					id = "lambda-raw-" + run.name + "-" + c.Name
					assert.Equal(t, c.Answer, fn.invoke(t, id, c.Body))
					c.CheckLine(t, fn.waitFor(t, `"request_id":"`+id+`"`), run.logIDs)
				})
			}
		})
	}
}

// packTask packs bootstrap with the policy file as make package-lambda does (deploy/pack, which
// prepares the index) and unpacks the zip into a folder laid out like Lambda's /var/task.
func packTask(t *testing.T, bootstrap, policyFile string) string {
	t.Helper()
	archive := filepath.Join(t.TempDir(), "lambda.zip")
	run(t, repoRoot, nil, "go", "run", "./deploy/pack", "-o", archive, "-x", "bootstrap="+bootstrap, "-policy", policyFile)
	task := filepath.Join(t.TempDir(), "task")
	unzip(t, archive, task)
	return task
}

// httpAPIEventWithBody is the HTTP API console event with its body replaced.
func httpAPIEventWithBody(t *testing.T, body []byte) []byte {
	t.Helper()
	var event map[string]any
	require.NoError(t, json.Unmarshal(readFile(t, repoRoot, "deploy", "events", "lambda-http-api.json"), &event))
	event["body"] = string(body)
	payload, err := json.Marshal(event)
	require.NoError(t, err)
	return payload
}
