package emf_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/emfcheck"
	"github.com/subgate/subgate/internal/syncbuf"
	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/metrics/emf"
	"github.com/subgate/subgate/pkg/webhook"
)

const appID = "1400000001"

const policy = `deny: [jared]
channels:
  "@TOA#_closed": {closed: true}
  "@TOA#_shadow": {mode: shadow}
`

func newGate(t *testing.T, logs *syncbuf.Buffer, vars map[string]string) *gate.Gate {
	t.Helper()
	env := map[string]string{config.EnvSdkAppID: appID, config.EnvPolicy: policy}
	for k, v := range vars {
		env[k] = v
	}
	return gate.FromEnv(func(k string) string { return env[k] }, logs, gate.WithMetrics(emf.ForConfig))
}

func request(command, channel string, subscribers ...string) gate.Request {
	list := make([]map[string]string, len(subscribers))
	for i, s := range subscribers {
		list[i] = map[string]string{"Subscriber_Account": s}
	}
	body, _ := json.Marshal(map[string]any{"CallbackCommand": command, "Official_Account": channel, "Operator_Account": "op", "SubscribeAccountList": list})
	return gate.Request{Method: "POST", Query: url.Values{"SdkAppid": {appID}, "CallbackCommand": {command}}, Body: body, RequestID: channel + strings.Join(subscribers, ",")}
}

// lines decodes the log, checking each line with _aws against the EMF specification.
func lines(t *testing.T, logs string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(logs) {
		_, err := emfcheck.Check([]byte(line), time.Now())
		require.NoError(t, err, "line %s", line)
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m))
		out = append(out, m)
	}
	return out
}

// metricsOf is what a line declares, by metric name: unit, value, dimension sets.
func metricsOf(t *testing.T, line map[string]any) map[string]emfcheck.Metric {
	t.Helper()
	raw, err := json.Marshal(line)
	require.NoError(t, err)
	found, err := emfcheck.Check(raw, time.Now())
	require.NoError(t, err)
	out := map[string]emfcheck.Metric{}
	for _, m := range found {
		out[m.Name] = m
	}
	return out
}

// Every outcome: the request's line is its EMF document, with the outcome as the dimension and in
// total, and the values of the answer.
func TestEveryRequestLineIsAnEMFDocument(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`))
	}))
	t.Cleanup(backend.Close)
	var logs syncbuf.Buffer
	g := newGate(t, &logs, map[string]string{config.EnvForwardURL: backend.URL})
	local := newGate(t, &logs, nil)
	ctx := context.Background()
	wrongApp := request(webhook.CommandBeforeAddSubscriber, "@TOA#_news", "alice")
	wrongApp.Query.Set("SdkAppid", "1400000002")
	badBody := request(webhook.CommandBeforeAddSubscriber, "@TOA#_news")
	badBody.Body = []byte(`{}`)
	steps := []struct {
		gate        *gate.Gate
		req         gate.Request
		outcome     string
		refused     float64
		wouldRefuse float64 // -1: not in shadow mode
	}{
		{g, request(webhook.CommandBeforeAddSubscriber, "@TOA#_news", "alice"), "allowed", 0, -1},
		{g, request(webhook.CommandBeforeAddSubscriber, "@TOA#_news", "alice", "jared"), "refused", 1, -1},
		{g, request(webhook.CommandBeforeAddSubscriber, "@TOA#_closed", "alice"), "rejected", 0, -1},
		{g, request(webhook.CommandBeforeAddSubscriber, "@TOA#_shadow", "alice", "jared"), "allowed", 0, 1},
		{g, wrongApp, "unauthorized", 0, -1},
		{g, badBody, "invalid", 0, -1},
		{g, request("C2C.CallbackBeforeSendMsg", ""), "relayed", 0, -1},
		{local, request("C2C.CallbackBeforeSendMsg", ""), "other", 0, -1},
	}
	for _, s := range steps {
		logs.Reset()
		s.gate.Serve(ctx, s.req)
		got := lines(t, logs.String())
		require.Len(t, got, 1, logs.String())
		line := got[0]
		assert.Equal(t, s.outcome, line["outcome"], "%s", logs.String())
		assert.Equal(t, s.outcome, line[emf.DimensionOutcome])
		m := metricsOf(t, line)
		wantNames := []string{"Duration", "RefusedSubscribers", "Requests"}
		if s.wouldRefuse >= 0 {
			wantNames = append(wantNames, "WouldRefuseSubscribers")
			assert.Equal(t, s.wouldRefuse, m["WouldRefuseSubscribers"].Value)
			assert.Equal(t, "Count", m["WouldRefuseSubscribers"].Unit)
		}
		assert.ElementsMatch(t, wantNames, keys(m), "%s", logs.String())
		assert.Equal(t, 1.0, m["Requests"].Value)
		assert.Equal(t, "Count", m["Requests"].Unit)
		assert.Equal(t, s.refused, m["RefusedSubscribers"].Value)
		assert.Equal(t, "Count", m["RefusedSubscribers"].Unit)
		assert.Equal(t, "Milliseconds", m["Duration"].Unit)
		if s.outcome == "relayed" {
			assert.Contains(t, line, "backend_ms")
			assert.LessOrEqual(t, line["Duration"], line["duration_ms"], "the backend's time is not subgate's")
		} else {
			assert.Equal(t, line["duration_ms"], line["Duration"], "no backend time to take off: the same figure")
		}
		for _, metric := range m {
			assert.Equal(t, "subgate", metric.Namespace)
			assert.Equal(t, [][]string{{"Outcome"}, {}}, metric.Dimensions)
		}
	}
}

// A configuration error: the undecided answers are counted too, and so is what is answered 500
// (outcome other).
func TestUndecidedAndUnreadableAreCounted(t *testing.T) {
	var logs syncbuf.Buffer
	g := newGate(t, &logs, map[string]string{config.EnvSdkAppID: "", config.EnvMetricsNamespace: "chat/subgate"})
	require.Error(t, g.Err())
	logs.Reset()
	g.Serve(context.Background(), request(webhook.CommandBeforeAddSubscriber, "@TOA#_news", "alice"))
	g.Unrecognised(context.Background(), "inv-2", "payload is not JSON")
	got := lines(t, logs.String())
	require.Len(t, got, 2, logs.String())
	assert.Equal(t, "undecided", got[0][emf.DimensionOutcome])
	assert.Equal(t, "other", got[1][emf.DimensionOutcome])
	for _, line := range got {
		for _, m := range metricsOf(t, line) {
			assert.Equal(t, "chat/subgate", m.Namespace)
		}
	}
}

// Metrics never depend on the log level: where the level leaves a request's line out, a line of the
// metric fields alone is written.
func TestMetricsDoNotDependOnTheLogLevel(t *testing.T) {
	var logs syncbuf.Buffer
	g := newGate(t, &logs, map[string]string{config.EnvLogLevel: "error"})
	g.Serve(context.Background(), request(webhook.CommandBeforeAddSubscriber, "@TOA#_news", "alice", "jared"))
	got := lines(t, logs.String())
	require.Len(t, got, 1, logs.String())
	line := got[0]
	assert.Equal(t, "metrics", line["msg"])
	assert.Equal(t, "refused", line["Outcome"])
	assert.Equal(t, 1.0, line["RefusedSubscribers"])
	for key := range line {
		assert.Contains(t, []string{"time", "level", "msg", "_aws", "Outcome", "Requests", "RefusedSubscribers", "Duration"}, key,
			"the metric fields alone: no user ID, no request field")
	}
}

// SUBGATE_METRICS=false: no line carries _aws.
func TestMetricsOff(t *testing.T) {
	var logs syncbuf.Buffer
	g := newGate(t, &logs, map[string]string{config.EnvMetrics: "false", config.EnvLogLevel: "error"})
	g.Serve(context.Background(), request(webhook.CommandBeforeAddSubscriber, "@TOA#_news", "jared"))
	assert.Empty(t, logs.String(), "at error, nothing: no metrics line either")
	g = newGate(t, &logs, map[string]string{config.EnvMetrics: "false"})
	g.Serve(context.Background(), request(webhook.CommandBeforeAddSubscriber, "@TOA#_news", "jared"))
	assert.NotContains(t, logs.String(), "_aws")
	assert.Contains(t, logs.String(), `"outcome":"refused"`)
}

// A failed refresh: its line carries PolicyRefreshFailures, with no dimension, whatever the level.
func TestRefreshFailuresAreCounted(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := ln.Addr().String()
	require.NoError(t, ln.Close())
	for _, level := range []string{"info", "error"} {
		t.Run(level, func(t *testing.T) {
			var logs syncbuf.Buffer
			g := newGate(t, &logs, map[string]string{config.EnvPolicy: "", config.EnvPolicyFile: "../../../deploy/policy.example.yaml",
				config.EnvPolicyURL: "http://" + closed + "/policy.bundle", config.EnvLogLevel: level})
			require.NoError(t, g.Err())
			g.Serve(context.Background(), request(webhook.CommandBeforeAddSubscriber, "@TOA#_news", "alice"))
			var failure map[string]any
			require.Eventually(t, func() bool {
				for _, line := range lines(t, logs.String()) {
					if _, ok := line[emf.MetricRefreshFailures]; ok {
						failure = line
						return true
					}
				}
				return false
			}, 10*time.Second, 5*time.Millisecond, "a failed refresh's line:\n%s", logs.String())
			m := metricsOf(t, failure)
			require.Len(t, m, 1)
			assert.Equal(t, emfcheck.Metric{Namespace: "subgate", Name: "PolicyRefreshFailures", Unit: "Count", Dimensions: [][]string{{}}, Value: 1},
				m["PolicyRefreshFailures"])
			want := map[string]string{"info": "policy refresh failed", "error": "metrics"}[level]
			assert.Equal(t, want, failure["msg"])
		})
	}
}

func keys(m map[string]emfcheck.Metric) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func Example() {
	var logs bytes.Buffer
	env := map[string]string{config.EnvSdkAppID: appID, config.EnvPolicy: `deny: [jared]`, config.EnvLogLevel: "error"}
	g := gate.FromEnv(func(k string) string { return env[k] }, &logs, gate.WithMetrics(emf.ForConfig))
	g.Serve(context.Background(), request(webhook.CommandBeforeAddSubscriber, "@TOA#_news", "jared"))
	var line map[string]any
	_ = json.Unmarshal(logs.Bytes(), &line)
	fmt.Println(line["msg"], line["Outcome"], line["Requests"], line["RefusedSubscribers"])
	// Output: metrics refused 1 1
}
