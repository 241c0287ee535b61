package gate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// logBoth writes r through lineHandler and through slog's JSON handler and returns both outputs.
func logBoth(t *testing.T, r slog.Record, derive func(slog.Handler) slog.Handler) (got, want string) {
	t.Helper()
	var fast, reference bytes.Buffer
	opts := &slog.HandlerOptions{Level: slog.LevelDebug}
	var h, ref slog.Handler = newLineHandler(&fast, opts), slog.NewJSONHandler(&reference, opts)
	if derive != nil {
		h, ref = derive(h), derive(ref)
	}
	require.NoError(t, h.Handle(context.Background(), r))
	require.NoError(t, ref.Handle(context.Background(), r))
	return fast.String(), reference.String()
}

func TestLineHandlerWritesWhatSlogWrites(t *testing.T) {
	when := time.Date(2026, 11, 25, 20, 35, 24, 336_000_000, time.UTC)
	special := []string{"", "decided", `"quoted" \back\slash/`, "<a href='x'>&</a>", "tab\there\nnew\rline\b\f",
		"\x00\x01\x1f\x7f", "é界🙂", "\u2028\u2029", "bad \xff\xfe utf-8 \xe4\xb8", "\ufffd"}
	floats := []float64{0, math.Copysign(0, -1), 0.12, 1, 3.5, 123.456, 1e-6, 9.99e-7, 1e-7, 1e20, 1e21, 1.5e300, -2.25, 5e-324,
		float64(1234567) / 1000}
	records := []slog.Record{}
	add := func(level slog.Level, msg string, attrs ...slog.Attr) {
		r := slog.NewRecord(when, level, msg, 0)
		r.AddAttrs(attrs...)
		records = append(records, r)
	}
	// The request line as logOutcome writes it, and the other lines the gate and entrypoints write.
	add(slog.LevelInfo, "decided", slog.String("request_id", "c6af9ac6"), slog.String("command", "OfficialAccount.CallbackBeforeAddSubscriber"),
		slog.String("sdkappid", "1400000001"), slog.String("official_account", "@TOA#_test_for_penn"), slog.String("operator_account", "107867"),
		slog.Int("subscribers", 2), slog.Int("refused", 1), slog.Int("error_code", 0), slog.Int("status", 200), slog.Float64("duration_ms", 0.12))
	add(slog.LevelWarn, "failed", slog.String("request_id", "r"), slog.Int("status", 400), slog.String("reason", "body is not valid JSON"))
	add(slog.LevelError, "subgate cannot start: fix the configuration", slog.String("error", "invalid configuration: x"))
	add(slog.LevelDebug, "no attributes")
	add(slog.LevelInfo+2, "odd level")
	for _, s := range special {
		add(slog.LevelInfo, s, slog.String(s+"k", s), slog.Int("n", -42))
	}
	for _, f := range floats {
		add(slog.LevelInfo, "float", slog.Float64("f", f), slog.Float64("neg", -f))
	}
	// Records lineHandler leaves to slog: other kinds, groups, empty keys, odd floats and times.
	add(slog.LevelInfo, "kinds", slog.Bool("b", true), slog.Duration("d", time.Second), slog.Time("t", when), slog.Uint64("u", 7),
		slog.Any("err", errors.New("boom")), slog.Any("list", []string{"a"}))
	add(slog.LevelInfo, "group", slog.Group("g", slog.String("a", "b")), slog.Group("empty"))
	add(slog.LevelInfo, "empty key", slog.Attr{}, slog.String("after", "x"))
	add(slog.LevelInfo, "nan", slog.Float64("f", math.NaN()), slog.Float64("inf", math.Inf(-1)))
	add(slog.LevelInfo, "late attrs", slog.String("a", "1"), slog.Any("valuer", slog.StringValue("v")))
	records = append(records, slog.NewRecord(time.Time{}, slog.LevelInfo, "no time", 0))
	now := slog.NewRecord(time.Now(), slog.LevelInfo, "monotonic clock", 0)
	now.AddAttrs(slog.String("a", "b"))
	records = append(records, now, slog.NewRecord(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), slog.LevelInfo, "year 10000", 0))
	for _, zone := range []*time.Location{time.UTC, time.FixedZone("CST", 8*3600), time.FixedZone("odd", -(3*3600 + 30*60))} {
		for _, ns := range []int{0, 1, 100_000_000, 123_456_789, 999_999_999} {
			records = append(records, slog.NewRecord(time.Date(2026, 1, 2, 3, 4, 5, ns, zone), slog.LevelWarn, "time", 0))
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	pieces := []string{"a", "\"", "\\", "\n", "\x01", "\b", "<", "é", "\u2028", "\xff", "🙂", "\x7f"}
	for range 1000 {
		var sb strings.Builder
		for range r.IntN(6) {
			sb.WriteString(pieces[r.IntN(len(pieces))])
		}
		add(slog.Level(4*(r.IntN(4)-1)), sb.String(), slog.String(sb.String(), sb.String()),
			slog.Float64("f", r.NormFloat64()*math.Pow(10, float64(r.IntN(50)-25))), slog.Int("i", r.IntN(1<<40)-1<<39))
	}
	for i, rec := range records {
		got, want := logBoth(t, rec, nil)
		require.Equal(t, want, got, "record %d", i)
	}
	// Derived handlers are slog's own.
	for _, derive := range []func(slog.Handler) slog.Handler{
		func(h slog.Handler) slog.Handler { return h.WithAttrs([]slog.Attr{slog.String("fixed", "x")}) },
		func(h slog.Handler) slog.Handler { return h.WithGroup("g") },
	} {
		got, want := logBoth(t, records[0], derive)
		assert.Equal(t, want, got)
	}
}

func TestLineHandlerLevelAndWholeLines(t *testing.T) {
	var out bytes.Buffer
	logger := NewLogger(&out, slog.LevelWarn)
	logger.Info("dropped")
	assert.Empty(t, out.String())

	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				logger.Warn("fast", "g", g, "i", i, "ms", 0.5)
				logger.Warn("slog's own", "ok", true)
				logger.With("fixed", "x").Error("derived", "i", i)
			}
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	assert.Len(t, lines, 8*50*3)
	for _, line := range lines {
		var v map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &v), "a whole JSON line: %s", line)
	}
	assert.Contains(t, out.String(), fmt.Sprintf(`"msg":"fast","g":%d,"i":%d,"ms":0.5}`, 7, 49))
}
