// Package metrics is what the gate knows of each request once it is answered, as metrics take it:
// one Outcome per request and a Record of it, and the Metrics interface through which a platform's
// metrics (EMF log fields on Lambda, package emf; Prometheus counters on the HTTP server, package
// prom) see the same record the request's log line is written from. The gate and the policy source
// call it; which implementation they get is chosen where a function is wired (functions/), so the
// core imports no metrics library and SCF carries none. docs/metrics.md says what each outcome and
// metric means.
package metrics

import (
	"context"
	"log/slog"
	"time"
)

// Outcome is what became of a request, one of the values below: a bounded set, fit to be a metric's
// dimension or label.
type Outcome string

// The outcomes. Every request has exactly one.
const (
	// Allowed: ErrorCode 0 and nobody refused (shadow mode answers so too, whatever it would refuse).
	Allowed Outcome = "allowed"
	// Refused: ErrorCode 0 and some subscribers (or members) refused.
	Refused Outcome = "refused"
	// Rejected: ErrorCode 1 by the policy (a closed channel or group, too many subscribers or
	// members, a refused applicant).
	Rejected Outcome = "rejected"
	// Undecided: subgate could not decide and answered by the fail mode (SUBGATE_FAIL_MODE).
	Undecided Outcome = "undecided"
	// Unauthorized: the SdkAppid or signature check failed (401, 403).
	Unauthorized Outcome = "unauthorized"
	// Invalid: any other refusal of a request that could not be taken (400, 405, 413, an event not
	// recognised).
	Invalid Outcome = "invalid"
	// Relayed: another command, answered by the backend at SUBGATE_FORWARD_URL.
	Relayed Outcome = "relayed"
	// Other: another command, answered by subgate itself (OK, 0; or 500 when the configuration is
	// broken).
	Other Outcome = "other"
)

// Outcomes lists every outcome, in the order above.
var Outcomes = []Outcome{Allowed, Refused, Rejected, Undecided, Unauthorized, Invalid, Relayed, Other}

// Record is one answered request, as metrics see it.
type Record struct {
	Outcome Outcome
	// Refused is how many users the answer refused by name (RefusedSubscribers_Account's length, or
	// RefusedMembers_Account's for a group invitation).
	Refused int
	// Shadow is true when the policy that decided is in shadow mode; WouldRefuse is then how many
	// users it would have refused.
	Shadow      bool
	WouldRefuse int
	// Duration is the time subgate spent on the request: from its arrival at the gate to its answer,
	// without the time a relayed backend took.
	Duration time.Duration
	// Time is when the request was answered.
	Time time.Time
}

// Metrics takes the record of every request and of every failed policy refresh. Its methods are
// called on the answer's path, once each, and must be cheap and safe for concurrent use.
type Metrics interface {
	// Request takes one request's record. The attributes it returns are added to the request's log
	// line; when the log level leaves that line out, a line of these attributes alone is written in
	// its place. nil adds nothing and writes nothing.
	Request(Record) []slog.Attr
	// RefreshFailed takes a failed policy refresh; the attributes it returns are added to the
	// "policy refresh failed" line (which is written at warn, whatever the level).
	RefreshFailed(time.Time) []slog.Attr
}

// MsgAlone is the message of a line that carries only metric attributes: written in the place of a
// line the log level leaves out.
const MsgAlone = "metrics"

// WriteAlone writes the metric attributes m as a line of their own ("msg":"metrics", at level)
// through h, whatever level h takes: for a record the log level leaves out, whose metrics are
// still to be written. It writes nothing when m is empty.
func WriteAlone(ctx context.Context, h slog.Handler, t time.Time, level slog.Level, m []slog.Attr) {
	if len(m) == 0 {
		return
	}
	r := slog.NewRecord(t, level, MsgAlone, 0)
	r.AddAttrs(m...)
	_ = h.Handle(ctx, r)
}
