// Package config reads subgate's configuration from environment variables, the same for every
// entrypoint, and loads the policy it names.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/subgate/subgate/pkg/policy"
	"github.com/subgate/subgate/pkg/store"
	"github.com/subgate/subgate/pkg/webhook"
)

// The environment variables subgate reads.
const (
	EnvSdkAppID   = "SUBGATE_SDKAPPID"
	EnvToken      = "SUBGATE_TOKEN"
	EnvMaxSkew    = "SUBGATE_MAX_SKEW"
	EnvPolicyFile = "SUBGATE_POLICY_FILE"
	EnvPolicy     = "SUBGATE_POLICY"
	EnvLogLevel   = "SUBGATE_LOG_LEVEL"
	EnvLogIDs     = "SUBGATE_LOG_IDS"
	EnvAddr       = "SUBGATE_ADDR"
	EnvFailMode   = "SUBGATE_FAIL_MODE"

	EnvMetrics          = "SUBGATE_METRICS"
	EnvMetricsNamespace = "SUBGATE_METRICS_NAMESPACE"
	EnvMetricsAddr      = "SUBGATE_METRICS_ADDR"

	EnvForwardURL     = "SUBGATE_FORWARD_URL"
	EnvForwardTimeout = "SUBGATE_FORWARD_TIMEOUT"

	EnvPolicyURL          = "SUBGATE_POLICY_URL"
	EnvS3Endpoint         = "SUBGATE_S3_ENDPOINT"
	EnvS3Region           = "SUBGATE_S3_REGION"
	EnvS3PathStyle        = "SUBGATE_S3_PATH_STYLE"
	EnvPolicyRefresh      = "SUBGATE_POLICY_REFRESH"
	EnvPolicyFetchTimeout = "SUBGATE_POLICY_FETCH_TIMEOUT"
)

// EnvAWSRegion is the region Lambda runs a function in; the store's region when SUBGATE_S3_REGION
// is not set. It is not subgate's to set, so it is not in Variables.
const EnvAWSRegion = "AWS_REGION"

// Variables lists every variable subgate reads, for deployment files to be checked against.
var Variables = []string{EnvSdkAppID, EnvToken, EnvMaxSkew, EnvPolicyFile, EnvPolicy, EnvLogLevel, EnvLogIDs, EnvAddr, EnvFailMode,
	EnvMetrics, EnvMetricsNamespace, EnvMetricsAddr, EnvForwardURL, EnvForwardTimeout,
	EnvPolicyURL, EnvS3Endpoint, EnvS3Region, EnvS3PathStyle, EnvPolicyRefresh, EnvPolicyFetchTimeout}

// DefaultAddr is where the HTTP server listens unless SUBGATE_ADDR says otherwise.
const DefaultAddr = "127.0.0.1:8080"

// DefaultForwardTimeout is how long a relayed webhook may take unless SUBGATE_FORWARD_TIMEOUT says
// otherwise; MaxForwardTimeout leaves room inside the 2 seconds Chat gives a webhook.
const (
	DefaultForwardTimeout = 1500 * time.Millisecond
	MaxForwardTimeout     = 1800 * time.Millisecond
)

// DefaultPolicyRefresh is how often a warm function asks the store whether its bundle changed,
// unless SUBGATE_POLICY_REFRESH says otherwise; MinPolicyRefresh is the shortest interval allowed.
const (
	DefaultPolicyRefresh = 30 * time.Second
	MinPolicyRefresh     = 5 * time.Second
)

// DefaultPolicyFetchTimeout bounds a fetch of the bundle unless SUBGATE_POLICY_FETCH_TIMEOUT says
// otherwise. The first answer of a cold function waits for its first fetch, so the timeout is held
// to MaxPolicyFetchTimeout: Chat waits 2 s for the whole answer, and an entrypoint keeps up to
// 250 ms of the invocation's time to send the answer (gate.AnswerReserve); 1.5 s of fetch leaves
// 250 ms more for the platform's cold start and the decision. (A refresh of a warm function is
// bounded by the same timeout, but no answer waits for it.)
const (
	DefaultPolicyFetchTimeout = time.Second
	MaxPolicyFetchTimeout     = 1500 * time.Millisecond
)

// The fail modes (SUBGATE_FAIL_MODE): what subgate answers a request it must decide and cannot (a
// configuration error, no policy yet, an internal fault). Closed rejects it (ErrorCode 1), open lets
// it go on (ErrorCode 0, nobody refused).
const (
	FailClosed = "closed"
	FailOpen   = "open"
)

// DefaultMetricsNamespace is the CloudWatch namespace of the Lambda function's metrics unless
// SUBGATE_METRICS_NAMESPACE says otherwise.
const DefaultMetricsNamespace = "subgate"

// ErrInvalid is wrapped by every configuration error.
var ErrInvalid = errors.New("invalid configuration")

// Config is subgate's configuration.
type Config struct {
	SdkAppID   string
	Token      string
	MaxSkew    time.Duration
	PolicyFile string
	Policy     string // inline policy text
	LogLevel   slog.Level
	// OmitLogIDs leaves user IDs out of the log lines (SUBGATE_LOG_IDS=false): the rules and counts
	// stay.
	OmitLogIDs bool
	Addr       string
	// FailMode is FailClosed (the default) or FailOpen. FromEnv sets it even when it returns an
	// error, so that a gate that cannot start still answers by it; a value it refuses reads as
	// FailClosed.
	FailMode string
	// Metrics is false when SUBGATE_METRICS=false turns the Lambda function's metrics (EMF fields of
	// its log lines) off; MetricsNamespace is their CloudWatch namespace. MetricsAddr is where the
	// HTTP server serves /metrics for Prometheus ("" for nowhere). Like FailMode, FromEnv sets them
	// even when it returns an error, so that a gate that cannot start still reports its answers.
	Metrics          bool
	MetricsNamespace string
	MetricsAddr      string
	// ForwardURL is the app's existing webhook backend, which gets every other command; nil when unset.
	ForwardURL     *url.URL
	ForwardTimeout time.Duration

	// PolicyURL is where the policy bundle is fetched from: s3://BUCKET/KEY or an https:// URL, as
	// given; "" when the policy is not fetched. Show it only as the policy source does, without
	// its query string: a presigned URL's query is a credential.
	PolicyURL string
	// S3Endpoint is an S3-compatible store's endpoint, scheme and host ("" for Amazon S3).
	S3Endpoint string
	// S3Region is the store's region: SUBGATE_S3_REGION, else AWS_REGION.
	S3Region string
	// S3PathStyle puts the bucket in the path instead of the host name.
	S3PathStyle bool
	// PolicyRefresh is how often a warm function revalidates its bundle.
	PolicyRefresh time.Duration
	// PolicyFetchTimeout bounds each fetch of the bundle.
	PolicyFetchTimeout time.Duration
}

// FromEnv reads the configuration through getenv (os.Getenv, or a map's lookup in tests).
// An empty variable counts as unset. Errors name the variable and say what it must be.
func FromEnv(getenv func(string) string) (Config, error) {
	get := func(key string) string { return strings.TrimSpace(getenv(key)) }
	c := Config{
		SdkAppID:   get(EnvSdkAppID),
		Token:      getenv(EnvToken),
		MaxSkew:    webhook.DefaultMaxSkew,
		PolicyFile: get(EnvPolicyFile),
		Policy:     getenv(EnvPolicy),
		Addr:       get(EnvAddr),
		FailMode:   FailClosed,

		Metrics:          true,
		MetricsNamespace: DefaultMetricsNamespace,
	}
	// The fail mode and the metrics are read first: every other error is answered by the one and
	// counted by the other.
	if err := c.readFailModeAndMetrics(get); err != nil {
		return c, err
	}
	if c.SdkAppID == "" {
		return c, fmt.Errorf("%w: %s is not set: set it to your app's SDKAppID (digits, from the Chat console)", ErrInvalid, EnvSdkAppID)
	}
	if !isDigits(c.SdkAppID) {
		return c, fmt.Errorf("%w: %s must be the app's SDKAppID, digits only, not %q", ErrInvalid, EnvSdkAppID, c.SdkAppID)
	}
	if s := get(EnvMaxSkew); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("%w: %s must be a positive Go duration such as 60s, not %q", ErrInvalid, EnvMaxSkew, s)
		}
		c.MaxSkew = d
	}
	if c.PolicyFile != "" && strings.TrimSpace(c.Policy) != "" {
		return c, fmt.Errorf("%w: %s and %s are both set: use one", ErrInvalid, EnvPolicyFile, EnvPolicy)
	}
	switch level := strings.ToLower(get(EnvLogLevel)); level {
	case "", "info":
		c.LogLevel = slog.LevelInfo
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "warn":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		return c, fmt.Errorf("%w: %s must be debug, info, warn or error, not %q", ErrInvalid, EnvLogLevel, level)
	}
	if s := get(EnvLogIDs); s != "" {
		logIDs, err := strconv.ParseBool(s)
		if err != nil {
			return c, fmt.Errorf("%w: %s must be true or false, not %q", ErrInvalid, EnvLogIDs, s)
		}
		c.OmitLogIDs = !logIDs
	}
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.MetricsAddr != "" && c.MetricsAddr == c.Addr {
		return c, fmt.Errorf("%w: %s is %s's address: /metrics is served on a listener of its own, never on the webhook's", ErrInvalid, EnvMetricsAddr, EnvAddr)
	}
	if err := c.readForward(get); err != nil {
		return c, err
	}
	if err := c.readPolicyURL(get); err != nil {
		return c, err
	}
	return c, nil
}

// readFailModeAndMetrics reads SUBGATE_FAIL_MODE and the metrics' settings. Each is set before an
// error is returned: a setting it refuses keeps its default.
func (c *Config) readFailModeAndMetrics(get func(string) string) error {
	var errs []error
	switch mode := strings.ToLower(get(EnvFailMode)); mode {
	case "", FailClosed:
	case FailOpen:
		c.FailMode = FailOpen
	default:
		errs = append(errs, fmt.Errorf("%w: %s must be closed or open, not %q", ErrInvalid, EnvFailMode, mode))
	}
	if s := get(EnvMetrics); s != "" {
		on, err := strconv.ParseBool(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: %s must be true or false, not %q", ErrInvalid, EnvMetrics, s))
		} else {
			c.Metrics = on
		}
	}
	if ns := get(EnvMetricsNamespace); ns != "" {
		if !isNamespace(ns) {
			errs = append(errs, fmt.Errorf("%w: %s must be a CloudWatch namespace: 1 to 256 letters, digits and . _ # : / -, not starting with AWS/, not %q",
				ErrInvalid, EnvMetricsNamespace, ns))
		} else {
			c.MetricsNamespace = ns
		}
	}
	c.MetricsAddr = get(EnvMetricsAddr)
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// isNamespace reports whether s is a namespace CloudWatch takes for custom metrics.
func isNamespace(s string) bool {
	if s == "" || len(s) > 256 || strings.HasPrefix(s, "AWS/") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("._#:/-", c) >= 0) {
			return false
		}
	}
	return true
}

// readForward reads the relay's URL and timeout. The URL must be https, except on a loopback host
// (tests, sidecars), since the relayed request carries the webhook's body and signature.
func (c *Config) readForward(get func(string) string) error {
	c.ForwardTimeout = DefaultForwardTimeout
	if s := get(EnvForwardTimeout); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 || d > MaxForwardTimeout {
			return fmt.Errorf("%w: %s must be a Go duration above 0 and at most %s (Chat waits 2s for the whole answer), not %q",
				ErrInvalid, EnvForwardTimeout, MaxForwardTimeout, s)
		}
		c.ForwardTimeout = d
	}
	raw := get(EnvForwardURL)
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%w: %s must be an absolute https:// URL, not %q", ErrInvalid, EnvForwardURL, store.Redact(raw))
	}
	if u.Scheme == "http" && !store.IsLoopback(u.Hostname()) {
		return fmt.Errorf("%w: %s must use https:// (plain http is allowed only to a loopback host), not %q", ErrInvalid, EnvForwardURL, store.Redact(raw))
	}
	if u.User != nil || u.Fragment != "" {
		return fmt.Errorf("%w: %s must not carry a user, password or #fragment", ErrInvalid, EnvForwardURL)
	}
	c.ForwardURL = u
	return nil
}

// readPolicyURL reads where the policy bundle is fetched from, how, and how often. The URL and the
// endpoint must be https, except on a loopback host, as the forward URL: what the function fetches
// decides who may subscribe. Messages never repeat the URL's query, which may be a credential.
func (c *Config) readPolicyURL(get func(string) string) error {
	c.PolicyRefresh, c.PolicyFetchTimeout = DefaultPolicyRefresh, DefaultPolicyFetchTimeout
	if s := get(EnvPolicyRefresh); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < MinPolicyRefresh {
			return fmt.Errorf("%w: %s must be a Go duration of at least %s, such as 30s or 5m, not %q", ErrInvalid, EnvPolicyRefresh, MinPolicyRefresh, s)
		}
		c.PolicyRefresh = d
	}
	if s := get(EnvPolicyFetchTimeout); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 || d > MaxPolicyFetchTimeout {
			return fmt.Errorf("%w: %s must be a Go duration above 0 and at most %s (a cold function's first answer waits for the fetch, and Chat waits 2s for it), not %q",
				ErrInvalid, EnvPolicyFetchTimeout, MaxPolicyFetchTimeout, s)
		}
		c.PolicyFetchTimeout = d
	}
	switch s := strings.ToLower(get(EnvS3PathStyle)); s {
	case "", "false":
	case "true":
		c.S3PathStyle = true
	default:
		return fmt.Errorf("%w: %s must be true or false, not %q", ErrInvalid, EnvS3PathStyle, s)
	}
	if raw := get(EnvS3Endpoint); raw != "" {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") ||
			u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("%w: %s must be an https:// URL of a scheme and a host (and port) only, such as https://cos.ap-guangzhou.myqcloud.com, not %q",
				ErrInvalid, EnvS3Endpoint, store.Redact(raw))
		}
		if u.Scheme == "http" && !store.IsLoopback(u.Hostname()) {
			return fmt.Errorf("%w: %s must use https:// (plain http is allowed only to a loopback host), not %q", ErrInvalid, EnvS3Endpoint, raw)
		}
		c.S3Endpoint = raw
	}
	regionFrom := EnvS3Region
	if c.S3Region = get(EnvS3Region); c.S3Region != "" && !isRegion(c.S3Region) {
		return fmt.Errorf("%w: %s must be the store's region, such as us-east-1 or ap-guangzhou, not %q", ErrInvalid, EnvS3Region, c.S3Region)
	}
	if c.S3Region == "" {
		regionFrom, c.S3Region = EnvAWSRegion, get(EnvAWSRegion)
	}
	raw := get(EnvPolicyURL)
	if raw == "" {
		return nil
	}
	if strings.TrimSpace(c.Policy) != "" {
		return fmt.Errorf("%w: %s and %s are both set: use %s (and %s for a fallback used until the first bundle is fetched, if you want one)",
			ErrInvalid, EnvPolicyURL, EnvPolicy, EnvPolicyURL, EnvPolicyFile)
	}
	if rest, ok := strings.CutPrefix(raw, "s3://"); ok {
		bucket, key, _ := strings.Cut(rest, "/")
		if bucket == "" || key == "" {
			return fmt.Errorf("%w: %s must be s3://BUCKET/KEY or an https:// URL, not %q", ErrInvalid, EnvPolicyURL, raw)
		}
		if !isRegion(c.S3Region) {
			return fmt.Errorf("%w: %s is an s3:// URL, which needs the store's region: set %s (or %s) to one such as us-east-1 or ap-guangzhou (%s is %q)",
				ErrInvalid, EnvPolicyURL, EnvS3Region, EnvAWSRegion, regionFrom, c.S3Region)
		}
		c.PolicyURL = raw
		return c.checkStore()
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%w: %s must be s3://BUCKET/KEY or an https:// URL, not %q", ErrInvalid, EnvPolicyURL, store.Redact(raw))
	}
	if u.Scheme == "http" && !store.IsLoopback(u.Hostname()) {
		return fmt.Errorf("%w: %s must use https:// (plain http is allowed only to a loopback host), not %q", ErrInvalid, EnvPolicyURL, store.Redact(raw))
	}
	if u.User != nil {
		return fmt.Errorf("%w: %s must not carry a user or password", ErrInvalid, EnvPolicyURL)
	}
	c.PolicyURL = raw
	return c.checkStore()
}

// checkStore holds the policy store's settings to the store's own rules (a bucket's name, a
// dotted bucket over https without path-style, ...), so that what the store would refuse at start
// is refused here, with the other configuration errors, by the same code.
func (c *Config) checkStore() error {
	_, err := store.New(store.Settings{URL: c.PolicyURL, Endpoint: c.S3Endpoint, Region: c.S3Region, PathStyle: c.S3PathStyle})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return nil
}

// isRegion reports whether s looks like a region name: letters, digits and inner '-'.
func isRegion(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && (c != '-' || i == 0 || i == len(s)-1) {
			return false
		}
	}
	return s != ""
}

// PolicyFilePath is the path of the policy file SUBGATE_POLICY_FILE names: as given when it is
// absolute or found from the working directory, else beside the executable (see findPolicyFile);
// "" when it is not set.
func (c Config) PolicyFilePath() string {
	if c.PolicyFile == "" {
		return ""
	}
	return findPolicyFile(c.PolicyFile, executableDir())
}

// LoadPolicy loads the configured policy: the file, the inline text, or allow-all when neither is set.
func (c Config) LoadPolicy() (*policy.Policy, error) {
	switch {
	case c.PolicyFile != "":
		p, err := policy.Load(c.PolicyFilePath())
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrInvalid, EnvPolicyFile, err)
		}
		return p, nil
	case strings.TrimSpace(c.Policy) != "":
		p, err := policy.Parse([]byte(c.Policy), EnvPolicy, ".")
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		return p, nil
	default:
		return policy.AllowAll(), nil
	}
}

// findPolicyFile resolves a relative policy path from the working directory or, when nothing is
// there, from the executable's folder: the code folder on SCF and Lambda, whatever the runtime's
// working directory is.
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

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
