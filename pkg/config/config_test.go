package config

import (
	"log/slog"
	"net/url"
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
			want: Config{FailMode: FailClosed, Metrics: true, MetricsNamespace: DefaultMetricsNamespace, SdkAppID: "1400000001", MaxSkew: 60 * time.Second, LogLevel: slog.LevelInfo, Addr: DefaultAddr, ForwardTimeout: DefaultForwardTimeout}},
		{name: "Everything", vars: map[string]string{EnvSdkAppID: " 1400000001 ", EnvToken: "tok", EnvMaxSkew: "2m",
			EnvPolicyFile: "p.yaml", EnvLogLevel: "DEBUG", EnvAddr: "0.0.0.0:9000"},
			want: Config{FailMode: FailClosed, Metrics: true, MetricsNamespace: DefaultMetricsNamespace, SdkAppID: "1400000001", Token: "tok", MaxSkew: 2 * time.Minute, PolicyFile: "p.yaml", LogLevel: slog.LevelDebug, Addr: "0.0.0.0:9000", ForwardTimeout: DefaultForwardTimeout}},
		{name: "InlinePolicy", vars: map[string]string{EnvSdkAppID: "1", EnvPolicy: "deny: [x]", EnvLogLevel: "warn"},
			want: Config{FailMode: FailClosed, Metrics: true, MetricsNamespace: DefaultMetricsNamespace, SdkAppID: "1", Policy: "deny: [x]", MaxSkew: 60 * time.Second, LogLevel: slog.LevelWarn, Addr: DefaultAddr, ForwardTimeout: DefaultForwardTimeout}},
		{name: "BlankInlinePolicyWithFile", vars: map[string]string{EnvSdkAppID: "1", EnvPolicy: "  ", EnvPolicyFile: "p.yaml", EnvLogLevel: "error"},
			want: Config{FailMode: FailClosed, Metrics: true, MetricsNamespace: DefaultMetricsNamespace, SdkAppID: "1", Policy: "  ", PolicyFile: "p.yaml", MaxSkew: 60 * time.Second, LogLevel: slog.LevelError, Addr: DefaultAddr, ForwardTimeout: DefaultForwardTimeout}},
		{name: "ForwardHTTPS", vars: map[string]string{EnvSdkAppID: "1", EnvForwardURL: "https://im.example.com/callback?x=1", EnvForwardTimeout: "1800ms"},
			want: Config{FailMode: FailClosed, Metrics: true, MetricsNamespace: DefaultMetricsNamespace, SdkAppID: "1", MaxSkew: 60 * time.Second, LogLevel: slog.LevelInfo, Addr: DefaultAddr,
				ForwardURL: mustURL("https://im.example.com/callback?x=1"), ForwardTimeout: 1800 * time.Millisecond}},
		{name: "ForwardLoopbackHTTP", vars: map[string]string{EnvSdkAppID: "1", EnvForwardURL: "http://127.0.0.1:9001/"},
			want: Config{FailMode: FailClosed, Metrics: true, MetricsNamespace: DefaultMetricsNamespace, SdkAppID: "1", MaxSkew: 60 * time.Second, LogLevel: slog.LevelInfo, Addr: DefaultAddr,
				ForwardURL: mustURL("http://127.0.0.1:9001/"), ForwardTimeout: DefaultForwardTimeout}},
		{name: "ForwardLocalhostIPv6", vars: map[string]string{EnvSdkAppID: "1", EnvForwardURL: "http://[::1]:9001/"},
			want: Config{FailMode: FailClosed, Metrics: true, MetricsNamespace: DefaultMetricsNamespace, SdkAppID: "1", MaxSkew: 60 * time.Second, LogLevel: slog.LevelInfo, Addr: DefaultAddr,
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
			wantErr: `invalid configuration: SUBGATE_FORWARD_TIMEOUT must be at most 1.8s (Chat waits 2s for the whole answer), not "1801ms"`},
		{name: "ForwardTimeoutNotDuration", vars: map[string]string{EnvSdkAppID: "1", EnvForwardTimeout: "1500"},
			wantErr: `SUBGATE_FORWARD_TIMEOUT must be a Go duration above 0`},
		{name: "MissingAppID", vars: map[string]string{}, wantErr: "invalid configuration: SUBGATE_SDKAPPID is not set: set it to your app's SDKAppID (digits, from the Chat console)"},
		{name: "AppIDNotDigits", vars: map[string]string{EnvSdkAppID: "14000x"}, wantErr: `invalid configuration: SUBGATE_SDKAPPID must be the app's SDKAppID, digits only, not "14000x"`},
		{name: "BadSkew", vars: map[string]string{EnvSdkAppID: "1", EnvMaxSkew: "60"}, wantErr: `invalid configuration: SUBGATE_MAX_SKEW must be a Go duration above 0, such as 60s, not "60"`},
		{name: "NegativeSkew", vars: map[string]string{EnvSdkAppID: "1", EnvMaxSkew: "-1s"}, wantErr: `SUBGATE_MAX_SKEW must be a Go duration above 0`},
		{name: "LogIDsFalse", vars: map[string]string{EnvSdkAppID: "1", EnvLogIDs: "false"},
			want: Config{FailMode: FailClosed, Metrics: true, MetricsNamespace: DefaultMetricsNamespace, SdkAppID: "1", MaxSkew: 60 * time.Second, LogLevel: slog.LevelInfo, OmitLogIDs: true, Addr: DefaultAddr, ForwardTimeout: DefaultForwardTimeout}},
		{name: "LogIDsTrue", vars: map[string]string{EnvSdkAppID: "1", EnvLogIDs: "true"},
			want: Config{FailMode: FailClosed, Metrics: true, MetricsNamespace: DefaultMetricsNamespace, SdkAppID: "1", MaxSkew: 60 * time.Second, LogLevel: slog.LevelInfo, Addr: DefaultAddr, ForwardTimeout: DefaultForwardTimeout}},
		{name: "BadLogIDs", vars: map[string]string{EnvSdkAppID: "1", EnvLogIDs: "no"}, wantErr: `invalid configuration: SUBGATE_LOG_IDS must be true or false, not "no"`},
		{name: "FailOpen", vars: map[string]string{EnvSdkAppID: "1", EnvFailMode: " Open "},
			want: Config{FailMode: FailOpen, Metrics: true, MetricsNamespace: DefaultMetricsNamespace, SdkAppID: "1", MaxSkew: 60 * time.Second, LogLevel: slog.LevelInfo, Addr: DefaultAddr, ForwardTimeout: DefaultForwardTimeout}},
		{name: "FailClosed", vars: map[string]string{EnvSdkAppID: "1", EnvFailMode: "closed"},
			want: Config{FailMode: FailClosed, Metrics: true, MetricsNamespace: DefaultMetricsNamespace, SdkAppID: "1", MaxSkew: 60 * time.Second, LogLevel: slog.LevelInfo, Addr: DefaultAddr, ForwardTimeout: DefaultForwardTimeout}},
		{name: "MetricsSettings", vars: map[string]string{EnvSdkAppID: "1", EnvMetrics: "false", EnvMetricsNamespace: "chat/subgate-prod", EnvMetricsAddr: "127.0.0.1:9090"},
			want: Config{FailMode: FailClosed, Metrics: false, MetricsNamespace: "chat/subgate-prod", MetricsAddr: "127.0.0.1:9090", SdkAppID: "1", MaxSkew: 60 * time.Second, LogLevel: slog.LevelInfo, Addr: DefaultAddr, ForwardTimeout: DefaultForwardTimeout}},
		{name: "BadMetrics", vars: map[string]string{EnvSdkAppID: "1", EnvMetrics: "off"}, wantErr: `invalid configuration: SUBGATE_METRICS must be true or false, not "off"`},
		{name: "AWSNamespace", vars: map[string]string{EnvSdkAppID: "1", EnvMetricsNamespace: "AWS/Lambda"}, wantErr: `SUBGATE_METRICS_NAMESPACE must be a CloudWatch namespace`},
		{name: "NamespaceWithSpace", vars: map[string]string{EnvSdkAppID: "1", EnvMetricsNamespace: "sub gate"}, wantErr: `SUBGATE_METRICS_NAMESPACE must be a CloudWatch namespace`},
		{name: "MetricsOnTheWebhooksAddress", vars: map[string]string{EnvSdkAppID: "1", EnvMetricsAddr: DefaultAddr}, wantErr: `invalid configuration: SUBGATE_METRICS_ADDR is SUBGATE_ADDR's address: /metrics is served on a listener of its own, never on the webhook's`},
		{name: "BadFailMode", vars: map[string]string{EnvSdkAppID: "1", EnvFailMode: "allow"}, wantErr: `invalid configuration: SUBGATE_FAIL_MODE must be closed or open, not "allow"`},
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

// The fail mode is read before anything else, and kept when another variable is wrong: a gate that
// cannot start answers by it. A value it refuses reads as closed.
func TestFailModeSurvivesOtherErrors(t *testing.T) {
	c, err := FromEnv(env(map[string]string{EnvFailMode: "open"}))
	require.ErrorIs(t, err, ErrInvalid)
	assert.Contains(t, err.Error(), EnvSdkAppID)
	assert.Equal(t, FailOpen, c.FailMode)

	c, err = FromEnv(env(map[string]string{EnvSdkAppID: "1", EnvFailMode: "opne"}))
	require.ErrorIs(t, err, ErrInvalid)
	assert.Equal(t, FailClosed, c.FailMode)

	// So are the metrics' settings: an undecided answer is still counted.
	c, err = FromEnv(env(map[string]string{EnvFailMode: "opne", EnvMetricsNamespace: "chat", EnvMetrics: "false"}))
	require.ErrorIs(t, err, ErrInvalid)
	assert.Equal(t, "chat", c.MetricsNamespace)
	assert.False(t, c.Metrics)
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// policySource is the part of a Config that says where the policy is fetched from, and how.
type policySource struct {
	PolicyFile, PolicyURL, S3Endpoint, S3Region string
	S3PathStyle                                 bool
	PolicyRefresh, PolicyFetchTimeout           time.Duration
	PolicyMaxBytes                              int64
	FunctionMemoryMB                            int
}

// TestFromEnvPolicyStore: config reads the policy store's variables as they are, each of its type;
// the store and the source judge the values (see pkg/source's TestNewRefusesFromEnv).
func TestFromEnvPolicyStore(t *testing.T) {
	tests := []struct {
		name    string
		vars    map[string]string
		want    policySource
		wantErr string
	}{
		{name: "NoURL", vars: map[string]string{}},
		{name: "S3WithAWSRegion", vars: map[string]string{EnvPolicyURL: "s3://my-bucket/subgate/policy.bundle", EnvAWSRegion: "eu-west-1"},
			want: policySource{PolicyURL: "s3://my-bucket/subgate/policy.bundle", S3Region: "eu-west-1"}},
		{name: "S3RegionWinsOverAWSRegion", vars: map[string]string{EnvPolicyURL: "s3://b/k", EnvS3Region: "ap-guangzhou", EnvAWSRegion: "eu-west-1"},
			want: policySource{PolicyURL: "s3://b/k", S3Region: "ap-guangzhou"}},
		{name: "COS", vars: map[string]string{EnvPolicyURL: " s3://subgate-1250000000/policy.bundle ", EnvS3Endpoint: "https://cos.ap-guangzhou.myqcloud.com",
			EnvS3Region: "ap-guangzhou", EnvPolicyRefresh: "1m", EnvPolicyFetchTimeout: "1500ms", EnvPolicyFile: "policy.yaml"},
			want: policySource{PolicyFile: "policy.yaml", PolicyURL: "s3://subgate-1250000000/policy.bundle", S3Endpoint: "https://cos.ap-guangzhou.myqcloud.com",
				S3Region: "ap-guangzhou", PolicyRefresh: time.Minute, PolicyFetchTimeout: 1500 * time.Millisecond}},
		{name: "LoopbackStorePathStyle", vars: map[string]string{EnvPolicyURL: "s3://b/k", EnvS3Endpoint: "http://127.0.0.1:9000", EnvS3Region: "us-east-1", EnvS3PathStyle: "TRUE"},
			want: policySource{PolicyURL: "s3://b/k", S3Endpoint: "http://127.0.0.1:9000", S3Region: "us-east-1", S3PathStyle: true}},
		{name: "PathStyleFalse", vars: map[string]string{EnvS3PathStyle: "false"}},
		{name: "AsGiven", vars: map[string]string{EnvPolicyURL: "gs://b/k", EnvS3Endpoint: "ftp://x", EnvS3Region: "-us", EnvPolicyRefresh: "1s", EnvPolicyFetchTimeout: "1h"},
			want: policySource{PolicyURL: "gs://b/k", S3Endpoint: "ftp://x", S3Region: "-us", PolicyRefresh: time.Second, PolicyFetchTimeout: time.Hour}},
		{name: "MaxBytes", vars: map[string]string{EnvPolicyMaxBytes: " 33554432 "}, want: policySource{PolicyMaxBytes: 32 << 20}},
		{name: "LambdaMemory", vars: map[string]string{EnvLambdaMemory: "128"}, want: policySource{FunctionMemoryMB: 128}},
		{name: "SCFMemory", vars: map[string]string{EnvSCFMemory: "64"}, want: policySource{FunctionMemoryMB: 64}},
		{name: "LambdaMemoryFirst", vars: map[string]string{EnvLambdaMemory: "160", EnvSCFMemory: "64"}, want: policySource{FunctionMemoryMB: 160}},

		{name: "PathStyleYes", vars: map[string]string{EnvS3PathStyle: "yes"},
			wantErr: `invalid configuration: SUBGATE_S3_PATH_STYLE must be true or false, not "yes"`},
		{name: "RefreshNotDuration", vars: map[string]string{EnvPolicyRefresh: "30"},
			wantErr: `invalid configuration: SUBGATE_POLICY_REFRESH must be a Go duration above 0, such as 30s or 5m, not "30"`},
		{name: "RefreshNegative", vars: map[string]string{EnvPolicyRefresh: "-30s"},
			wantErr: `invalid configuration: SUBGATE_POLICY_REFRESH must be a Go duration above 0, such as 30s or 5m, not "-30s"`},
		{name: "FetchTimeoutZero", vars: map[string]string{EnvPolicyFetchTimeout: "0s"},
			wantErr: `invalid configuration: SUBGATE_POLICY_FETCH_TIMEOUT must be a Go duration above 0, such as 1s or 1500ms, not "0s"`},
		{name: "MaxBytesWithUnit", vars: map[string]string{EnvPolicyMaxBytes: "32MiB"},
			wantErr: `invalid configuration: SUBGATE_POLICY_MAX_BYTES must be a whole number of bytes above 0, such as 33554432 (32 MiB), not "32MiB"`},
		{name: "MaxBytesZero", vars: map[string]string{EnvPolicyMaxBytes: "0"},
			wantErr: `invalid configuration: SUBGATE_POLICY_MAX_BYTES must be a whole number of bytes above 0, such as 33554432 (32 MiB), not "0"`},
		{name: "LambdaMemoryNotANumber", vars: map[string]string{EnvLambdaMemory: "128MB"},
			wantErr: `invalid configuration: AWS_LAMBDA_FUNCTION_MEMORY_SIZE must be the function's memory, a whole number of MB, not "128MB"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]string{EnvSdkAppID: "1400000001"}
			for k, v := range tt.vars {
				vars[k] = v
			}
			c, err := FromEnv(env(vars))
			if tt.wantErr != "" {
				require.ErrorIs(t, err, ErrInvalid)
				assert.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, policySource{PolicyFile: c.PolicyFile, PolicyURL: c.PolicyURL, S3Endpoint: c.S3Endpoint, S3Region: c.S3Region,
				S3PathStyle: c.S3PathStyle, PolicyRefresh: c.PolicyRefresh, PolicyFetchTimeout: c.PolicyFetchTimeout,
				PolicyMaxBytes: c.PolicyMaxBytes, FunctionMemoryMB: c.FunctionMemoryMB})
		})
	}
}

// TestVariablesAreDistinct: every variable is listed once, and each is subgate's own.
func TestVariablesAreDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range Variables {
		assert.False(t, seen[v], "%s is listed twice", v)
		seen[v] = true
		assert.Regexp(t, `^SUBGATE_[A-Z0-9_]+$`, v)
	}
	for _, v := range []string{EnvPolicyURL, EnvS3Endpoint, EnvS3Region, EnvS3PathStyle, EnvPolicyRefresh, EnvPolicyFetchTimeout, EnvPolicyMaxBytes} {
		assert.True(t, seen[v], "%s is missing", v)
	}
}
