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

	for _, run := range []struct {
		name          string
		env           []string
		logIDs, debug bool
	}{
		{"LogIDs", nil, true, false},
		{"LogIDsFalseAtDebug", []string{"SUBGATE_LOG_IDS=false", "SUBGATE_LOG_LEVEL=debug"}, false, true},
	} {
		t.Run(run.name, func(t *testing.T) {
			s := start(t, bin, append([]string{"SUBGATE_SDKAPPID=1400000001", "SUBGATE_POLICY_FILE=" + p.File}, run.env...)...)
			for _, c := range p.Cases(run.logIDs, run.debug) {
				t.Run(c.Name, func(t *testing.T) {
					id := "http-" + run.name + "-" + c.Name
					status, body := postWithID(t, "http://"+s.addr+"/"+sampleQuery, id, c.Body)
					assert.Equal(t, http.StatusOK, status)
					assert.Equal(t, c.Answer, body)
					c.CheckLine(t, s.waitFor(t, `"request_id":"`+id+`"`), run.logIDs)
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
