package gate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/worstcase"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/webhook"
)

// Each worst-case body (make bench times them) gets its exact answer, through Serve and through
// the HTTP server's handler, with one log line each; so do the bodies one step past a limit.
func TestWorstCaseBodies(t *testing.T) {
	var logs bytes.Buffer
	g := gate.FromEnv(func(k string) string {
		return map[string]string{"SUBGATE_SDKAPPID": "1400000001", "SUBGATE_POLICY": worstcase.Policy}[k]
	}, &logs)
	require.NoError(t, g.Err())
	query := url.Values{"SdkAppid": {"1400000001"}, "CallbackCommand": {webhook.CommandBeforeAddSubscriber}}
	for _, s := range append(worstcase.Shapes(), worstcase.PastTheLimits()...) {
		t.Run(s.Name, func(t *testing.T) {
			require.LessOrEqual(t, len(s.Body), gate.MaxBodyBytes, "the body is within the limit")
			want := string(s.Answer.Encode())

			logs.Reset()
			resp := g.Serve(context.Background(), gate.Request{Method: http.MethodPost, Query: query, Body: s.Body, RequestID: s.Name})
			assert.Equal(t, s.Status, resp.StatusCode)
			assert.Equal(t, want, string(resp.Body))
			checkLogLine(t, logs.String(), s)

			logs.Reset()
			rec := httptest.NewRecorder()
			g.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/?"+query.Encode(), bytes.NewReader(s.Body)))
			assert.Equal(t, s.Status, rec.Code)
			assert.Equal(t, want, rec.Body.String())
			checkLogLine(t, logs.String(), s)
		})
	}
}

// checkLogLine checks that logs is one line, of the shape's status and refused count.
func checkLogLine(t *testing.T, logs string, s worstcase.Shape) {
	t.Helper()
	require.Equal(t, 1, strings.Count(logs, "\n"), "one log line")
	var line struct {
		Status  int `json:"status"`
		Refused int `json:"refused"`
	}
	require.NoError(t, json.Unmarshal([]byte(logs), &line))
	assert.Equal(t, s.Status, line.Status)
	assert.Equal(t, len(s.Answer.Refused), line.Refused)
}
