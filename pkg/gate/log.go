package gate

import (
	"context"
	"log/slog"
	"time"

	"github.com/subgate/subgate/pkg/policy"
)

// logOutcome writes the one line a request gets: info when it was decided, warn when it failed.
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
	if !g.log.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 16)
	attrs = append(attrs,
		slog.String("request_id", requestID),
		slog.String("command", o.command),
		slog.String("sdkappid", o.sdkAppID),
		slog.String("official_account", o.channel),
	)
	if !g.cfg.OmitLogIDs { // the operator is a user too (one who subscribes, or the app's admin)
		attrs = append(attrs, slog.String("operator_account", o.operator))
	}
	attrs = append(attrs,
		slog.Int("subscribers", o.subscribers),
		slog.Int("refused", len(o.answer.Refused)),
		slog.Int("error_code", o.answer.ErrorCode),
		slog.Int("status", o.status),
		slog.Float64("duration_ms", float64(took.Microseconds())/1000),
	)
	if o.backendDur > 0 {
		attrs = append(attrs, slog.Float64("backend_ms", float64(o.backendDur.Microseconds())/1000))
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
	// The record goes to the handler directly: Logger.LogAttrs would also capture the caller's
	// program counter, which the handler (no AddSource) never writes.
	r := slog.NewRecord(time.Now(), level, msg, 0)
	r.AddAttrs(attrs...)
	_ = g.log.Handler().Handle(ctx, r)
}

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
		attrs = append(attrs, slog.String("mode", "shadow"))
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
