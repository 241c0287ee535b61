// Package config reads subgate's configuration from environment variables, the same for every
// entrypoint: it turns each variable into a setting of its type (a duration, a number, a URL) and
// checks the settings no other package owns. The policy source (pkg/source) checks its own
// settings, and the policy store (pkg/store) the policy URL, endpoint and region, when the gate is
// built (gate.FromEnv), so that each rule is written once; their errors name the variable too.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

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
	EnvPolicyMaxBytes     = "SUBGATE_POLICY_MAX_BYTES"
)

// EnvAWSRegion is the region Lambda runs a function in; the store's region when SUBGATE_S3_REGION
// is not set. It is not subgate's to set, so it is not in Variables.
const EnvAWSRegion = "AWS_REGION"

// The variables in which a platform says how much memory the function has, in MB: Lambda's, and
// SCF's (the one scf-go-lib's functioncontext reads; pkg/scfevent sets it from the invoke
// request's MemoryLimitInMb when the runtime has not). They are not subgate's to set, so they are
// not in Variables.
const (
	EnvLambdaMemory = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"
	EnvSCFMemory    = "FUNCTION_MEMORY_SIZE"
)

// Variables lists every variable subgate reads, for deployment files to be checked against.
var Variables = []string{EnvSdkAppID, EnvToken, EnvMaxSkew, EnvPolicyFile, EnvPolicy, EnvLogLevel, EnvLogIDs, EnvAddr, EnvFailMode,
	EnvMetrics, EnvMetricsNamespace, EnvMetricsAddr, EnvForwardURL, EnvForwardTimeout,
	EnvPolicyURL, EnvS3Endpoint, EnvS3Region, EnvS3PathStyle, EnvPolicyRefresh, EnvPolicyFetchTimeout, EnvPolicyMaxBytes}

// DefaultAddr is where the HTTP server listens unless SUBGATE_ADDR says otherwise.
const DefaultAddr = "127.0.0.1:8080"

// DefaultForwardTimeout is how long a relayed webhook may take unless SUBGATE_FORWARD_TIMEOUT says
// otherwise; MaxForwardTimeout leaves room inside the 2 seconds Chat gives a webhook.
const (
	DefaultForwardTimeout = 1500 * time.Millisecond
	MaxForwardTimeout     = 1800 * time.Millisecond
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

// ErrInvalid is wrapped by every configuration error: FromEnv's, and those of the source and the
// store, which the source wraps in it when the gate is built.
var ErrInvalid = errors.New("invalid configuration")

// Config is subgate's configuration.
type Config struct {
	SdkAppID string
	Token    string
	MaxSkew  time.Duration
	// PolicyFile is the policy file's path as given, and Policy the inline policy's text; the
	// source finds and loads them, and refuses both at once.
	PolicyFile string
	Policy     string
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
	// its query string: a presigned URL's query is a credential. The store checks it, with the
	// endpoint and the region (store.New).
	PolicyURL string
	// S3Endpoint is an S3-compatible store's endpoint, scheme and host ("" for Amazon S3).
	S3Endpoint string
	// S3Region is the store's region: SUBGATE_S3_REGION, else AWS_REGION.
	S3Region string
	// S3PathStyle puts the bucket in the path instead of the host name.
	S3PathStyle bool
	// PolicyRefresh is how often a warm function revalidates its bundle; 0 when not set (the
	// source's default). The source holds it to its bounds.
	PolicyRefresh time.Duration
	// PolicyFetchTimeout bounds each fetch of the bundle; 0 when not set (the source's default).
	// The source holds it to its bounds.
	PolicyFetchTimeout time.Duration
	// PolicyMaxBytes caps a fetched bundle; 0 when not set (the source's default, which follows
	// FunctionMemoryMB). The source holds it to its bounds.
	PolicyMaxBytes int64
	// FunctionMemoryMB is the function's memory as the platform says it, in MB
	// (AWS_LAMBDA_FUNCTION_MEMORY_SIZE, else FUNCTION_MEMORY_SIZE); 0 where it says nothing (the
	// HTTP server).
	FunctionMemoryMB int
}

// FromEnv reads the configuration through getenv (os.Getenv, or a map's lookup in tests).
// An empty variable counts as unset. Errors name the variable and say what it must be.
func FromEnv(getenv func(string) string) (Config, error) {
	get := func(key string) string { return strings.TrimSpace(getenv(key)) }
	c := Config{
		SdkAppID:   get(EnvSdkAppID),
		Token:      getenv(EnvToken),
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
	var err error
	if c.MaxSkew, err = duration(get, EnvMaxSkew, "60s"); err != nil {
		return c, err
	}
	if c.MaxSkew == 0 {
		c.MaxSkew = webhook.DefaultMaxSkew
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
	return c, c.readPolicyStore(get)
}

// duration reads a variable holding a Go duration above 0: 0 when it is not set. example is one
// the message shows.
func duration(get func(string) string, name, example string) (time.Duration, error) {
	s := get(name)
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%w: %s must be a Go duration above 0, such as %s, not %q", ErrInvalid, name, example, s)
	}
	return d, nil
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

// wholeNumber reads a variable holding a whole number above 0: 0 when it is not set. what says
// what the number must be, for the message.
func wholeNumber(get func(string) string, name, what string) (int64, error) {
	s := get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%w: %s must be %s, not %q", ErrInvalid, name, what, s)
	}
	return n, nil
}

// readForward reads the relay's URL and timeout. The URL must be https, except on a loopback host
// (tests, sidecars), since the relayed request carries the webhook's body and signature.
func (c *Config) readForward(get func(string) string) error {
	c.ForwardTimeout = DefaultForwardTimeout
	d, err := duration(get, EnvForwardTimeout, "1500ms")
	if err != nil {
		return err
	}
	if d > MaxForwardTimeout {
		return fmt.Errorf("%w: %s must be at most %s (Chat waits 2s for the whole answer), not %q", ErrInvalid, EnvForwardTimeout, MaxForwardTimeout, get(EnvForwardTimeout))
	}
	if d != 0 {
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

// readPolicyStore reads where the policy bundle is fetched from, how, how often, how large it may
// be, and the function's memory, which the largest bundle follows by default. It checks only that
// each variable is of its type: the store checks the URL, the endpoint and the region
// (store.New), and the source the refresh, the timeout and the cap, when the gate is built.
func (c *Config) readPolicyStore(get func(string) string) error {
	var err error
	if c.PolicyRefresh, err = duration(get, EnvPolicyRefresh, "30s or 5m"); err != nil {
		return err
	}
	if c.PolicyFetchTimeout, err = duration(get, EnvPolicyFetchTimeout, "1s or 1500ms"); err != nil {
		return err
	}
	switch s := strings.ToLower(get(EnvS3PathStyle)); s {
	case "", "false":
	case "true":
		c.S3PathStyle = true
	default:
		return fmt.Errorf("%w: %s must be true or false, not %q", ErrInvalid, EnvS3PathStyle, s)
	}
	if c.PolicyMaxBytes, err = wholeNumber(get, EnvPolicyMaxBytes, "a whole number of bytes above 0, such as 33554432 (32 MiB)"); err != nil {
		return err
	}
	for _, name := range []string{EnvLambdaMemory, EnvSCFMemory} {
		mb, err := wholeNumber(get, name, "the function's memory, a whole number of MB")
		if err != nil {
			return err
		}
		if mb != 0 {
			c.FunctionMemoryMB = int(min(mb, 1<<20)) // no function has a terabyte
			break
		}
	}
	c.PolicyURL, c.S3Endpoint = get(EnvPolicyURL), get(EnvS3Endpoint)
	if c.S3Region = get(EnvS3Region); c.S3Region == "" {
		c.S3Region = get(EnvAWSRegion)
	}
	return nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
