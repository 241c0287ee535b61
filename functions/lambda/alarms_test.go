package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/emfcheck"
	"github.com/subgate/subgate/internal/syncbuf"
	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/metrics"
	"github.com/subgate/subgate/pkg/metrics/emf"
	"github.com/subgate/subgate/pkg/webhook"
)

// published is what the function writes as metrics in namespace: each metric by name and the
// dimensions (name=value, sorted, joined with ",") it is published under, as CloudWatch extracts
// them from the lines of a gate built as bootstrap builds it, answering one request of every
// outcome, in shadow mode too, and failing a policy refresh.
func published(t *testing.T, namespace string) map[string]bool {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := ln.Addr().String()
	require.NoError(t, ln.Close())
	var logs syncbuf.Buffer
	newGate := func(env map[string]string) *gate.Gate {
		env[config.EnvMetricsNamespace] = namespace
		return gate.FromEnv(func(k string) string { return env[k] }, &logs, gate.WithMetrics(emf.ForConfig))
	}
	fallback := repoRoot + "/deploy/policy.example.yaml"
	live := newGate(map[string]string{config.EnvSdkAppID: "1400000001", config.EnvPolicyFile: fallback,
		config.EnvPolicyURL: "http://" + closed + "/policy.bundle", config.EnvForwardURL: "http://" + closed + "/backend"})
	shadow := newGate(map[string]string{config.EnvSdkAppID: "1400000001", config.EnvPolicy: "mode: shadow\ndeny: [jared]\n"})
	broken := newGate(map[string]string{})
	request := func(command, appID, body string) gate.Request {
		return gate.Request{Method: "POST", Query: url.Values{"SdkAppid": {appID}, "CallbackCommand": {command}}, Body: []byte(body)}
	}
	sample := string(readFile(t, repoRoot, "deploy", "sample-request.json"))
	closedChannel := strings.Replace(sample, "@TOA#_test_for_penn", "@TOA#_closed", 1)
	ctx := context.Background()
	live.Serve(ctx, request(webhook.CommandBeforeAddSubscriber, "1400000001", sample))        // refused
	live.Serve(ctx, request(webhook.CommandBeforeAddSubscriber, "1400000001", closedChannel)) // rejected
	live.Serve(ctx, request(webhook.CommandBeforeAddSubscriber, "1400000002", sample))        // unauthorized
	live.Serve(ctx, request(webhook.CommandBeforeAddSubscriber, "1400000001", `{}`))          // invalid
	live.Serve(ctx, request("C2C.CallbackBeforeSendMsg", "1400000001", `{}`))                 // other (the relay fails)
	shadow.Serve(ctx, request(webhook.CommandBeforeAddSubscriber, "1400000001", sample))      // allowed
	broken.Serve(ctx, request(webhook.CommandBeforeAddSubscriber, "1400000001", sample))      // undecided
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), emf.MetricRefreshFailures) }, 10*time.Second, 5*time.Millisecond)

	out := map[string]bool{}
	outcomes := map[string]bool{}
	for line := range strings.Lines(logs.String()) {
		found, err := emfcheck.Check([]byte(line), time.Now())
		require.NoError(t, err, line)
		var fields map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &fields))
		for _, m := range found {
			require.Equal(t, namespace, m.Namespace)
			for _, set := range m.Dimensions {
				var dims []string
				for _, d := range set {
					dims = append(dims, d+"="+fields[d].(string))
				}
				slices.Sort(dims)
				out[m.Name+"|"+strings.Join(dims, ",")] = true
			}
		}
		if o, ok := fields["Outcome"].(string); ok {
			outcomes[o] = true
		}
	}
	for _, o := range []metrics.Outcome{metrics.Allowed, metrics.Refused, metrics.Rejected, metrics.Undecided, metrics.Unauthorized, metrics.Invalid, metrics.Other} {
		require.True(t, outcomes[string(o)], "the lines hold no %s request:\n%s", o, logs.String())
	}
	// relayed needs a backend that answers; the line is written by the same code with another value
	out["Requests|Outcome=relayed"] = true
	return out
}

// The alarms and the dashboard of template.yaml: which exist for which parameters, and that every
// metric they read is one the function writes, by its name, namespace and dimensions.
func TestTemplateAlarmsAndDashboard(t *testing.T) {
	tmpl := readTemplate(t)
	const namespace = "chat.subgate"
	writes := published(t, namespace)
	const email, functionName = "ops@example.com", "subgate-WebhookFunction-1A2B3C"
	alarms := []string{"UndecidedAlarm", "UnauthorizedAlarm", "ErrorsAlarm", "RefreshFailuresAlarm", "DurationAlarm"}
	tests := []struct {
		name      string
		params    map[string]string
		resources []string // of the alarms, the topic and the dashboard, those that exist
	}{
		{"Defaults", nil, []string{"WebhookDashboard"}},
		{"AlarmEmail", map[string]string{"AlarmEmail": email},
			[]string{"AlarmTopic", "UndecidedAlarm", "UnauthorizedAlarm", "ErrorsAlarm", "DurationAlarm", "WebhookDashboard"}},
		{"AlarmEmailAndLivePolicy", map[string]string{"AlarmEmail": email, "PolicyBucket": "my-bucket", "PolicyKey": "p.bundle", "Dashboard": "false"},
			[]string{"AlarmTopic", "UndecidedAlarm", "UnauthorizedAlarm", "ErrorsAlarm", "RefreshFailuresAlarm", "DurationAlarm"}},
		{"MetricsOff", map[string]string{"AlarmEmail": email, "Metrics": "false", "PolicyBucket": "my-bucket", "PolicyKey": "p.bundle"},
			[]string{"AlarmTopic", "ErrorsAlarm", "WebhookDashboard"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			params := map[string]string{"MetricsNamespace": namespace, "WebhookFunction": functionName, "AlarmTopic": "arn:aws:sns:us-east-1:1:subgate-alarms"}
			for k, v := range tt.params {
				params[k] = v
			}
			ev := newEvaluator(t, tmpl, params)
			resources := asMap(t, tmpl["Resources"])
			var exist []string
			for name, r := range resources {
				if c, ok := asMap(t, r)["Condition"]; ok && !ev.conditions[fmt.Sprint(c)] {
					continue
				}
				if slices.Contains(append(alarms, "AlarmTopic", "WebhookDashboard"), name) {
					exist = append(exist, name)
				}
			}
			assert.ElementsMatch(t, tt.resources, exist)
			fn := asMap(t, asMap(t, resources["WebhookFunction"])["Properties"])
			vars := asMap(t, asMap(t, ev.eval(fn["Environment"]))["Variables"])
			assert.Equal(t, namespace, vars[config.EnvMetricsNamespace], "the function writes where the alarms read")
			for _, name := range exist {
				props := asMap(t, ev.eval(asMap(t, resources[name])["Properties"]))
				switch {
				case name == "AlarmTopic":
					assert.Equal(t, []any{map[string]any{"Endpoint": email, "Protocol": "email"}}, props["Subscription"])
				case name == "WebhookDashboard":
					checkDashboard(t, props, writes, namespace, functionName)
				default:
					checkAlarm(t, name, props, writes, namespace, functionName)
				}
			}
		})
	}
}

// alarmShape is what an alarm must be, as the issue and docs/metrics.md give it.
var alarmShape = map[string]struct {
	metric, dims, stat, op  string
	period, periods, points int
	threshold               float64
}{
	"UndecidedAlarm":       {"Requests", "Outcome=undecided", "Sum", "GreaterThanOrEqualToThreshold", 300, 1, 0, 1},
	"UnauthorizedAlarm":    {"Requests", "Outcome=unauthorized", "Sum", "GreaterThanOrEqualToThreshold", 300, 1, 0, 10},
	"ErrorsAlarm":          {"Errors", "FunctionName=", "Sum", "GreaterThanOrEqualToThreshold", 300, 1, 0, 1},
	"RefreshFailuresAlarm": {"PolicyRefreshFailures", "", "Sum", "GreaterThanOrEqualToThreshold", 900, 1, 0, 3},
	"DurationAlarm":        {"Duration", "", "p99", "GreaterThanThreshold", 300, 3, 3, 1000},
}

func checkAlarm(t *testing.T, name string, props map[string]any, writes map[string]bool, namespace, functionName string) {
	t.Helper()
	want := alarmShape[name]
	var dims []string
	if list, ok := props["Dimensions"]; ok {
		for _, d := range asList(t, list) {
			dims = append(dims, fmt.Sprint(asMap(t, d)["Name"])+"="+fmt.Sprint(asMap(t, d)["Value"]))
		}
	}
	slices.Sort(dims)
	assert.Equal(t, want.metric, props["MetricName"], name)
	if props["Namespace"] == "AWS/Lambda" {
		assert.Equal(t, []string{"FunctionName=" + functionName}, dims, name)
	} else {
		assert.Equal(t, namespace, props["Namespace"], name)
		assert.Equal(t, want.dims, strings.Join(dims, ","), name)
		assert.True(t, writes[props["MetricName"].(string)+"|"+strings.Join(dims, ",")],
			"%s reads %s %v, which the function never writes (it writes %v)", name, props["MetricName"], dims, writes)
	}
	if want.stat == "p99" {
		assert.Equal(t, "p99", props["ExtendedStatistic"], name)
		assert.NotContains(t, props, "Statistic", name)
	} else {
		assert.Equal(t, want.stat, props["Statistic"], name)
	}
	assert.Equal(t, want.op, props["ComparisonOperator"], name)
	assert.EqualValues(t, want.period, props["Period"], name)
	assert.EqualValues(t, want.periods, props["EvaluationPeriods"], name)
	if want.points > 0 {
		assert.EqualValues(t, want.points, props["DatapointsToAlarm"], name)
	}
	assert.EqualValues(t, want.threshold, props["Threshold"], name)
	assert.Equal(t, "notBreaching", props["TreatMissingData"], name)
	assert.NotContains(t, props, "Unit", "%s: a unit never published leaves an alarm without data", name)
	assert.Equal(t, []any{"arn:aws:sns:us-east-1:1:subgate-alarms"}, props["AlarmActions"], name)
}

// checkDashboard parses the dashboard's body and checks each metric it draws.
func checkDashboard(t *testing.T, props map[string]any, writes map[string]bool, namespace, functionName string) {
	t.Helper()
	var body struct {
		Widgets []struct {
			Type       string `json:"type"`
			Properties struct {
				Title   string  `json:"title"`
				Region  string  `json:"region"`
				Metrics [][]any `json:"metrics"`
			} `json:"properties"`
		} `json:"widgets"`
	}
	require.NoError(t, json.Unmarshal([]byte(props["DashboardBody"].(string)), &body), "DashboardBody is JSON")
	require.NotEmpty(t, body.Widgets)
	drawn := map[string]bool{}
	for _, w := range body.Widgets {
		assert.Equal(t, "metric", w.Type)
		assert.Equal(t, "us-east-1", w.Properties.Region, "%s: a metric widget needs its region", w.Properties.Title)
		for _, m := range w.Properties.Metrics {
			var parts []string
			for _, p := range m {
				if s, ok := p.(string); ok {
					parts = append(parts, s)
				}
			}
			require.GreaterOrEqual(t, len(parts), 2, "%v", m)
			require.Equal(t, 0, len(parts)%2, "namespace, name, then dimension name and value pairs: %v", m)
			var dims []string
			for i := 2; i+1 < len(parts); i += 2 {
				dims = append(dims, parts[i]+"="+parts[i+1])
			}
			slices.Sort(dims)
			key := parts[1] + "|" + strings.Join(dims, ",")
			drawn[key] = true
			if parts[0] == "AWS/Lambda" {
				assert.Contains(t, []string{"Errors", "Throttles"}, parts[1])
				assert.Equal(t, []string{"FunctionName=" + functionName}, dims)
				continue
			}
			assert.Equal(t, namespace, parts[0])
			assert.True(t, writes[key], "the dashboard draws %s, which the function never writes", key)
		}
	}
	for _, o := range metrics.Outcomes {
		assert.True(t, drawn["Requests|Outcome="+string(o)], "requests by outcome: %s", o)
	}
	for _, want := range []string{"RefusedSubscribers|", "Duration|", "PolicyRefreshFailures|", "Errors|FunctionName=" + functionName, "Throttles|FunctionName=" + functionName} {
		assert.True(t, drawn[want], "the dashboard draws %s", want)
	}
}
