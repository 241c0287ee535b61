package main

import (
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scrape gets /metrics and parses it with Prometheus's own parser.
func scrape(t *testing.T, addr string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	assert.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4"), resp.Header.Get("Content-Type"))
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	require.NoError(t, err)
	return families
}

// counter is the value of a family's series whose labels are labels (name, value pairs).
func value(t *testing.T, families map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	f, ok := families[name]
	require.True(t, ok, "no family %s", name)
series:
	for _, m := range f.GetMetric() {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, l := range m.GetLabel() {
				found = found || l.GetName() == labels[i] && l.GetValue() == labels[i+1]
			}
			if !found {
				continue series
			}
		}
		switch f.GetType() {
		case dto.MetricType_COUNTER:
			return m.GetCounter().GetValue()
		case dto.MetricType_GAUGE:
			return m.GetGauge().GetValue()
		case dto.MetricType_HISTOGRAM:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	t.Fatalf("no series of %s with %v", name, labels)
	return 0
}

// SUBGATE_METRICS_ADDR: /metrics on its own listener, counting what the webhook answered, in the
// exposition format Prometheus parses; never on the webhook's listener.
func TestPrometheusMetrics(t *testing.T) {
	bin := buildServer(t)
	sample, err := os.ReadFile("../../deploy/sample-request.json")
	require.NoError(t, err)
	metricsAddr := freeAddr(t)
	s := start(t, bin, "SUBGATE_SDKAPPID=1400000001", "SUBGATE_POLICY_FILE=../../deploy/policy.example.yaml", "SUBGATE_METRICS_ADDR="+metricsAddr)
	s.waitFor(t, `"addr":"`+metricsAddr+`"`)
	started := s.waitFor(t, `"msg":"started"`)

	before := scrape(t, metricsAddr)
	for _, o := range []string{"allowed", "refused", "rejected", "undecided", "unauthorized", "invalid", "relayed", "other"} {
		assert.Zero(t, value(t, before, "subgate_requests_total", "outcome", o), "every outcome's series exists from the start, at 0")
	}

	for range 3 {
		status, _ := post(t, "http://"+s.addr+"/"+sampleQuery, sample) // refuses jared
		require.Equal(t, 200, status)
	}
	status, _ := post(t, "http://"+s.addr+"/?SdkAppid=1400000002&CallbackCommand=OfficialAccount.CallbackBeforeAddSubscriber", sample)
	require.Equal(t, 403, status)
	status, _ = post(t, "http://"+s.addr+"/?SdkAppid=1400000001&CallbackCommand=C2C.CallbackAfterSendMsg", []byte(`{}`))
	require.Equal(t, 200, status)

	after := scrape(t, metricsAddr)
	assert.Equal(t, 3.0, value(t, after, "subgate_requests_total", "outcome", "refused"))
	assert.Equal(t, 1.0, value(t, after, "subgate_requests_total", "outcome", "unauthorized"))
	assert.Equal(t, 1.0, value(t, after, "subgate_requests_total", "outcome", "other"))
	assert.Equal(t, 0.0, value(t, after, "subgate_requests_total", "outcome", "allowed"))
	assert.Equal(t, 3.0, value(t, after, "subgate_refused_subscribers_total"))
	assert.Equal(t, 5.0, value(t, after, "subgate_request_duration_seconds"), "one observation a request")
	assert.Equal(t, 0.0, value(t, after, "subgate_policy_refresh_failures_total"))
	revision := strings.SplitN(strings.SplitN(started, `"policy":"`, 2)[1], `"`, 2)[0]
	assert.Equal(t, 1.0, value(t, after, "subgate_policy_info", "revision", revision))
	assert.Len(t, after["subgate_policy_info"].GetMetric(), 1)
	for _, standard := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		assert.Contains(t, after, standard, "the Go and process collectors")
	}

	// The webhook's listener does not serve /metrics, and the metrics listener serves nothing else.
	resp, err := http.Get("http://" + s.addr + "/metrics")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 405, resp.StatusCode, "a GET to the webhook: %s", body)
	assert.NotContains(t, string(body), "subgate_requests_total")
	resp, err = http.Post("http://"+metricsAddr+"/"+sampleQuery, "application/json", strings.NewReader(string(sample)))
	require.NoError(t, err)
	resp.Body.Close()
	assert.NotEqual(t, 200, resp.StatusCode, "no webhook on the metrics listener")
}

// Without SUBGATE_METRICS_ADDR nothing listens but the webhook.
func TestNoMetricsListenerByDefault(t *testing.T) {
	bin := buildServer(t)
	s := start(t, bin, "SUBGATE_SDKAPPID=1400000001")
	s.waitFor(t, `"msg":"started"`)
	assert.Equal(t, 1, strings.Count(s.Output.String(), `"msg":"listening"`))
}
