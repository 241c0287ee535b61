package gate

import (
	"context"
	"log/slog"
	"time"
)

// logOutcome writes the one line a request gets: info when it was decided, warn when it failed.
func (g *Gate) logOutcome(ctx context.Context, requestID string, o outcome, took time.Duration) {
	level, msg := slog.LevelInfo, "decided"
	switch {
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
	attrs := []slog.Attr{
		slog.String("request_id", requestID),
		slog.String("command", o.command),
		slog.String("sdkappid", o.sdkAppID),
		slog.String("official_account", o.channel),
		slog.String("operator_account", o.operator),
		slog.Int("subscribers", o.subscribers),
		slog.Int("refused", len(o.answer.Refused)),
		slog.Int("error_code", o.answer.ErrorCode),
		slog.Int("status", o.status),
		slog.Float64("duration_ms", float64(took.Microseconds())/1000),
	}
	if o.backendDur > 0 {
		attrs = append(attrs, slog.Float64("backend_ms", float64(o.backendDur.Microseconds())/1000))
	}
	if o.reason != "" {
		attrs = append(attrs, slog.String("reason", o.reason))
	}
	// The record goes to the handler directly: Logger.LogAttrs would also capture the caller's
	// program counter, which the handler (no AddSource) never writes.
	r := slog.NewRecord(time.Now(), level, msg, 0)
	r.AddAttrs(attrs...)
	_ = g.log.Handler().Handle(ctx, r)
}
