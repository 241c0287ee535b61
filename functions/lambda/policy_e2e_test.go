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

	for _, run := range testkit.PolicyRuns {
		t.Run(run.Name, func(t *testing.T) {
			fn := startFunction(t, emulator, task, run.Environment("policy.yaml"))
			for _, c := range p.Cases(run.LogIDs, run.Debug) {
				t.Run(c.Name, func(t *testing.T) {
					// As Chat sends it, through an HTTP API.
					id := "lambda-api-" + run.Name + "-" + c.Name
					answer, err := json.Marshal(c.Answer)
					require.NoError(t, err)
					assert.JSONEq(t, `{"statusCode":200,"headers":`+headersJSON+`,"body":`+string(answer)+`,"isBase64Encoded":false}`,
						fn.invoke(t, id, httpAPIEventWithBody(t, c.Body)))
					c.CheckLine(t, fn.waitFor(t, `"request_id":"`+id+`"`), run.LogIDs)

					// As the console's test box sends it: the webhook body alone.
					id = "lambda-raw-" + run.Name + "-" + c.Name
					assert.Equal(t, c.Answer, fn.invoke(t, id, c.Body))
					c.CheckLine(t, fn.waitFor(t, `"request_id":"`+id+`"`), run.LogIDs)
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
