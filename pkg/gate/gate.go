package gate

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"time"

	"github.com/subgate/subgate/internal/version"
	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/metrics"
	"github.com/subgate/subgate/pkg/policy"
	"github.com/subgate/subgate/pkg/source"
	"github.com/subgate/subgate/pkg/webhook"
)

// MaxBodyBytes is the largest body subgate reads, after any base64 decoding.
const MaxBodyBytes = 1 << 20

// ContentType is the Content-Type of every answer.
const ContentType = "application/json; charset=utf-8"

// Request is an HTTP-shaped webhook request, translated from whatever event the platform delivered.
type Request struct {
	Method string
	Query  url.Values
	// RawQuery is the query string as it arrived, when the platform gives it; relayed webhooks carry
	// it unchanged. When empty, Query is encoded instead.
	RawQuery string
	Header   http.Header
	// Body is the request body, base64-decoded if the platform encoded it. A body longer than
	// MaxBodyBytes is answered 413; an entrypoint may cut it to MaxBodyBytes+1 bytes.
	Body []byte
	// RequestID is the platform's ID for this invocation or request, for the log line.
	RequestID string
}

// Response is an HTTP-shaped answer for the entrypoint to translate back.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
}

// Gate decides webhook requests by one configuration, and by the policy its source gives for each
// request. It is safe for concurrent use.
type Gate struct {
	cfg      config.Config
	sdkAppID string
	verifier *webhook.Verifier // nil when no token is configured
	source   *source.Source
	log      *slog.Logger
	forward  *forwarder      // nil when no forward URL is configured
	broken   error           // set when the configuration could not be loaded
	failOpen bool            // SUBGATE_FAIL_MODE=open: an undecided request goes on (see undecided)
	metrics  metrics.Metrics // nil when none
	now      func() time.Time
}

// New returns a Gate for a loaded configuration and policy, logging to logger. (A nil policy makes
// a gate whose every decision is an internal fault, as the tests of panic recovery want.)
func New(cfg config.Config, p *policy.Policy, logger *slog.Logger) *Gate {
	a := &source.Active{Policy: p, Revision: source.AllowAll, Origin: source.AllowAll}
	if p != nil && p.Info().Revision != "" {
		a.Revision, a.Origin = p.Info().Revision, "the policy given to gate.New"
	}
	return withSource(cfg, source.Static(a), logger)
}

// withSource returns a Gate for a loaded configuration, deciding by the policies src gives.
func withSource(cfg config.Config, src *source.Source, logger *slog.Logger) *Gate {
	g := &Gate{cfg: cfg, sdkAppID: cfg.SdkAppID, source: src, log: logger, failOpen: cfg.FailMode == config.FailOpen, now: time.Now}
	if cfg.Token != "" {
		g.verifier = &webhook.Verifier{Token: cfg.Token, MaxSkew: cfg.MaxSkew}
	}
	if cfg.ForwardURL != nil {
		g.forward = newForwarder(cfg.ForwardURL, cfg.ForwardTimeout)
	}
	return g
}

// Broken returns a Gate for entrypoints that must keep running (and say why they cannot decide)
// when their configuration is wrong: it answers the requests subgate decides by failMode
// (config.FailClosed or config.FailOpen; see the package documentation), naming err, and every
// other request 500 FAIL naming err.
func Broken(err error, failMode string, logger *slog.Logger) *Gate {
	return &Gate{broken: err, failOpen: failMode == config.FailOpen, log: logger, now: time.Now}
}

// FromEnv reads the configuration through getenv, makes its policy source (loading the policy
// file or inline policy; a policy URL's first fetch is started in the background), and returns a
// Gate logging JSON lines to w. It logs one start-up line ("started" at info): subgate's version,
// whether a token and a forward URL are configured (never their values), the fail mode, and what
// the source says of its policy (source.Facts). When the configuration or the policy cannot be
// loaded, it logs the error (at error) and returns a Broken Gate, which still reports to the
// metrics opts give it.
func FromEnv(getenv func(string) string, w io.Writer, opts ...Option) *Gate {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	cfg, err := config.FromEnv(getenv)
	logger := NewLogger(w, cfg.LogLevel)
	var m metrics.Metrics
	if o.newMetrics != nil {
		m = o.newMetrics(cfg)
	}
	if err == nil {
		var src *source.Source
		if src, err = source.New(cfg, logger); err == nil {
			src.ReportTo(m)
			src.Prefetch()
			logger.LogAttrs(context.Background(), slog.LevelInfo, "started", append([]slog.Attr{
				slog.String("version", version.String()), slog.String("sdkappid", cfg.SdkAppID),
				slog.Bool("token", cfg.Token != ""), slog.Bool("forward", cfg.ForwardURL != nil),
				slog.String("fail_mode", cfg.FailMode)},
				src.Facts()...)...)
			g := withSource(cfg, src, logger)
			g.metrics = m
			return g
		}
	}
	logger.Error("subgate cannot start: fix the configuration", "error", err.Error(), "fail_mode", cfg.FailMode, "version", version.String())
	g := Broken(err, cfg.FailMode, logger)
	g.metrics = m
	return g
}

// Option changes how FromEnv builds a gate.
type Option func(*options)

type options struct {
	newMetrics func(config.Config) metrics.Metrics
}

// WithMetrics gives the gate, and its policy source, the metrics newMetrics makes for the
// configuration read (nil for none): an entrypoint's choice (see package metrics). newMetrics is
// called even when the configuration is wrong, with what was read of it (the fail mode and the
// metrics' own settings are read first), so that the answers of a gate that cannot start are
// counted too.
func WithMetrics(newMetrics func(config.Config) metrics.Metrics) Option {
	return func(o *options) { o.newMetrics = newMetrics }
}

// NewLogger returns the JSON logger subgate writes its lines with: slog's JSON handler, which
// writes each line to w whole, in one Write, under its own lock.
func NewLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

// Revision is the revision of the policy that decides now ("" when none does yet, or for a Broken
// gate). It starts nothing and waits for nothing.
func (g *Gate) Revision() string {
	if g.source == nil {
		return ""
	}
	return g.source.Deciding()
}

// Err is the configuration error of a Broken gate, nil otherwise.
func (g *Gate) Err() error { return g.broken }

// Config is the configuration the gate was built with (zero for a Broken gate).
func (g *Gate) Config() config.Config { return g.cfg }

// Logger is the logger the gate writes its lines with.
func (g *Gate) Logger() *slog.Logger { return g.log }

// WithClock makes the gate read the time from now, for tests of the signature window and of list
// entries that expire.
func (g *Gate) WithClock(now func() time.Time) *Gate {
	g.now = now
	if g.verifier != nil {
		v := *g.verifier
		v.Now = now
		g.verifier = &v
	}
	return g
}

// Serve answers one webhook request. It never panics: an internal fault is answered by the fail
// mode when the request is one subgate decides, else 500.
func (g *Gate) Serve(ctx context.Context, r Request) Response {
	command := func() string { c, _ := webhook.Single(r.Query, webhook.ParamCallbackCommand); return c }
	o := g.settle(ctx, r.RequestID, command, func() outcome { return g.check(ctx, r) })
	if o.relayed != nil {
		return *o.relayed
	}
	return Response{StatusCode: o.status, Header: answerHeader(), Body: o.answer.Encode()}
}

// ServeDirect answers a webhook body delivered without an HTTP envelope: a test event pasted into
// a cloud console. Only principals allowed to invoke the function can send one, so there is no
// SdkAppid or signature to check; the body is parsed and the policy applied as for a request.
func (g *Gate) ServeDirect(ctx context.Context, body []byte, requestID string) []byte {
	command := func() string { c, _ := webhook.Command(body); return c }
	return g.settle(ctx, requestID, command, func() outcome { return g.direct(ctx, body) }).answer.Encode()
}

// Explain answers a webhook body as ServeDirect does, without a log line, and gives the policy's
// decision behind the answer: nil when the policy decided nothing (another command, a body that
// cannot be read, a configuration error). subgate eval and subgate test answer through it, so they
// answer as the function does.
func (g *Gate) Explain(body []byte) (answer []byte, decision *policy.Decision) {
	o := g.direct(context.Background(), body)
	return o.answer.Encode(), o.decision
}

// Refuse answers 400, FAIL, info a request an entrypoint cannot hand to Serve (an event it cannot
// read, an envelope over the limits), and logs it; cause, when there is one, goes to the log only.
// req is what could be read of the request: its RequestID for the log line, and its query. A Broken
// gate answers as Serve does, by the query's CallbackCommand: the fail mode's answer, or its
// configuration error, which says what to fix.
func (g *Gate) Refuse(ctx context.Context, req Request, info string, cause error) Response {
	requestID := req.RequestID
	if g.broken != nil {
		return g.Serve(ctx, Request{Query: req.Query, RequestID: requestID})
	}
	reason := info
	if cause != nil {
		reason += ": " + cause.Error()
	}
	g.logRefusal(ctx, requestID, http.StatusBadRequest, reason)
	return Response{StatusCode: http.StatusBadRequest, Header: answerHeader(), Body: webhook.Failure(info).Encode()}
}

const internalError = "internal error in subgate; see its log"

// settle runs decide, turning a panic into the fault's outcome (see faultOutcome; the panic is
// logged once with its stack), and writes the outcome's log line. command is the request's
// CallbackCommand, read only after a panic.
func (g *Gate) settle(ctx context.Context, requestID string, command func() string, decide func() outcome) (o outcome) {
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			g.log.Error("internal fault", "request_id", requestID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			o = g.faultOutcome(command)
		}
		g.logOutcome(ctx, requestID, o, time.Since(start))
	}()
	return decide()
}

// Fault answers a request whose handling panicked in an entrypoint's own code, which has logged the
// panic with its stack, and writes the request's log line: as a panic inside Serve is answered (see
// faultOutcome). command gives the request's CallbackCommand as far as the entrypoint can read it.
func (g *Gate) Fault(ctx context.Context, requestID string, command func() string) Response {
	o := g.faultOutcome(command)
	g.logOutcome(ctx, requestID, o, 0)
	return Response{StatusCode: o.status, Header: answerHeader(), Body: o.answer.Encode()}
}

// faultOutcome is the outcome of an internal fault: the fail mode's answer when command gives a
// command subgate decides (a group command, unless the policy deciding now has no groups key),
// else 500, FAIL, and no detail (the log has the stack). A panic in command, or in asking the policy,
// counts as no command.
func (g *Gate) faultOutcome(command func() string) outcome {
	c, decided := func() (c string, decided bool) {
		defer func() { _ = recover() }()
		c = command()
		decided = decides(c)
		if decided && webhook.IsGroupCommand(c) && g.broken == nil {
			if a := g.source.Peek(); a != nil && a.Policy != nil {
				decided = a.Policy.DecidesGroups()
			}
		}
		return c, decided
	}()
	if decided {
		return g.undecided(outcome{command: c}, "internal error; see its log")
	}
	o := fault(http.StatusInternalServerError, internalError)
	o.command = c
	return o
}

// direct decides a webhook body delivered without an HTTP envelope.
func (g *Gate) direct(ctx context.Context, body []byte) outcome {
	command, err := webhook.Command(body)
	if g.broken != nil {
		if err == nil && decides(command) {
			return g.undecided(outcome{command: command}, g.broken.Error())
		}
		return g.brokenOutcome()
	}
	other := func() outcome { return outcome{command: command, status: http.StatusOK, answer: webhook.Proceed(nil)} }
	switch {
	case err != nil:
		return fault(http.StatusBadRequest, err.Error())
	case command == "":
		return fault(http.StatusBadRequest, "CallbackCommand is missing from the body")
	case command == webhook.CommandBeforeAddSubscriber:
		return g.decideBody(ctx, body, command)
	case webhook.IsGroupCommand(command):
		return g.decideGroup(ctx, body, outcome{command: command}, other)
	}
	return other()
}

// Unrecognised answers an invocation whose event subgate cannot read (FAIL, 1, saying what it is
// instead) and logs it. A Broken gate answers its configuration error instead, which says what to fix.
func (g *Gate) Unrecognised(ctx context.Context, requestID, what string) []byte {
	if g.broken != nil {
		return g.ServeDirect(ctx, nil, requestID)
	}
	g.logRefusal(ctx, requestID, 0, "event not recognised: "+what)
	return webhook.Failure("event not recognised: " + what +
		"; subgate takes the HTTP events of the function's URL or gateway, or a webhook body").Encode()
}

// rawQuery is the query string to relay: as it arrived when known, else re-encoded.
func (r Request) rawQuery() string {
	if r.RawQuery != "" {
		return r.RawQuery
	}
	return r.Query.Encode()
}

func answerHeader() http.Header {
	return http.Header{"Content-Type": {ContentType}}
}
