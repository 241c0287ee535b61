package config

import (
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		vars    map[string]string
		want    Config
		wantErr string
	}{
		{name: "Minimal", vars: map[string]string{EnvSdkAppID: "1400000001"},
			want: Config{SdkAppID: "1400000001", MaxSkew: 60 * time.Second, LogLevel: slog.LevelInfo, Addr: DefaultAddr, ForwardTimeout: DefaultForwardTimeout}},
		{name: "Everything", vars: map[string]string{EnvSdkAppID: " 1400000001 ", EnvToken: "tok", EnvMaxSkew: "2m",
			EnvPolicyFile: "p.yaml", EnvLogLevel: "DEBUG", EnvAddr: "0.0.0.0:9000"},
			want: Config{SdkAppID: "1400000001", Token: "tok", MaxSkew: 2 * time.Minute, PolicyFile: "p.yaml", LogLevel: slog.LevelDebug, Addr: "0.0.0.0:9000", ForwardTimeout: DefaultForwardTimeout}},
		{name: "InlinePolicy", vars: map[string]string{EnvSdkAppID: "1", EnvPolicy: "deny: [x]", EnvLogLevel: "warn"},
			want: Config{SdkAppID: "1", Policy: "deny: [x]", MaxSkew: 60 * time.Second, LogLevel: slog.LevelWarn, Addr: DefaultAddr, ForwardTimeout: DefaultForwardTimeout}},
		{name: "BlankInlinePolicyWithFile", vars: map[string]string{EnvSdkAppID: "1", EnvPolicy: "  ", EnvPolicyFile: "p.yaml", EnvLogLevel: "error"},
			want: Config{SdkAppID: "1", Policy: "  ", PolicyFile: "p.yaml", MaxSkew: 60 * time.Second, LogLevel: slog.LevelError, Addr: DefaultAddr, ForwardTimeout: DefaultForwardTimeout}},
		{name: "ForwardHTTPS", vars: map[string]string{EnvSdkAppID: "1", EnvForwardURL: "https://im.example.com/callback?x=1", EnvForwardTimeout: "1800ms"},
			want: Config{SdkAppID: "1", MaxSkew: 60 * time.Second, LogLevel: slog.LevelInfo, Addr: DefaultAddr,
				ForwardURL: mustURL("https://im.example.com/callback?x=1"), ForwardTimeout: 1800 * time.Millisecond}},
		{name: "ForwardLoopbackHTTP", vars: map[string]string{EnvSdkAppID: "1", EnvForwardURL: "http://127.0.0.1:9001/"},
			want: Config{SdkAppID: "1", MaxSkew: 60 * time.Second, LogLevel: slog.LevelInfo, Addr: DefaultAddr,
				ForwardURL: mustURL("http://127.0.0.1:9001/"), ForwardTimeout: DefaultForwardTimeout}},
		{name: "ForwardLocalhostIPv6", vars: map[string]string{EnvSdkAppID: "1", EnvForwardURL: "http://[::1]:9001/"},
			want: Config{SdkAppID: "1", MaxSkew: 60 * time.Second, LogLevel: slog.LevelInfo, Addr: DefaultAddr,
				ForwardURL: mustURL("http://[::1]:9001/"), ForwardTimeout: DefaultForwardTimeout}},
		{name: "ForwardPlainHTTP", vars: map[string]string{EnvSdkAppID: "1", EnvForwardURL: "http://im.example.com/cb"},
			wantErr: `invalid configuration: SUBGATE_FORWARD_URL must use https:// (plain http is allowed only to a loopback host), not "http://im.example.com/cb"`},
		{name: "ForwardNotURL", vars: map[string]string{EnvSdkAppID: "1", EnvForwardURL: "im.example.com/cb"},
			wantErr: `invalid configuration: SUBGATE_FORWARD_URL must be an absolute https:// URL, not "im.example.com/cb"`},
		{name: "ForwardOtherScheme", vars: map[string]string{EnvSdkAppID: "1", EnvForwardURL: "ftp://127.0.0.1/"},
			wantErr: `SUBGATE_FORWARD_URL must be an absolute https:// URL`},
		{name: "ForwardUserInfo", vars: map[string]string{EnvSdkAppID: "1", EnvForwardURL: "https://u:p@im.example.com/"},
			wantErr: `SUBGATE_FORWARD_URL must not carry a user, password or #fragment`},
		{name: "ForwardTimeoutTooLong", vars: map[string]string{EnvSdkAppID: "1", EnvForwardTimeout: "1801ms"},
			wantErr: `invalid configuration: SUBGATE_FORWARD_TIMEOUT must be a Go duration above 0 and at most 1.8s (Chat waits 2s for the whole answer), not "1801ms"`},
		{name: "ForwardTimeoutNotDuration", vars: map[string]string{EnvSdkAppID: "1", EnvForwardTimeout: "1500"},
			wantErr: `SUBGATE_FORWARD_TIMEOUT must be a Go duration above 0`},
		{name: "MissingAppID", vars: map[string]string{}, wantErr: "invalid configuration: SUBGATE_SDKAPPID is not set: set it to your app's SDKAppID (digits, from the Chat console)"},
		{name: "AppIDNotDigits", vars: map[string]string{EnvSdkAppID: "14000x"}, wantErr: `invalid configuration: SUBGATE_SDKAPPID must be the app's SDKAppID, digits only, not "14000x"`},
		{name: "BadSkew", vars: map[string]string{EnvSdkAppID: "1", EnvMaxSkew: "60"}, wantErr: `invalid configuration: SUBGATE_MAX_SKEW must be a positive Go duration such as 60s, not "60"`},
		{name: "NegativeSkew", vars: map[string]string{EnvSdkAppID: "1", EnvMaxSkew: "-1s"}, wantErr: `SUBGATE_MAX_SKEW must be a positive Go duration`},
		{name: "BothPolicies", vars: map[string]string{EnvSdkAppID: "1", EnvPolicy: "deny: [x]", EnvPolicyFile: "p.yaml"}, wantErr: "invalid configuration: SUBGATE_POLICY_FILE and SUBGATE_POLICY are both set: use one"},
		{name: "LogIDsFalse", vars: map[string]string{EnvSdkAppID: "1", EnvLogIDs: "false"},
			want: Config{SdkAppID: "1", MaxSkew: 60 * time.Second, LogLevel: slog.LevelInfo, OmitLogIDs: true, Addr: DefaultAddr, ForwardTimeout: DefaultForwardTimeout}},
		{name: "LogIDsTrue", vars: map[string]string{EnvSdkAppID: "1", EnvLogIDs: "true"},
			want: Config{SdkAppID: "1", MaxSkew: 60 * time.Second, LogLevel: slog.LevelInfo, Addr: DefaultAddr, ForwardTimeout: DefaultForwardTimeout}},
		{name: "BadLogIDs", vars: map[string]string{EnvSdkAppID: "1", EnvLogIDs: "no"}, wantErr: `invalid configuration: SUBGATE_LOG_IDS must be true or false, not "no"`},
		{name: "BadLogLevel", vars: map[string]string{EnvSdkAppID: "1", EnvLogLevel: "verbose"}, wantErr: `invalid configuration: SUBGATE_LOG_LEVEL must be debug, info, warn or error, not "verbose"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FromEnv(env(tt.vars))
			if tt.wantErr != "" {
				require.ErrorIs(t, err, ErrInvalid)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestLoadPolicy(t *testing.T) {
	t.Run("NoneAllowsAll", func(t *testing.T) {
		p, err := Config{}.LoadPolicy()
		require.NoError(t, err)
		assert.Empty(t, p.Decide("@TOA#_a", "", []string{"jared"}).Refused)
	})
	t.Run("ExampleFile", func(t *testing.T) {
		p, err := Config{PolicyFile: "../../deploy/policy.example.yaml"}.LoadPolicy()
		require.NoError(t, err)
		assert.Equal(t, []string{"jared"}, p.Decide("@TOA#_test_for_penn", "107867", []string{"jared", "leckie"}).Refused)
	})
	t.Run("Inline", func(t *testing.T) {
		p, err := Config{Policy: `{"deny": ["leckie"]}`}.LoadPolicy()
		require.NoError(t, err)
		assert.Equal(t, []string{"leckie"}, p.Decide("@TOA#_a", "", []string{"jared", "leckie"}).Refused)
	})
	t.Run("MissingFileNamesVariable", func(t *testing.T) {
		_, err := Config{PolicyFile: "nope.yaml"}.LoadPolicy()
		require.ErrorIs(t, err, ErrInvalid)
		assert.EqualError(t, err, "invalid configuration: SUBGATE_POLICY_FILE: policy file: open nope.yaml: no such file or directory")
	})
	t.Run("BadInlineNamesVariable", func(t *testing.T) {
		_, err := Config{Policy: "defualt: allow"}.LoadPolicy()
		require.ErrorIs(t, err, ErrInvalid)
		assert.Contains(t, err.Error(), `invalid configuration: policy SUBGATE_POLICY: line 1: unknown key "defualt"`)
	})
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func TestFindPolicyFile(t *testing.T) {
	exeDir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(exeDir, "policy.yaml"), []byte("default: allow\n"), 0o644))
	assert.Equal(t, filepath.Join(exeDir, "policy.yaml"), findPolicyFile("policy.yaml", exeDir), "beside the executable")
	assert.Equal(t, "config_test.go", findPolicyFile("config_test.go", exeDir), "the working directory first")
	assert.Equal(t, "missing.yaml", findPolicyFile("missing.yaml", exeDir), "not found: the path as given, for the error")
	assert.Equal(t, "/abs/policy.yaml", findPolicyFile("/abs/policy.yaml", exeDir))
}
