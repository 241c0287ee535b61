package source

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/subgate/subgate/pkg/bundle"
	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/metrics"
	"github.com/subgate/subgate/pkg/store"
)

// live is a source that fetches its bundle from a store (see the package documentation).
type live struct {
	fetcher *store.Fetcher
	origin  string // the URL as messages show it
	log     *slog.Logger
	metrics metrics.Metrics // nil when none (see Source.ReportTo)
	refresh time.Duration
	timeout time.Duration
	// maxBytes caps a fetched bundle (store.Settings.MaxSize); maxBytesFrom says where it comes from.
	maxBytes     int64
	maxBytesFrom string
	now          func() time.Time
	fallback     *Active // nil when there is none

	state atomic.Pointer[state] // what Current answers by; replaced, never modified

	mu      sync.Mutex // guards attempt, and serialises the writes of state
	attempt *attempt   // the fetch in flight, nil when none

	// replaced is set when a fetch brought a body: the next fetch collects garbage before it reads
	// one (see run).
	replaced atomic.Bool
}

// state is what a live source knows. A new state replaces the old one whole.
type state struct {
	// active decides: the last good bundle, the fallback, or nil before either (the first load).
	active *Active
	// fromStore is true when active is a bundle from the store, not the fallback.
	fromStore bool
	// etag is the ETag of the last object fetched, sent with the next fetch: of the active bundle,
	// or of an object that was refused.
	etag string
	// refused says why the object with etag was refused; nil when it is active, or none was.
	refused error
	// due is when the next refresh may start.
	due time.Time
	// failed is why the last fetch failed, for Current's error while there is no policy.
	failed error
}

// attempt is one fetch, with the verification and loading of what it brings.
type attempt struct {
	started time.Time
	ctx     context.Context
	cancel  func(cause error)
	fetched atomic.Bool   // the store has answered: the bundle is being verified and loaded
	done    chan struct{} // closed when its outcome is in state
}

// msgRefreshFailed is the message of the line a failed refresh writes.
const msgRefreshFailed = "policy refresh failed"

// errAbandoned cancels a fetch that was lost to a freeze and replaced.
var errAbandoned = errors.New("abandoned: the process was frozen during the fetch, and a new fetch replaced it")

func newLive(cfg config.Config, fallback *Active, logger *slog.Logger, h hooks) (*live, error) {
	capBytes, capFrom := maxBytes(cfg)
	f, err := store.New(storeSettings(cfg, capBytes, h.client))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", config.ErrInvalid, err)
	}
	l := &live{fetcher: f, origin: f.Where(), log: logger, refresh: cfg.PolicyRefresh, timeout: cfg.PolicyFetchTimeout,
		maxBytes: capBytes, maxBytesFrom: capFrom, now: h.now, fallback: fallback}
	if l.refresh == 0 {
		l.refresh = DefaultRefresh
	}
	if l.timeout == 0 {
		l.timeout = DefaultFetchTimeout
	}
	l.state.Store(&state{})
	return l, nil
}

// current is Source.Current for a live source.
func (l *live) current(ctx context.Context) (*Active, error) {
	st := l.state.Load()
	if st.active != nil && l.now().Before(st.due) {
		return st.active, nil
	}
	a := l.start()
	if st.active != nil {
		return st.active, nil // a refresh never delays an answer
	}
	return l.await(ctx, a)
}

func (l *live) prefetch() { l.start() }

// start returns the fetch in flight, or starts one when a refresh is due or there is no policy
// yet; it returns nil when neither. A fetch in flight that was lost to a freeze is abandoned and
// replaced.
func (l *live) start() *attempt {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	st := l.state.Load()
	if a := l.attempt; a != nil {
		if a.fetched.Load() || age(a.started, now) <= 2*l.timeout {
			return a
		}
		a.cancel(errAbandoned)
		l.log.LogAttrs(context.Background(), slog.LevelDebug, "policy refresh abandoned", slog.String("origin", l.origin),
			slog.String("reason", "a fetch started "+age(a.started, now).Round(time.Millisecond).String()+
				" ago has not ended: the process was frozen during it; starting a new one"))
	} else if st.active != nil && now.Before(st.due) {
		return nil
	}
	base, cancel := context.WithCancelCause(context.Background())
	ctx, stop := context.WithTimeoutCause(base, l.timeout, fmt.Errorf("no answer within %s (%s)", l.timeout, config.EnvPolicyFetchTimeout))
	a := &attempt{started: now, ctx: ctx, cancel: func(cause error) { cancel(cause); stop() }, done: make(chan struct{})}
	l.attempt = a
	if st.active != nil {
		next := *st
		next.due = now.Add(l.refresh)
		l.state.Store(&next)
	}
	go l.run(a, st.etag)
	return a
}

// await waits for a, the fetch that brings the first policy, at most the fetch timeout and until
// ctx is done. When there is still no bundle the fallback decides from then on; without one, the
// error says why there is no policy.
func (l *live) await(ctx context.Context, a *attempt) (*Active, error) {
	waitStart := time.Now()
	ended := a == nil
	if a != nil {
		wait := time.NewTimer(l.timeout)
		select {
		case <-a.done:
			ended = true
		case <-ctx.Done():
		case <-wait.C:
		}
		wait.Stop()
	}
	if st := l.state.Load(); st.active != nil {
		return st.active, nil
	}
	if l.fallback != nil {
		return l.fallBack(), nil
	}
	const meanwhile = "it is fetched again at the next request; " + config.EnvPolicyFile + " sets a fallback policy to decide by meanwhile"
	switch st := l.state.Load(); {
	case ended && st.failed != nil:
		return nil, fmt.Errorf("%w: %w (%s)", ErrNoPolicy, st.failed, meanwhile)
	case ended:
		return nil, fmt.Errorf("%w: the first fetch of %s was interrupted by a freeze of the process (%s)", ErrNoPolicy, l.origin, meanwhile)
	default:
		return nil, fmt.Errorf("%w: the first fetch of %s has not ended after %s (it goes on, and the next request waits for it; %s sets a fallback policy to decide by meanwhile)",
			ErrNoPolicy, l.origin, time.Since(waitStart).Round(time.Millisecond), config.EnvPolicyFile)
	}
}

// fallBack makes the fallback decide when nothing does yet (the first fetch did not bring a bundle
// in the time an answer may wait for it), and returns what decides.
func (l *live) fallBack() *Active {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.state.Load()
	if st.active != nil {
		return st.active
	}
	next := *st
	next.active, next.due = l.fallback, l.now().Add(l.refresh)
	l.state.Store(&next)
	return l.fallback
}

// age is the time from start to now, two readings of l.now: by the monotonic clock, as Go's
// time.Now readings are compared. That is the one clock whose reading is right on both clouds:
//
//   - Lambda freezes an idle function's processes with the cgroup freezer, and SCF, as far as is
//     known, stops an idle instance's processes the same way: the machine (the microVM, the host)
//     runs on, and Linux's CLOCK_MONOTONIC, which Go reads, counts the time a frozen or stopped
//     process does not run (it stops only while the whole machine is suspended). A fetch frozen
//     for an hour is an hour old when the process thaws.
//   - The wall clock may be stepped at any time (NTP, a clock set after a restore), forward or
//     back; a step would make a fetch look frozen, or a lost fetch look young.
//
// Were a freeze ever not counted (a paused virtual machine), the fetch would look as young as the
// time the process ran: a lost one is replaced once it has run 2 fetch timeouts, and no answer
// waits for it meanwhile (see start), so the cost is bounded.
func age(start, now time.Time) time.Duration { return now.Sub(start) }

// run makes the fetch a, verifies and loads what it brings, and puts the outcome in state.
func (l *live) run(a *attempt, etag string) {
	defer a.cancel(nil)
	if l.replaced.Swap(false) {
		// The policy a swap replaced is garbage only once the decisions that started on it have
		// finished, which may be after the collection at the end of that swap's fetch: collect it
		// now, before this fetch reads a body beside the one deciding (see memory.go).
		runtime.GC()
	}
	res, err := l.fetcher.Fetch(a.ctx, etag)
	fetchEnd := l.now()
	a.fetched.Store(true)
	o := outcome{res: res, fetchErr: err, fetchTook: age(a.started, fetchEnd)}
	if err == nil && !res.NotModified && !l.abandoned(a) {
		o.loaded, o.created, o.loadErr = l.load(res.Body)
		o.loadTook = age(fetchEnd, l.now())
	}
	l.finish(a, o)
	if res.Body != nil {
		l.replaced.Store(true)
		// A body swapped in or refused leaves garbage of a bundle's size at once: the bundle
		// replaced, or the one refused, and the chunks it was read into. Left to itself, the
		// collector would let it stand until the heap doubles, and the next body, allocated in
		// one piece, takes it past the function's memory before a cycle starts (see memory.go).
		// Collected now, in the fetch's goroutine, never on an answer's path, the next swap
		// starts from what decides.
		runtime.GC()
	}
}

// outcome is what an attempt brought.
type outcome struct {
	res       store.Result
	fetchErr  error // the fetch failed
	fetchTook time.Duration
	loaded    *Active // a new bundle, verified and loaded
	created   time.Time
	loadErr   error // the object fetched was refused
	loadTook  time.Duration
}

// load verifies a fetched object as a bundle and loads its policy.
func (l *live) load(body []byte) (*Active, time.Time, error) {
	b, err := bundle.ReadWithin(body, l.maxBytes) // unpacked too: deflated files are inflated in memory
	if err != nil {
		return nil, time.Time{}, err
	}
	p, err := b.Load()
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("the bundle's policy does not load: %w", err)
	}
	return &Active{Policy: p, Revision: p.Info().Revision, Origin: l.origin}, b.Created(), nil
}

func (l *live) abandoned(a *attempt) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.attempt != a
}

// finish puts an attempt's outcome in state, unless it was abandoned, and logs it. The line is
// written before the fetch is no longer in flight and before its done channel is closed, so
// whoever sees either finds the line too.
func (l *live) finish(a *attempt, o outcome) {
	defer close(a.done)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.attempt != a {
		l.log.LogAttrs(context.Background(), slog.LevelDebug, "policy refresh abandoned", slog.String("origin", l.origin),
			slog.String("reason", "a fetch replaced after a freeze has ended; its outcome is dropped"))
		return
	}
	prev := l.state.Load()
	next := *prev
	level, msg, attrs := l.judge(a, o, prev, &next)
	l.state.Store(&next)
	var m []slog.Attr
	if msg == msgRefreshFailed && l.metrics != nil {
		m = l.metrics.RefreshFailed(time.Now())
	}
	if ctx := context.Background(); l.log.Enabled(ctx, level) {
		l.log.LogAttrs(ctx, level, msg, append(attrs, m...)...)
	} else {
		metrics.WriteAlone(ctx, l.log.Handler(), time.Now(), level, m)
	}
	l.attempt = nil
}

// judge makes next, the state after outcome o of attempt a, from prev, and says what to log.
func (l *live) judge(a *attempt, o outcome, prev *state, next *state) (slog.Level, string, []slog.Attr) {
	deciding := func(s *state) string {
		if s.active == nil {
			return "none"
		}
		return s.active.Revision
	}
	fetchMS := slog.Float64("fetch_ms", ms(o.fetchTook))
	origin := slog.String("origin", l.origin)
	failed := func(err error) (slog.Level, string, []slog.Attr) {
		next.failed = err
		if next.active == nil && l.fallback != nil {
			next.active, next.due = l.fallback, a.started.Add(l.refresh)
		}
		return slog.LevelWarn, msgRefreshFailed, []slog.Attr{origin, slog.String("error", err.Error()), slog.String("deciding", deciding(next)), fetchMS}
	}
	switch {
	case o.fetchErr != nil && o.fetchTook > 2*l.timeout:
		// Frozen with the process: not the store's failure. Try again at the next request.
		next.due = a.started
		return slog.LevelDebug, "policy refresh frozen", []slog.Attr{origin, slog.String("error", o.fetchErr.Error()),
			slog.String("reason", "the fetch ended "+o.fetchTook.Round(time.Millisecond).String()+" after it started: the process was frozen during it; fetching again at the next request")}
	case o.fetchErr != nil:
		return failed(o.fetchErr)
	case o.res.NotModified && prev.refused != nil:
		return failed(fmt.Errorf("the store still serves the object refused before (ETag %s): %w", prev.etag, prev.refused))
	case o.res.NotModified && !prev.fromStore:
		return failed(fmt.Errorf("%w: GET %s: 304 Not Modified to a fetch that asked for the object whole", store.ErrUnexpected, l.origin))
	case o.res.NotModified:
		next.etag, next.failed = o.res.ETag, nil
		return slog.LevelDebug, "policy unchanged", []slog.Attr{origin, slog.String("revision", prev.active.Revision), fetchMS}
	case o.loadErr != nil:
		next.etag, next.refused = o.res.ETag, o.loadErr
		return failed(fmt.Errorf("GET %s: the object fetched was refused: %w", l.origin, o.loadErr))
	case prev.fromStore && o.loaded.Revision == prev.active.Revision:
		next.etag, next.refused, next.failed = o.res.ETag, nil, nil
		return slog.LevelDebug, "policy unchanged", []slog.Attr{origin, slog.String("revision", prev.active.Revision),
			slog.String("reason", "the object changed, its rules did not (the same revision)"), fetchMS}
	}
	next.active, next.fromStore, next.etag, next.refused, next.failed = o.loaded, true, o.res.ETag, nil, nil
	if prev.active == nil {
		next.due = a.started.Add(l.refresh)
	}
	return slog.LevelInfo, "policy swapped", append([]slog.Attr{
		slog.String("revision", o.loaded.Revision), slog.String("previous", deciding(prev)), origin},
		append(policyFacts(o.loaded.Policy),
			slog.Int("bytes", len(o.res.Body)), slog.String("created", o.created.Format(time.RFC3339)),
			fetchMS, slog.Float64("load_ms", ms(o.loadTook)))...)
}
