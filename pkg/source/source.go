package source

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/metrics"
	"github.com/subgate/subgate/pkg/policy"
	"github.com/subgate/subgate/pkg/store"
)

// AllowAll is the revision and origin of the policy used when none is configured.
const AllowAll = "allow-all"

// DefaultRefresh is how often a warm function asks the store whether its bundle changed, unless
// SUBGATE_POLICY_REFRESH says otherwise; MinRefresh is the shortest interval allowed.
const (
	DefaultRefresh = 30 * time.Second
	MinRefresh     = 5 * time.Second
)

// DefaultFetchTimeout bounds a fetch of the bundle unless SUBGATE_POLICY_FETCH_TIMEOUT says
// otherwise. The first answer of a cold function waits for its first fetch, so the timeout is held
// to MaxFetchTimeout: Chat waits 2 s for the whole answer, and an entrypoint keeps up to 250 ms of
// the invocation's time to send the answer (gate.AnswerReserve); 1.5 s of fetch leaves 250 ms more
// for the platform's cold start and the decision. (A refresh of a warm function is bounded by the
// same timeout, but no answer waits for it.)
const (
	DefaultFetchTimeout = time.Second
	MaxFetchTimeout     = 1500 * time.Millisecond
)

// ErrNoPolicy is wrapped by Current's error when a live source without a fallback has no policy to
// decide by yet: its first fetch failed or has not finished. The message says why.
var ErrNoPolicy = errors.New("no policy to decide by yet")

// Active is a policy to decide by. It is never modified once made; a new policy is a new Active.
type Active struct {
	// Policy decides.
	Policy *policy.Policy
	// Revision names its rules: the first 12 hex digits of its bundle's revision, or AllowAll.
	Revision string
	// Origin says where it came from: the policy file's path, SUBGATE_POLICY, the policy URL
	// (without a query string, as store.Fetcher.Where shows it), or AllowAll.
	Origin string
}

// Source gives the policy to decide each request by. It is safe for concurrent use.
type Source struct {
	static *Active // set for a static source
	live   *live   // set for a live one
	// loaded is the policy loaded at New (the static one, or a live source's fallback), and how
	// long it took, for Facts.
	loaded   *Active
	loadTime time.Duration
}

// New returns the source cfg configures: live when it has a policy URL (with the policy file as
// the fallback, when one is set), else static. A static source's policy, and a live one's
// fallback, is loaded here; a live source fetches nothing yet (see Prefetch and Current). The
// source logs to logger (see the package documentation for its lines).
//
// New holds cfg to the source's rules, and the policy URL, endpoint and region to the store's
// (store.New): config.FromEnv checks only that each variable is of its type. Its errors are
// configuration errors, wrapping config.ErrInvalid and naming the variable to fix. A zero refresh
// or fetch timeout is the default one.
func New(cfg config.Config, logger *slog.Logger) (*Source, error) {
	switch {
	case cfg.PolicyRefresh != 0 && cfg.PolicyRefresh < MinRefresh:
		return nil, fmt.Errorf("%w: %s must be at least %s, such as 30s or 5m, not %s", config.ErrInvalid, config.EnvPolicyRefresh, MinRefresh, cfg.PolicyRefresh)
	case cfg.PolicyFetchTimeout < 0 || cfg.PolicyFetchTimeout > MaxFetchTimeout:
		return nil, fmt.Errorf("%w: %s must be above 0 and at most %s (a cold function's first answer waits for the fetch, and Chat waits 2s for it), not %s",
			config.ErrInvalid, config.EnvPolicyFetchTimeout, MaxFetchTimeout, cfg.PolicyFetchTimeout)
	}
	if err := checkMaxBytes(cfg); err != nil {
		return nil, err
	}
	return newSource(cfg, logger, hooks{now: time.Now})
}

// Static returns a source that always answers a, for a policy loaded some other way.
func Static(a *Active) *Source { return &Source{static: a, loaded: a} }

// hooks are what the tests set: the clock, and the HTTP client of the store (nil: its own).
type hooks struct {
	now    func() time.Time
	client *http.Client
}

// newSource is New without its bounds on the refresh and the timeout, with hooks: the tests' way
// to a short refresh, a clock of their own, and the connections they control.
func newSource(cfg config.Config, logger *slog.Logger, h hooks) (*Source, error) {
	inline := strings.TrimSpace(cfg.Policy) != ""
	switch {
	case cfg.PolicyURL != "" && inline:
		return nil, fmt.Errorf("%w: %s and %s are both set: use %s (and %s for a fallback used until the first bundle is fetched, if you want one)",
			config.ErrInvalid, config.EnvPolicyURL, config.EnvPolicy, config.EnvPolicyURL, config.EnvPolicyFile)
	case cfg.PolicyFile != "" && inline:
		return nil, fmt.Errorf("%w: %s and %s are both set: use one", config.ErrInvalid, config.EnvPolicyFile, config.EnvPolicy)
	}
	start := time.Now()
	if cfg.PolicyURL == "" {
		a, err := loadStatic(cfg)
		if err != nil {
			return nil, err
		}
		return &Source{static: a, loaded: a, loadTime: time.Since(start)}, nil
	}
	var fallback *Active
	if cfg.PolicyFile != "" {
		var err error
		if fallback, err = loadStatic(cfg); err != nil {
			return nil, err
		}
	}
	loadTime := time.Since(start)
	l, err := newLive(cfg, fallback, logger, h)
	if err != nil {
		return nil, err
	}
	return &Source{live: l, loaded: fallback, loadTime: loadTime}, nil
}

// Facts are what the start-up log line says of the source: the policy loaded at New (for a live
// source, its fallback, if it has one) with its revision, where it came from, whether it was read
// from its prepared index (and if not, why not), its entry counts and how long it took to load;
// and, for a live source, its URL, refresh interval and fetch timeout.
func (s *Source) Facts() []slog.Attr {
	var facts []slog.Attr
	if s.live != nil {
		facts = append(facts, slog.String("policy_url", s.live.origin),
			slog.String("refresh", s.live.refresh.String()), slog.String("fetch_timeout", s.live.timeout.String()))
		facts = append(facts, maxBytesFacts(s.live.maxBytes, s.live.maxBytesFrom)...)
	}
	if a := s.loaded; a != nil {
		facts = append(facts, slog.String("policy", a.Revision), slog.String("policy_origin", a.Origin))
		facts = append(facts, policyFacts(a.Policy)...)
		facts = append(facts, slog.Float64("load_ms", ms(s.loadTime)))
	}
	return facts
}

// Current returns the policy to decide a request by. It is an atomic load, except when a live
// source has no policy yet (the first call of a cold function, or every call while a source
// without a fallback has none): it then waits for a fetch, at most the fetch timeout and not
// beyond ctx's deadline, and returns an error wrapping ErrNoPolicy when there is still none. A
// live source may start a refresh in the background; no call waits for a refresh.
func (s *Source) Current(ctx context.Context) (*Active, error) {
	if s.live == nil {
		return s.static, nil
	}
	return s.live.current(ctx)
}

// ReportTo makes the source report each failed refresh to m (nil: to nothing): its attributes go on
// the "policy refresh failed" line, which is written, or its metrics alone, whatever the log level.
// Call it before the source is used.
func (s *Source) ReportTo(m metrics.Metrics) {
	if s.live != nil {
		s.live.metrics = m
	}
}

// Deciding is the revision of the policy that decides now: the static one's, or a live source's
// last good bundle's or fallback's; "" when a live source has none yet. It starts nothing and waits
// for nothing.
func (s *Source) Deciding() string {
	if a := s.Peek(); a != nil {
		return a.Revision
	}
	return ""
}

// Peek is the policy that decides now, nil when a live source has none yet. Like Deciding, it
// starts nothing and waits for nothing: for what is not a request's decision (a metric, what to
// make of a fault).
func (s *Source) Peek() *Active {
	if s.live == nil {
		return s.static
	}
	return s.live.state.Load().active
}

// Prefetch starts a live source's first fetch in the background, so that the first call to
// Current waits less, or not at all. gate.FromEnv calls it. It does nothing for a static
// source, or once a fetch has started.
func (s *Source) Prefetch() {
	if s.live != nil {
		s.live.prefetch()
	}
}

// loadStatic loads the policy file, the inline policy, or allow-all, with its revision.
func loadStatic(cfg config.Config) (*Active, error) {
	switch {
	case cfg.PolicyFile != "":
		path := findPolicyFile(cfg.PolicyFile, executableDir())
		p, err := policy.Load(path)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", config.ErrInvalid, config.EnvPolicyFile, err)
		}
		return &Active{Policy: p, Revision: p.Info().Revision, Origin: path}, nil
	case strings.TrimSpace(cfg.Policy) != "":
		p, err := policy.Parse([]byte(cfg.Policy), config.EnvPolicy, ".")
		if err != nil {
			return nil, fmt.Errorf("%w: %w", config.ErrInvalid, err)
		}
		return &Active{Policy: p, Revision: p.Info().Revision, Origin: config.EnvPolicy}, nil
	default:
		return &Active{Policy: policy.AllowAll(), Revision: AllowAll, Origin: AllowAll}, nil
	}
}

// findPolicyFile resolves a relative policy path (SUBGATE_POLICY_FILE) from the working directory
// or, when nothing is there, from the executable's folder: the code folder on SCF and Lambda,
// whatever the runtime's working directory is. Not found, it is the path as given, for the error.
func findPolicyFile(path, exeDir string) string {
	if filepath.IsAbs(path) || exeDir == "" {
		return path
	}
	if _, err := os.Stat(path); err == nil {
		return path
	}
	beside := filepath.Join(exeDir, path)
	if _, err := os.Stat(beside); err == nil {
		return beside
	}
	return path
}

func executableDir() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	return filepath.Dir(exe)
}

// policyFacts are what a log line says about a policy besides its revision: its mode, whether it
// was read from its prepared index (if not, and the policy is large enough for the index to matter,
// why not) and how many entries it holds (and groups, when it decides the group webhooks).
func policyFacts(p *policy.Policy) []slog.Attr {
	info := p.Info()
	facts := []slog.Attr{slog.String("mode", p.Mode().String()), slog.Bool("indexed", info.Indexed)}
	if info.IndexIgnored != nil && info.IndexMatters() {
		facts = append(facts, slog.String("index_ignored", info.IndexIgnored.Error()))
	}
	facts = append(facts,
		slog.Int("exact_ids", info.Counts.ExactIDs), slog.Int("patterns", info.Counts.Patterns),
		slog.Int("channels", info.Counts.Channels))
	if p.DecidesGroups() { // only then: a groups count says the group webhooks are decided
		facts = append(facts, slog.Int("groups", info.Counts.Groups))
	}
	return append(facts, slog.Int("trusted_operators", info.Counts.TrustedOperators))
}

// ms is a duration in milliseconds, to the microsecond, as the gate's log lines give them.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// storeSettings are the fetcher's settings for cfg. Credentials are left to the store's default,
// store.EnvCredentials(os.Getenv), read at every fetch: SCF sets them in each invocation.
func storeSettings(cfg config.Config, maxBytes int64, client *http.Client) store.Settings {
	return store.Settings{URL: cfg.PolicyURL, Endpoint: cfg.S3Endpoint, Region: cfg.S3Region, PathStyle: cfg.S3PathStyle, MaxSize: maxBytes, HTTPClient: client}
}
