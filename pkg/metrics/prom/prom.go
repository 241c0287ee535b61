// Package prom counts subgate's requests for Prometheus on the HTTP server, with
// github.com/prometheus/client_golang, and serves them in its exposition format (Handler) on a
// listener of their own (SUBGATE_METRICS_ADDR), never on the webhook's:
//
//	subgate_requests_total{outcome}            requests, by outcome (every outcome from 0)
//	subgate_refused_subscribers_total          users refused by the answers
//	subgate_would_refuse_subscribers_total     users a policy in shadow mode would have refused
//	subgate_request_duration_seconds           time in subgate per request (histogram)
//	subgate_policy_refresh_failures_total      failed refreshes of a live policy
//	subgate_policy_info{revision}              1 for the revision of the policy deciding now
//
// with the standard Go and process collectors. The counters are kept in memory, updated on the
// answer's path by atomic additions; nothing is sent anywhere.
package prom

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/subgate/subgate/pkg/metrics"
)

// Buckets are the request duration histogram's upper bounds, in seconds: subgate answers in tens
// of microseconds to a few milliseconds (a relay or a first policy fetch, up to 1.8 s).
var Buckets = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}

// Prom is subgate's metrics for Prometheus. It is safe for concurrent use.
type Prom struct {
	registry        *prometheus.Registry
	requests        map[metrics.Outcome]prometheus.Counter
	refused         prometheus.Counter
	wouldRefuse     prometheus.Counter
	duration        prometheus.Histogram
	refreshFailures prometheus.Counter
}

// New returns the metrics, registered with a registry of their own beside the Go and process
// collectors. revision gives the revision of the policy deciding at each scrape ("" for none);
// it must not block.
func New(revision func() string) *Prom {
	p := &Prom{registry: prometheus.NewRegistry(), requests: map[metrics.Outcome]prometheus.Counter{}}
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "subgate_requests_total", Help: "Webhook requests answered, by outcome (see docs/metrics.md).",
	}, []string{"outcome"})
	for _, o := range metrics.Outcomes { // every series exists from the start, at 0
		p.requests[o] = requests.WithLabelValues(string(o))
	}
	p.refused = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "subgate_refused_subscribers_total", Help: "Users refused by subgate's answers.",
	})
	p.wouldRefuse = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "subgate_would_refuse_subscribers_total", Help: "Users a policy in shadow mode would have refused.",
	})
	p.duration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "subgate_request_duration_seconds", Help: "Time subgate spent on a request, without a relayed backend's.", Buckets: Buckets,
	})
	p.refreshFailures = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "subgate_policy_refresh_failures_total", Help: "Failed refreshes of a live policy (SUBGATE_POLICY_URL).",
	})
	p.registry.MustRegister(requests, p.refused, p.wouldRefuse, p.duration, p.refreshFailures,
		policyInfo{revision: revision},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return p
}

// Request counts a request.
func (p *Prom) Request(r metrics.Record) []slog.Attr {
	if c, ok := p.requests[r.Outcome]; ok {
		c.Inc()
	}
	p.refused.Add(float64(r.Refused))
	p.wouldRefuse.Add(float64(r.WouldRefuse))
	p.duration.Observe(r.Duration.Seconds())
	return nil
}

// RefreshFailed counts a failed refresh.
func (p *Prom) RefreshFailed(time.Time) []slog.Attr {
	p.refreshFailures.Inc()
	return nil
}

// Handler serves the metrics in the exposition format Prometheus asks for.
func (p *Prom) Handler() http.Handler {
	return promhttp.HandlerFor(p.registry, promhttp.HandlerOpts{Registry: p.registry})
}

// policyInfo is subgate_policy_info: one series, at 1, whose revision label is the policy deciding
// at the time of the scrape. Made at each scrape, it is never seen missing or doubled mid-swap.
type policyInfo struct {
	revision func() string
}

var policyInfoDesc = prometheus.NewDesc("subgate_policy_info", "1 for the revision of the policy that decides now.", []string{"revision"}, nil)

func (policyInfo) Describe(ch chan<- *prometheus.Desc) { ch <- policyInfoDesc }

func (i policyInfo) Collect(ch chan<- prometheus.Metric) {
	if rev := i.revision(); rev != "" {
		ch <- prometheus.MustNewConstMetric(policyInfoDesc, prometheus.GaugeValue, 1, rev)
	}
}
