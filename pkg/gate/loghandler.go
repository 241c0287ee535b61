package gate

import (
	"context"
	"io"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/subgate/subgate/pkg/internal/jsonstr"
)

// lineHandler writes exactly what slog's JSON handler writes, faster for the lines subgate writes
// on every request: a record whose attributes are all strings, integers and finite floats, with
// no groups, is formatted here without reflection (slog formats every float through json.Marshal).
// Any other record, and every handler derived with WithAttrs or WithGroup, goes to slog's own
// JSON handler. Both write whole lines to w under one lock.
type lineHandler struct {
	json *slog.JSONHandler
	w    *lockedWriter
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func newLineHandler(w io.Writer, opts *slog.HandlerOptions) *lineHandler {
	locked := &lockedWriter{w: w}
	return &lineHandler{json: slog.NewJSONHandler(locked, opts), w: locked}
}

func (h *lineHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.json.Enabled(ctx, level)
}

func (h *lineHandler) WithAttrs(attrs []slog.Attr) slog.Handler { return h.json.WithAttrs(attrs) }

func (h *lineHandler) WithGroup(name string) slog.Handler { return h.json.WithGroup(name) }

var linePool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

func (h *lineHandler) Handle(ctx context.Context, r slog.Record) error {
	buf := linePool.Get().(*[]byte)
	defer func() {
		if cap(*buf) <= 16<<10 {
			linePool.Put(buf)
		}
	}()
	line, ok := appendLine((*buf)[:0], r)
	*buf = line
	if !ok {
		return h.json.Handle(ctx, r)
	}
	_, err := h.w.Write(line)
	return err
}

// appendLine formats r as slog's JSON handler does (no ReplaceAttr, no source, no groups), or
// reports false for a record it does not format.
func appendLine(b []byte, r slog.Record) ([]byte, bool) {
	if r.Time.IsZero() {
		return b, false
	}
	t := r.Time.Round(0)
	if y := t.Year(); y < 0 || y >= 10000 {
		return b, false
	}
	b = append(b, `{"time":"`...)
	b = t.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","level":`...)
	b = jsonstr.AppendSlog(b, r.Level.String())
	b = append(b, `,"msg":`...)
	b = jsonstr.AppendSlog(b, r.Message)
	ok := true
	r.Attrs(func(a slog.Attr) bool {
		v := a.Value.Resolve()
		if a.Key == "" {
			ok = false
			return false
		}
		b = append(b, ',')
		b = jsonstr.AppendSlog(b, a.Key)
		b = append(b, ':')
		switch v.Kind() {
		case slog.KindString:
			b = jsonstr.AppendSlog(b, v.String())
		case slog.KindInt64:
			b = strconv.AppendInt(b, v.Int64(), 10)
		case slog.KindFloat64:
			f := v.Float64()
			if math.IsNaN(f) || math.IsInf(f, 0) {
				ok = false
				return false
			}
			b = appendJSONFloat(b, f)
		default:
			ok = false
			return false
		}
		return true
	})
	return append(b, '}', '\n'), ok
}

// appendJSONFloat writes a finite float64 as encoding/json does, which is how slog writes floats.
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}
