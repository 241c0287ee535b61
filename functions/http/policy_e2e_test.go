package main

// End-to-end, issue 12: the real HTTP server, over loopback, decides by the entries of its policy that
// apply at its own clock (expiring entries), answers shadow-mode decisions letting everyone through,
// and logs each decision with the policy's revision and the rule behind every refusal, or without
// any user ID when SUBGATE_LOG_IDS=false.

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/testkit"
)

func TestPolicyDecisionsEndToEnd(t *testing.T) {
	bin := buildServer(t)
	p := testkit.WriteExpiryAndShadow(t)

	for _, run := range testkit.PolicyRuns {
		t.Run(run.Name, func(t *testing.T) {
			var env []string
			for k, v := range run.Environment(p.File) {
				env = append(env, k+"="+v)
			}
			s := start(t, bin, env...)
			for _, c := range p.Cases(run.LogIDs, run.Debug) {
				t.Run(c.Name, func(t *testing.T) {
					id := "http-" + run.Name + "-" + c.Name
					status, body := postWithID(t, "http://"+s.addr+"/"+sampleQuery, id, c.Body)
					assert.Equal(t, http.StatusOK, status)
					assert.Equal(t, c.Answer, body)
					c.CheckLine(t, s.waitFor(t, `"request_id":"`+id+`"`), run.LogIDs)
				})
			}
		})
	}
}

// postWithID posts body with an X-Request-Id, which the server keeps for the log line.
func postWithID(t *testing.T, url, requestID string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", requestID)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, requestID, resp.Header.Get("X-Request-Id"))
	return resp.StatusCode, string(got)
}
