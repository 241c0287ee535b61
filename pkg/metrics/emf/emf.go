// Package emf writes subgate's metrics on AWS Lambda in CloudWatch's Embedded Metric Format: each
// request's log line is itself the EMF document. Its "_aws" key names the metrics and dimensions in
// the namespace (SUBGATE_METRICS_NAMESPACE, default "subgate"), and the line's root carries their
// values beside the log fields, so CloudWatch Logs extracts the metrics from the line the function
// writes anyway: no second line, no API call, nothing on the answer's path but a few fields.
//
// A request's line carries Requests (Count, 1), RefusedSubscribers (Count), Duration (Milliseconds:
// the time in subgate) and, in shadow mode, WouldRefuseSubscribers (Count), by Outcome and in total
// ("Dimensions": [["Outcome"], []]: CloudWatch does not add custom metrics up across dimensions).
// The "policy refresh failed" line carries PolicyRefreshFailures (Count, 1) with no dimension
// ("Dimensions": [[]]). Only the outcome, a bounded set, is ever a dimension.
//
// Specification: docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html.
package emf

import (
	"encoding/json"
	"log/slog"
	"strconv"
	"time"

	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/metrics"
)

// The names CloudWatch knows subgate's metrics by: template.yaml's alarms and dashboard use them.
const (
	DimensionOutcome = "Outcome"

	MetricRequests              = "Requests"
	MetricRefusedSubscribers    = "RefusedSubscribers"
	MetricDuration              = "Duration"
	MetricWouldRefuseSubscriber = "WouldRefuseSubscribers"
	MetricRefreshFailures       = "PolicyRefreshFailures"
)

// EMF adds the Embedded Metric Format's fields to the lines of the gate and of the policy source.
// It is safe for concurrent use.
type EMF struct {
	// The CloudWatchMetrics arrays of each kind of line, encoded once.
	requests, shadowRequests, refreshFailures json.RawMessage
}

// ForConfig is the metrics of a Lambda function configured by cfg: EMF in cfg.MetricsNamespace,
// or none when SUBGATE_METRICS=false. It is what the Lambda entrypoint gives gate.WithMetrics.
func ForConfig(cfg config.Config) metrics.Metrics {
	if !cfg.Metrics {
		return nil
	}
	return New(cfg.MetricsNamespace)
}

// New returns EMF in namespace, which must be a namespace CloudWatch takes (config checks
// SUBGATE_METRICS_NAMESPACE).
func New(namespace string) *EMF {
	count := func(name string) metric { return metric{Name: name, Unit: "Count"} }
	perRequest := []metric{count(MetricRequests), count(MetricRefusedSubscribers), {Name: MetricDuration, Unit: "Milliseconds"}}
	byOutcome := [][]string{{DimensionOutcome}, {}}
	return &EMF{
		requests:        encode(directive{Namespace: namespace, Dimensions: byOutcome, Metrics: perRequest}),
		shadowRequests:  encode(directive{Namespace: namespace, Dimensions: byOutcome, Metrics: append(perRequest, count(MetricWouldRefuseSubscriber))}),
		refreshFailures: encode(directive{Namespace: namespace, Dimensions: [][]string{{}}, Metrics: []metric{count(MetricRefreshFailures)}}),
	}
}

// directive is a MetricDirective of the specification.
type directive struct {
	Namespace  string     `json:"Namespace"`
	Dimensions [][]string `json:"Dimensions"`
	Metrics    []metric   `json:"Metrics"`
}

type metric struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

// metadata is the "_aws" member: when (milliseconds since the epoch), and which members of the line
// are metrics (the CloudWatchMetrics array, encoded once). It is written as it will be read, without
// reflection: the first request of a cold function pays nothing to encode it.
func metadata(t time.Time, directives json.RawMessage) json.RawMessage {
	out := make([]byte, 0, len(`{"Timestamp":,"CloudWatchMetrics":}`)+20+len(directives))
	out = append(out, `{"Timestamp":`...)
	out = strconv.AppendInt(out, t.UnixMilli(), 10)
	out = append(out, `,"CloudWatchMetrics":`...)
	out = append(out, directives...)
	return append(out, '}')
}

func encode(d directive) json.RawMessage {
	out, err := json.Marshal([]directive{d})
	if err != nil {
		panic(err) // strings and slices of them: cannot fail
	}
	return out
}

// Request gives a request's line its metrics.
func (e *EMF) Request(r metrics.Record) []slog.Attr {
	directives := e.requests
	if r.Shadow {
		directives = e.shadowRequests
	}
	attrs := []slog.Attr{
		slog.Any("_aws", metadata(r.Time, directives)),
		slog.String(DimensionOutcome, string(r.Outcome)),
		slog.Int(MetricRequests, 1),
		slog.Int(MetricRefusedSubscribers, r.Refused),
		slog.Float64(MetricDuration, float64(r.Duration.Microseconds())/1000),
	}
	if r.Shadow {
		attrs = append(attrs, slog.Int(MetricWouldRefuseSubscriber, r.WouldRefuse))
	}
	return attrs
}

// RefreshFailed gives the "policy refresh failed" line its metric.
func (e *EMF) RefreshFailed(t time.Time) []slog.Attr {
	return []slog.Attr{
		slog.Any("_aws", metadata(t, e.refreshFailures)),
		slog.Int(MetricRefreshFailures, 1),
	}
}
