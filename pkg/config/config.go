// Package config reads subgate's configuration from environment variables, the same for every
// entrypoint, and loads the policy it names.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/subgate/subgate/pkg/policy"
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

	EnvForwardURL     = "SUBGATE_FORWARD_URL"
	EnvForwardTimeout = "SUBGATE_FORWARD_TIMEOUT"
)

// Variables lists every variable subgate reads, for deployment files to be checked against.
var Variables = []string{EnvSdkAppID, EnvToken, EnvMaxSkew, EnvPolicyFile, EnvPolicy, EnvLogLevel, EnvLogIDs, EnvAddr, EnvForwardURL, EnvForwardTimeout}

// DefaultAddr is where the HTTP server listens unless SUBGATE_ADDR says otherwise.
const DefaultAddr = "127.0.0.1:8080"

// DefaultForwardTimeout is how long a relayed webhook may take unless SUBGATE_FORWARD_TIMEOUT says
// otherwise; MaxForwardTimeout leaves room inside the 2 seconds Chat gives a webhook.
const (
	DefaultForwardTimeout = 1500 * time.Millisecond
	MaxForwardTimeout     = 1800 * time.Millisecond
)

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
	// ForwardURL is the app's existing webhook backend, which gets every other command; nil when unset.
	ForwardURL     *url.URL
	ForwardTimeout time.Duration
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
	if err := c.readForward(get); err != nil {
		return c, err
	}
	return c, nil
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
		return fmt.Errorf("%w: %s must be an absolute https:// URL, not %q", ErrInvalid, EnvForwardURL, raw)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return fmt.Errorf("%w: %s must use https:// (plain http is allowed only to a loopback host), not %q", ErrInvalid, EnvForwardURL, raw)
	}
	if u.User != nil || u.Fragment != "" {
		return fmt.Errorf("%w: %s must not carry a user, password or #fragment", ErrInvalid, EnvForwardURL)
	}
	c.ForwardURL = u
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// LoadPolicy loads the configured policy: the file, the inline text, or allow-all when neither is set.
func (c Config) LoadPolicy() (*policy.Policy, error) {
	switch {
	case c.PolicyFile != "":
		p, err := policy.Load(findPolicyFile(c.PolicyFile, executableDir()))
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
