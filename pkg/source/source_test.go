package source

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/syncbuf"
	"github.com/subgate/subgate/pkg/bundle"
	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/policy"
)

// logBuffer collects the JSON lines a source writes, for the tests to read while it runs.
type logBuffer struct {
	syncbuf.Buffer
}

// lines returns the lines logged with msg, decoded.
func (b *logBuffer) lines(t *testing.T, msg string) []map[string]any {
	t.Helper()
	var found []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
		if rec["msg"] == msg {
			found = append(found, rec)
		}
	}
	return found
}

// facts are the source's Facts as the start-up line writes them, decoded.
func facts(t *testing.T, s *Source) map[string]any {
	t.Helper()
	var logs logBuffer
	debugLogger(&logs).LogAttrs(context.Background(), slog.LevelInfo, "started", s.Facts()...)
	lines := logs.lines(t, "started")
	require.Len(t, lines, 1)
	return lines[0]
}

func debugLogger(w *logBuffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// revisionOf is the revision an Active gets from the bundle data.
func revisionOf(t *testing.T, data []byte) string {
	t.Helper()
	b, err := bundle.Read(data)
	require.NoError(t, err)
	// The first 12 digits of the bundle's revision: what its policy names too.
	require.True(t, len(b.Revision()) > 12)
	return b.Revision()[:12]
}

func TestStatic(t *testing.T) {
	fileBundle, err := bundle.Make("testdata/policy.yaml", time.Now())
	require.NoError(t, err)

	t.Run("File", func(t *testing.T) {
		var logs logBuffer
		s, err := New(config.Config{PolicyFile: "testdata/policy.yaml"}, debugLogger(&logs))
		require.NoError(t, err)
		a, err := s.Current(context.Background())
		require.NoError(t, err)
		assert.Equal(t, revisionOf(t, fileBundle), a.Revision, "a file has the revision its bundle has")
		assert.Equal(t, "testdata/policy.yaml", a.Origin)
		assert.Equal(t, []string{"spammer42", "jared"}, a.Policy.Decide("@TOA#_any", "107867", []string{"spammer42", "jared", "reader"}).Refused)
		again, err := s.Current(context.Background())
		require.NoError(t, err)
		assert.Same(t, a, again)

		loaded := facts(t, s)
		assert.Equal(t, a.Revision, loaded["policy"])
		assert.Equal(t, "testdata/policy.yaml", loaded["policy_origin"])
		assert.EqualValues(t, a.Policy.Info().Counts.ExactIDs, loaded["exact_ids"])
		assert.Equal(t, "enforce", loaded["mode"])
		assert.Equal(t, false, loaded["indexed"])
		assert.NotContains(t, loaded, "index_ignored", "a policy of fewer than policy.IndexWorthEntries entries needs no index")
		assert.Contains(t, loaded, "load_ms")
		assert.NotContains(t, loaded, "policy_url")
		assert.Empty(t, logs.String(), "a source writes no line of its own when it is made")
	})
	t.Run("IndexWhereItMatters", func(t *testing.T) {
		// A policy of policy.IndexWorthEntries entries or more started without its prepared index
		// says why; then with it, that it was used; and in shadow mode, says so.
		dir := t.TempDir()
		var list strings.Builder
		for i := range policy.IndexWorthEntries {
			fmt.Fprintf(&list, "user_%d\n", i)
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, "big.txt"), []byte(list.String()), 0o644))
		path := filepath.Join(dir, "policy.yaml")
		require.NoError(t, os.WriteFile(path, []byte("mode: shadow\ndeny_file: big.txt\n"), 0o644))
		s, err := New(config.Config{PolicyFile: path}, debugLogger(&logBuffer{}))
		require.NoError(t, err)
		loaded := facts(t, s)
		assert.Equal(t, "shadow", loaded["mode"])
		assert.Equal(t, false, loaded["indexed"])
		assert.Equal(t, "no prepared index: policy.yaml.index", loaded["index_ignored"])

		index, err := policy.Prepare(path)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path+policy.IndexSuffix, index, 0o644))
		s, err = New(config.Config{PolicyFile: path}, debugLogger(&logBuffer{}))
		require.NoError(t, err)
		loaded = facts(t, s)
		assert.Equal(t, true, loaded["indexed"])
		assert.NotContains(t, loaded, "index_ignored")
	})
	t.Run("Inline", func(t *testing.T) {
		// The inline policy has the revision of a bundle of its text, with its list file as the
		// policy names it (relative to the working directory).
		text := "default: allow\ndeny: [jared]\ndeny_file: testdata/lists/banned.txt\n"
		dir := t.TempDir()
		require.NoError(t, os.MkdirAll(filepath.Join(dir, "testdata", "lists"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "policy.yaml"), []byte(text), 0o644))
		list, err := os.ReadFile("testdata/lists/banned.txt")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "testdata", "lists", "banned.txt"), list, 0o644))
		inlineBundle, err := bundle.Make(filepath.Join(dir, "policy.yaml"), time.Now())
		require.NoError(t, err)

		s, err := New(config.Config{Policy: text}, debugLogger(&logBuffer{}))
		require.NoError(t, err)
		a, err := s.Current(context.Background())
		require.NoError(t, err)
		assert.Equal(t, revisionOf(t, inlineBundle), a.Revision)
		assert.Equal(t, "SUBGATE_POLICY", a.Origin)
		assert.Equal(t, []string{"jared", "leckie"}, a.Policy.Decide("@TOA#_any", "107867", []string{"jared", "leckie", "reader"}).Refused)
	})
	t.Run("None", func(t *testing.T) {
		var logs logBuffer
		s, err := New(config.Config{}, debugLogger(&logs))
		require.NoError(t, err)
		a, err := s.Current(context.Background())
		require.NoError(t, err)
		assert.Equal(t, &Active{Policy: a.Policy, Revision: "allow-all", Origin: "allow-all"}, a)
		assert.Empty(t, a.Policy.Decide("@TOA#_any", "107867", []string{"jared"}).Refused)
		s.Prefetch() // nothing to fetch
		assert.Equal(t, "allow-all", facts(t, s)["policy"])
	})
	t.Run("Given", func(t *testing.T) {
		a := &Active{Revision: "0123456789ab", Origin: "a test"}
		got, err := Static(a).Current(context.Background())
		require.NoError(t, err)
		assert.Same(t, a, got)
	})
}

// TestNewRefuses: what cannot decide is a configuration error, naming the variable.
func TestNewRefuses(t *testing.T) {
	loopback := "s3://subgate-test/policy.bundle"
	for _, c := range []struct {
		name string
		cfg  config.Config
		says string
	}{
		{"BrokenFile", config.Config{PolicyFile: "testdata/missing.yaml"},
			"invalid configuration: SUBGATE_POLICY_FILE: policy file: open testdata/missing.yaml: no such file or directory"},
		{"BrokenInline", config.Config{Policy: "defualt: allow"}, `policy SUBGATE_POLICY: line 1: unknown key "defualt"`},
		{"BrokenFallback", config.Config{PolicyURL: loopback, S3Region: "us-east-1", PolicyFile: "testdata/missing.yaml"},
			"invalid configuration: SUBGATE_POLICY_FILE: policy file: open testdata/missing.yaml"},
		{"URLAndInline", config.Config{PolicyURL: loopback, S3Region: "us-east-1", Policy: "deny: [x]"},
			"invalid configuration: SUBGATE_POLICY_URL and SUBGATE_POLICY are both set: use SUBGATE_POLICY_URL"},
		{"FileAndInline", config.Config{PolicyFile: "testdata/policy.yaml", Policy: "deny: [x]"},
			"invalid configuration: SUBGATE_POLICY_FILE and SUBGATE_POLICY are both set: use one"},
		{"RefreshTooShort", config.Config{PolicyURL: loopback, S3Region: "us-east-1", PolicyRefresh: time.Second},
			"invalid configuration: SUBGATE_POLICY_REFRESH must be at least 5s, such as 30s or 5m, not 1s"},
		{"FetchTimeoutTooLong", config.Config{PolicyURL: loopback, S3Region: "us-east-1", PolicyFetchTimeout: 2 * time.Second},
			"invalid configuration: SUBGATE_POLICY_FETCH_TIMEOUT must be above 0 and at most 1.5s (a cold function's first answer waits for the fetch, and Chat waits 2s for it), not 2s"},
		{"FetchTimeoutNegative", config.Config{PolicyURL: loopback, S3Region: "us-east-1", PolicyFetchTimeout: -time.Second},
			"invalid configuration: SUBGATE_POLICY_FETCH_TIMEOUT must be above 0 and at most 1.5s"},
		{"MaxBytesOverTheFormats", config.Config{PolicyURL: loopback, S3Region: "us-east-1", PolicyMaxBytes: 256<<20 + 1},
			"invalid configuration: SUBGATE_POLICY_MAX_BYTES must be above 0 and at most 268435456 (256 MiB, the largest bundle), not 268435457"},
		{"DottedBucketVirtualHosted", config.Config{PolicyURL: "s3://my.bucket/policy.bundle", S3Region: "us-east-1"},
			"invalid configuration: the bucket of s3://my.bucket/policy.bundle has a dot in its name, which https cannot reach as BUCKET.s3.us-east-1.amazonaws.com: set SUBGATE_S3_PATH_STYLE=true"},
		{"BucketName", config.Config{PolicyURL: "s3://my bucket/policy.bundle", S3Region: "us-east-1"},
			"invalid configuration: SUBGATE_POLICY_URL must be s3://BUCKET/KEY (a bucket name of letters, digits, '.', '-' or '_', then a key)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var logs logBuffer
			s, err := New(c.cfg, debugLogger(&logs))
			assert.Nil(t, s)
			require.ErrorIs(t, err, config.ErrInvalid)
			assert.Contains(t, err.Error(), c.says)
		})
	}
}

// TestNewRefusesFromEnv: a configuration error in the policy store's variables is found when the
// gate is built (config.FromEnv, then New, as gate.FromEnv does): it wraps config.ErrInvalid, names
// the variable, and never repeats a URL's query or password.
func TestNewRefusesFromEnv(t *testing.T) {
	const presignedQuery = "X-Amz-Signature=a-secret-signature"
	for _, c := range []struct {
		name string
		vars map[string]string
		says string
	}{
		{"InlinePolicyWithURL", map[string]string{config.EnvPolicyURL: "https://cdn.example.com/p.bundle", config.EnvPolicy: "deny: [x]"},
			"invalid configuration: SUBGATE_POLICY_URL and SUBGATE_POLICY are both set: use SUBGATE_POLICY_URL (and SUBGATE_POLICY_FILE for a fallback used until the first bundle is fetched, if you want one)"},
		{"NotAURL", map[string]string{config.EnvPolicyURL: "my-bucket/policy.bundle"},
			`invalid configuration: SUBGATE_POLICY_URL must be s3://BUCKET/KEY or an https:// URL, not "my-bucket/policy.bundle"`},
		{"OtherScheme", map[string]string{config.EnvPolicyURL: "gs://b/k"},
			`invalid configuration: SUBGATE_POLICY_URL must be s3://BUCKET/KEY or an https:// URL, not "gs://b/k"`},
		{"S3WithoutKey", map[string]string{config.EnvPolicyURL: "s3://my-bucket/", config.EnvAWSRegion: "us-east-1"},
			`invalid configuration: SUBGATE_POLICY_URL must be s3://BUCKET/KEY (a bucket name of letters, digits, '.', '-' or '_', then a key), not "s3://my-bucket/"`},
		{"S3WithoutBucket", map[string]string{config.EnvPolicyURL: "s3:///k", config.EnvAWSRegion: "us-east-1"},
			`invalid configuration: SUBGATE_POLICY_URL must be s3://BUCKET/KEY (a bucket name of letters, digits, '.', '-' or '_', then a key), not "s3:///k"`},
		{"S3BadBucket", map[string]string{config.EnvPolicyURL: "s3://bad!bucket/k", config.EnvAWSRegion: "us-east-1"},
			`invalid configuration: SUBGATE_POLICY_URL must be s3://BUCKET/KEY (a bucket name of letters, digits, '.', '-' or '_', then a key), not "s3://bad!bucket/k"`},
		{"S3WithoutRegion", map[string]string{config.EnvPolicyURL: "s3://b/k"},
			`invalid configuration: SUBGATE_POLICY_URL is an s3:// URL, which needs the store's region: set SUBGATE_S3_REGION (or AWS_REGION) to one such as us-east-1 or ap-guangzhou (the region is "")`},
		{"BadAWSRegion", map[string]string{config.EnvPolicyURL: "s3://b/k", config.EnvAWSRegion: "us east"},
			`(the region is "us east")`},
		{"BadS3Region", map[string]string{config.EnvPolicyURL: "s3://b/k", config.EnvS3Region: "-us-east-1", config.EnvAWSRegion: "us-east-1"},
			`(the region is "-us-east-1")`},
		{"DottedBucketOverHTTPSWithoutPathStyle", map[string]string{config.EnvPolicyURL: "s3://my.bucket/k", config.EnvAWSRegion: "us-east-1"},
			`invalid configuration: the bucket of s3://my.bucket/k has a dot in its name, which https cannot reach as BUCKET.s3.us-east-1.amazonaws.com: set SUBGATE_S3_PATH_STYLE=true`},
		{"PlainHTTP", map[string]string{config.EnvPolicyURL: "http://cdn.example.com/p.bundle?" + presignedQuery},
			`invalid configuration: SUBGATE_POLICY_URL must use https:// (plain http is allowed only to a loopback host), not "http://cdn.example.com/p.bundle?…"`},
		{"UserInURL", map[string]string{config.EnvPolicyURL: "https://user:a-secret-signature@cdn.example.com/p.bundle"},
			`invalid configuration: SUBGATE_POLICY_URL must not carry a user or password (https://cdn.example.com/p.bundle)`},
		{"EndpointPlainHTTP", map[string]string{config.EnvPolicyURL: "s3://b/k", config.EnvS3Region: "ap-guangzhou", config.EnvS3Endpoint: "http://cos.ap-guangzhou.myqcloud.com?" + presignedQuery},
			`invalid configuration: SUBGATE_S3_ENDPOINT must use https:// (plain http is allowed only to a loopback host), not "http://cos.ap-guangzhou.myqcloud.com?…"`},
		{"EndpointWithPath", map[string]string{config.EnvPolicyURL: "s3://b/k", config.EnvS3Region: "ap-guangzhou", config.EnvS3Endpoint: "https://cos.ap-guangzhou.myqcloud.com/bucket"},
			`invalid configuration: SUBGATE_S3_ENDPOINT must be a scheme and a host (and port) only, such as https://cos.ap-guangzhou.myqcloud.com, not "https://cos.ap-guangzhou.myqcloud.com/bucket"`},
		{"EndpointNoScheme", map[string]string{config.EnvPolicyURL: "s3://b/k", config.EnvS3Region: "ap-guangzhou", config.EnvS3Endpoint: "cos.ap-guangzhou.myqcloud.com"},
			`invalid configuration: SUBGATE_S3_ENDPOINT must be an https:// URL such as https://cos.ap-guangzhou.myqcloud.com, not "cos.ap-guangzhou.myqcloud.com"`},
		{"EndpointWithQuery", map[string]string{config.EnvPolicyURL: "s3://b/k", config.EnvS3Region: "ap-guangzhou", config.EnvS3Endpoint: "https://s3.example.com?" + presignedQuery},
			`not "https://s3.example.com?…"`},
		{"RefreshTooShort", map[string]string{config.EnvPolicyURL: "https://cdn.example.com/p.bundle", config.EnvPolicyRefresh: "4999ms"},
			`invalid configuration: SUBGATE_POLICY_REFRESH must be at least 5s, such as 30s or 5m, not 4.999s`},
		{"FetchTimeoutTooLong", map[string]string{config.EnvPolicyURL: "https://cdn.example.com/p.bundle", config.EnvPolicyFetchTimeout: "1501ms"},
			`invalid configuration: SUBGATE_POLICY_FETCH_TIMEOUT must be above 0 and at most 1.5s (a cold function's first answer waits for the fetch, and Chat waits 2s for it), not 1.501s`},
	} {
		t.Run(c.name, func(t *testing.T) {
			vars := map[string]string{config.EnvSdkAppID: "1400000001"}
			for k, v := range c.vars {
				vars[k] = v
			}
			cfg, err := config.FromEnv(func(k string) string { return vars[k] })
			require.NoError(t, err, "config reads the variables; the source and the store judge them")
			var logs logBuffer
			s, err := New(cfg, debugLogger(&logs))
			assert.Nil(t, s)
			require.ErrorIs(t, err, config.ErrInvalid)
			assert.Contains(t, err.Error(), c.says)
			assert.NotContains(t, err.Error(), "a-secret-signature", "a message repeats a URL's query or password")
			assert.Empty(t, logs.String())
		})
	}
}

// TestNewTakes: the policy URL configurations the store and the source accept make a live source,
// which fetches nothing yet; its refresh and fetch timeout are the defaults when not set.
func TestNewTakes(t *testing.T) {
	for _, c := range []struct {
		vars             map[string]string
		refresh, timeout string
	}{
		{map[string]string{config.EnvPolicyURL: "s3://my-bucket/subgate/policy.bundle", config.EnvAWSRegion: "eu-west-1"}, "30s", "1s"},
		{map[string]string{config.EnvPolicyURL: "s3://subgate-1250000000/policy.bundle", config.EnvS3Endpoint: "https://cos.ap-guangzhou.myqcloud.com",
			config.EnvS3Region: "ap-guangzhou", config.EnvPolicyFile: "testdata/policy.yaml", config.EnvPolicyRefresh: "5s", config.EnvPolicyFetchTimeout: "1500ms"}, "5s", "1.5s"},
		{map[string]string{config.EnvPolicyURL: "s3://my.bucket/p.bundle", config.EnvS3Endpoint: "http://127.0.0.1:9000", config.EnvS3Region: "us-east-1", config.EnvS3PathStyle: "true"}, "30s", "1s"},
		{map[string]string{config.EnvPolicyURL: "https://cdn.example.com/policy.bundle?X-Amz-Signature=a-secret-signature", config.EnvPolicyFetchTimeout: "1ms"}, "30s", "1ms"},
		{map[string]string{config.EnvPolicyURL: "http://[::1]:8000/policy.bundle", config.EnvS3Region: "not a region", config.EnvS3Endpoint: "not an endpoint"}, "30s", "1s"},
	} {
		c.vars[config.EnvSdkAppID] = "1400000001"
		cfg, err := config.FromEnv(func(k string) string { return c.vars[k] })
		require.NoError(t, err, c.vars)
		var logs logBuffer
		s, err := New(cfg, debugLogger(&logs))
		require.NoError(t, err, c.vars)
		require.NotNil(t, s.live, c.vars)
		started := facts(t, s)
		assert.Equal(t, c.refresh, started["refresh"])
		assert.Equal(t, c.timeout, started["fetch_timeout"])
		assert.EqualValues(t, DefaultMaxBytes, started["max_bytes"])
		assert.Equal(t, "the default (the platform does not say the function's memory)", started["max_bytes_from"])
		assert.NotContains(t, started["policy_url"], "a-secret-signature")
		assert.NotContains(t, logs.String(), "a-secret-signature", "the log shows a URL's query")
		assert.Empty(t, logs.lines(t, "policy swapped"))
		assert.Empty(t, logs.lines(t, "policy refresh failed"), "New fetches nothing")
	}
}

func TestFindPolicyFile(t *testing.T) {
	exeDir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(exeDir, "policy.yaml"), []byte("default: allow\n"), 0o644))
	assert.Equal(t, filepath.Join(exeDir, "policy.yaml"), findPolicyFile("policy.yaml", exeDir), "beside the executable")
	assert.Equal(t, "source_test.go", findPolicyFile("source_test.go", exeDir), "the working directory first")
	assert.Equal(t, "missing.yaml", findPolicyFile("missing.yaml", exeDir), "not found: the path as given, for the error")
	assert.Equal(t, "/abs/policy.yaml", findPolicyFile("/abs/policy.yaml", exeDir))
	assert.Equal(t, "policy.yaml", findPolicyFile("policy.yaml", ""), "no executable's folder")
}

// TestMaxBytes: the cap on a fetched bundle follows the function's memory where the platform says
// it, so that a bundle within it loads beside the one deciding (3 bytes of memory per bundle
// byte, measured, beside the function's own); SUBGATE_POLICY_MAX_BYTES sets it; elsewhere it is
// DefaultMaxBytes.
func TestMaxBytes(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		cfg  config.Config
		want int64
		from string
	}{
		{config.Config{}, 64 * mib, "the default (the platform does not say the function's memory)"},
		{config.Config{FunctionMemoryMB: 64}, 40 * mib / 3, "the function's memory (64 MB)"},
		{config.Config{FunctionMemoryMB: 128}, 104 * mib / 3, "the function's memory (128 MB)"},
		{config.Config{FunctionMemoryMB: 160}, 136 * mib / 3, "the function's memory (160 MB)"},
		{config.Config{FunctionMemoryMB: 256}, 232 * mib / 3, "the function's memory (256 MB)"},
		{config.Config{FunctionMemoryMB: 10240}, 256 * mib, "the function's memory (10240 MB)"}, // the bundle format's limit
		{config.Config{FunctionMemoryMB: 16}, 4 * mib, "the function's memory (16 MB)"},         // less than the function needs for itself
		{config.Config{FunctionMemoryMB: 128, PolicyMaxBytes: 1000}, 1000, "SUBGATE_POLICY_MAX_BYTES"},
		{config.Config{PolicyMaxBytes: 256 * mib}, 256 * mib, "SUBGATE_POLICY_MAX_BYTES"},
	} {
		got, from := maxBytes(c.cfg)
		assert.Equal(t, c.want, got, "%+v", c.cfg)
		assert.Equal(t, c.from, from)
	}
	// A bundle at the cap fits beside another in the memory measured for the 45.6 MB one.
	const measuredPeak, measuredBundle, ownRSS = 143.8 * mib, 43.5 * mib, 12.5 * mib
	for _, memoryMB := range []int{64, 128, 160, 256, 1024} {
		capBytes, _ := maxBytes(config.Config{FunctionMemoryMB: memoryMB})
		peak := ownRSS + float64(capBytes)*(measuredPeak-ownRSS)/measuredBundle
		assert.Less(t, peak, float64(memoryMB)*mib, "%d MB", memoryMB)
	}
}
