// Package config reads subgate's configuration from environment variables, the same for every
// entrypoint, and loads the policy it names.
package config

import (
	"errors"
	"fmt"
	"log/slog"
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
	EnvAddr       = "SUBGATE_ADDR"
)

// Variables lists every variable subgate reads, for deployment files to be checked against.
var Variables = []string{EnvSdkAppID, EnvToken, EnvMaxSkew, EnvPolicyFile, EnvPolicy, EnvLogLevel, EnvAddr}

// DefaultAddr is where the HTTP server listens unless SUBGATE_ADDR says otherwise.
const DefaultAddr = "127.0.0.1:8080"

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
	Addr       string
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
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	return c, nil
}

// LoadPolicy loads the configured policy: the file, the inline text, or allow-all when neither is set.
func (c Config) LoadPolicy() (*policy.Policy, error) {
	switch {
	case c.PolicyFile != "":
		p, err := policy.Load(c.PolicyFile)
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

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
