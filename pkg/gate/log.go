package gate

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/subgate/subgate/pkg/metrics"
	"github.com/subgate/subgate/pkg/policy"
	"github.com/subgate/subgate/pkg/webhook"
)

// logOutcome writes the one line a request gets: info when it was decided, warn when it failed,
// error when subgate could not decide it. took is the time the gate spent on it. The line names the
// request's outcome, and carries what the gate's metrics add to it (see metrics.Metrics); when the
// log level leaves the line out, those metric attributes are still written, alone.
func (g *Gate) logOutcome(ctx context.Context, requestID string, o outcome, took time.Duration) {
	level, msg := slog.LevelInfo, "decided"
	switch {
	case o.undecided:
		level, msg = slog.LevelError, "undecided"
	case o.relayed != nil:
		msg = "relayed"
	case o.answer.ActionStatus != "OK":
		level, msg = slog.LevelWarn, "failed"
	case o.warn:
		level = slog.LevelWarn
	}
	now := time.Now()
	kind := o.kind()
	m := g.observe(o, kind, took, now)
	if !g.log.Enabled(ctx, level) {
		metrics.WriteAlone(ctx, g.log.Handler(), now, level, m)
		return
	}
	attrs := make([]slog.Attr, 0, 24)
	attrs = append(attrs,
		slog.String("request_id", requestID),
		slog.String("command", o.command),
		slog.String("sdkappid", o.sdkAppID),
	)
	attrs = g.targetAttrs(attrs, o)
	attrs = append(attrs,
		slog.Int("refused", o.refused()),
		slog.Int("error_code", o.answer.ErrorCode),
		slog.Int("status", o.status),
		slog.String("outcome", string(kind)),
		slog.Float64("duration_ms", ms(took)),
	)
	if o.backendDur > 0 {
		attrs = append(attrs, slog.Float64("backend_ms", ms(o.backendDur)))
	}
	if o.undecided {
		attrs = append(attrs, slog.String("fail_mode", g.failMode()))
	}
	if o.reason != "" {
		attrs = append(attrs, slog.String("reason", o.reason))
	}
	if o.revision != "" {
		attrs = append(attrs, slog.String("policy", o.revision))
	}
	if o.decision != nil {
		attrs = g.decisionAttrs(ctx, attrs, o.decision)
	}
	g.write(ctx, now, level, msg, append(attrs, m...))
}

// targetAttrs adds what a request is about: the channel, the operator (a user too: one who
// subscribes, or the app's admin) and how many subscribers; for a group request, the group, its
// type, the operator of an invitation or the applicant, and how many members. User IDs are left out
// with SUBGATE_LOG_IDS=false.
func (g *Gate) targetAttrs(attrs []slog.Attr, o outcome) []slog.Attr {
	if !o.group {
		attrs = append(attrs, slog.String("official_account", o.channel))
		if !g.cfg.OmitLogIDs {
			attrs = append(attrs, slog.String("operator_account", o.operator))
		}
		return append(attrs, slog.Int("subscribers", o.users))
	}
	attrs = append(attrs, slog.String("group_id", o.groupID), slog.String("group_type", o.groupType))
	if !g.cfg.OmitLogIDs {
		if o.command == webhook.CommandBeforeApplyJoinGroup {
			attrs = append(attrs, slog.String("requestor_account", o.requestor))
		} else {
			attrs = append(attrs, slog.String("operator_account", o.operator))
		}
	}
	return append(attrs, slog.Int("members", o.users))
}

// refused is how many users the answer refuses by name: subscribers or members.
func (o outcome) refused() int { return len(o.answer.Refused) + len(o.answer.RefusedMembers) }

// logRefusal writes the line of a request refused before it could be read as a request (an event
// over the limits or not recognised): its ID, status (0 for none), reason and outcome, with the
// metrics' attributes as logOutcome adds them.
func (g *Gate) logRefusal(ctx context.Context, requestID string, status int, reason string) {
	now := time.Now()
	m := g.observe(outcome{}, metrics.Invalid, 0, now)
	if !g.log.Enabled(ctx, slog.LevelWarn) {
		metrics.WriteAlone(ctx, g.log.Handler(), now, slog.LevelWarn, m)
		return
	}
	attrs := []slog.Attr{slog.String("request_id", requestID)}
	if status != 0 {
		attrs = append(attrs, slog.Int("status", status))
	}
	attrs = append(attrs, slog.String("reason", reason), slog.String("outcome", string(metrics.Invalid)))
	g.write(ctx, now, slog.LevelWarn, "failed", append(attrs, m...))
}

// write writes one line. The record goes to the handler directly: Logger.LogAttrs would also
// capture the caller's program counter, which the handler (no AddSource) never writes.
func (g *Gate) write(ctx context.Context, t time.Time, level slog.Level, msg string, attrs []slog.Attr) {
	r := slog.NewRecord(t, level, msg, 0)
	r.AddAttrs(attrs...)
	_ = g.log.Handler().Handle(ctx, r)
}

// observe gives the gate's metrics the record of a request whose outcome is kind, and returns the
// attributes they add to its line (nil without metrics).
func (g *Gate) observe(o outcome, kind metrics.Outcome, took time.Duration, now time.Time) []slog.Attr {
	if g.metrics == nil {
		return nil
	}
	rec := metrics.Record{Outcome: kind, Refused: o.refused(), Duration: took - o.backendDur, Time: now}
	if d := o.decision; d != nil && d.Shadow {
		rec.Shadow, rec.WouldRefuse = true, wouldRefuse(d)
	}
	return g.metrics.Request(rec)
}

// kind is the request's outcome, as its line and its metrics name it.
func (o outcome) kind() metrics.Outcome {
	switch {
	case o.undecided:
		return metrics.Undecided
	case o.relayed != nil:
		return metrics.Relayed
	case o.status == http.StatusUnauthorized || o.status == http.StatusForbidden:
		return metrics.Unauthorized
	case o.status >= 400 && o.status < 500:
		return metrics.Invalid
	case o.decision == nil:
		return metrics.Other
	case o.answer.ErrorCode != webhook.CodeProceed:
		return metrics.Rejected
	case o.refused() > 0:
		return metrics.Refused
	}
	return metrics.Allowed
}

// wouldRefuse is how many subscribers (members) a decision refuses: all of a rejected request's,
// else those it lists (each once). For a shadow decision, who would have been refused.
func wouldRefuse(d *policy.Decision) int {
	if d.Rejected {
		return len(d.Subscribers)
	}
	return len(d.Refused)
}

// ms is a duration in milliseconds, to the microsecond, as the log lines give them.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// MaxLoggedSubscribers is the most subscribers a log line names with their rules; past it, the
// line says how many it left out.
const MaxLoggedSubscribers = 100

// loggedVerdict is a subscriber as a log line names it: its ID (unless SUBGATE_LOG_IDS=false) and
// the rule that decided.
type loggedVerdict struct {
	ID   *string `json:"id,omitempty"`
	Rule string  `json:"rule"`
}

// decisionAttrs adds what the policy decided: the rule that decided the whole request, if one did,
// and each refused subscriber with its rule (each allowed one too, at debug). In shadow mode the
// line says so, and names who would have been refused, or the rejection, instead.
func (g *Gate) decisionAttrs(ctx context.Context, attrs []slog.Attr, d *policy.Decision) []slog.Attr {
	refused, rejected := "refused_by", "rule"
	if d.Shadow {
		attrs = append(attrs, slog.String("mode", "shadow"), slog.Int("would_refuse", wouldRefuse(d)))
		refused, rejected = "would_refuse_by", "would_reject"
	}
	if d.Rule.Kind() != policy.NoRule {
		attrs = append(attrs, slog.String(rejected, d.Rule.String()))
	}
	if d.Rejected || d.Trusted {
		return attrs // the rule speaks for every subscriber
	}
	attrs = g.verdictAttrs(attrs, refused, d.Subscribers, true)
	if g.log.Enabled(ctx, slog.LevelDebug) {
		attrs = g.verdictAttrs(attrs, "allowed_by", d.Subscribers, false)
	}
	return attrs
}

// verdictAttrs adds, under key, the subscribers refused (or allowed) with their rules, at most
// MaxLoggedSubscribers of them, and under key+"_left_out" how many more there were.
func (g *Gate) verdictAttrs(attrs []slog.Attr, key string, verdicts []policy.Verdict, refused bool) []slog.Attr {
	var logged []loggedVerdict
	leftOut := 0
	for _, v := range verdicts {
		if v.Refused != refused {
			continue
		}
		if len(logged) == MaxLoggedSubscribers {
			leftOut++
			continue
		}
		if g.cfg.OmitLogIDs {
			logged = append(logged, loggedVerdict{Rule: v.Rule.StringWithoutID()})
		} else {
			logged = append(logged, loggedVerdict{ID: &v.ID, Rule: v.Rule.String()})
		}
	}
	if len(logged) > 0 {
		attrs = append(attrs, slog.Any(key, logged))
	}
	if leftOut > 0 {
		attrs = append(attrs, slog.Int(key+"_left_out", leftOut))
	}
	return attrs
}
