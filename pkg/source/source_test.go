package source

import (
	"context"
	"encoding/json"
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
		assert.Equal(t, false, loaded["indexed"])
		assert.Equal(t, "no prepared index: policy.yaml.index", loaded["index_ignored"])
		assert.Contains(t, loaded, "load_ms")
		assert.NotContains(t, loaded, "policy_url")
		assert.Empty(t, logs.String(), "a source writes no line of its own when it is made")
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
		{"RefreshTooShort", config.Config{PolicyURL: loopback, S3Region: "us-east-1", PolicyRefresh: time.Second},
			"invalid configuration: SUBGATE_POLICY_REFRESH must be at least 5s, not 1s"},
		{"FetchTimeoutTooLong", config.Config{PolicyURL: loopback, S3Region: "us-east-1", PolicyFetchTimeout: 2 * time.Second},
			"invalid configuration: SUBGATE_POLICY_FETCH_TIMEOUT must be above 0 and at most 1.5s, not 2s"},
		// config.FromEnv lets the store judge the bucket's name; the store refuses it here.
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

// TestNewTakesWhatConfigTakes: every policy URL configuration config.FromEnv accepts makes a
// source (the store's own checks agree with the configuration's), and fetches nothing yet.
func TestNewTakesWhatConfigTakes(t *testing.T) {
	for _, vars := range []map[string]string{
		{config.EnvPolicyURL: "s3://my-bucket/subgate/policy.bundle", config.EnvAWSRegion: "eu-west-1"},
		{config.EnvPolicyURL: "s3://subgate-1250000000/policy.bundle", config.EnvS3Endpoint: "https://cos.ap-guangzhou.myqcloud.com",
			config.EnvS3Region: "ap-guangzhou", config.EnvPolicyFile: "testdata/policy.yaml", config.EnvPolicyRefresh: "5s", config.EnvPolicyFetchTimeout: "1500ms"},
		{config.EnvPolicyURL: "s3://my.bucket/p.bundle", config.EnvS3Endpoint: "http://127.0.0.1:9000", config.EnvS3Region: "us-east-1", config.EnvS3PathStyle: "true"},
		{config.EnvPolicyURL: "https://cdn.example.com/policy.bundle?X-Amz-Signature=a-secret-signature"},
		{config.EnvPolicyURL: "http://[::1]:8000/policy.bundle"},
	} {
		vars[config.EnvSdkAppID] = "1400000001"
		cfg, err := config.FromEnv(func(k string) string { return vars[k] })
		require.NoError(t, err, vars)
		var logs logBuffer
		s, err := New(cfg, debugLogger(&logs))
		require.NoError(t, err, vars)
		require.NotNil(t, s.live, vars)
		started := facts(t, s)
		assert.Equal(t, cfg.PolicyRefresh.String(), started["refresh"])
		assert.NotContains(t, started["policy_url"], "a-secret-signature")
		assert.NotContains(t, logs.String(), "a-secret-signature", "the log shows a URL's query")
		assert.Empty(t, logs.lines(t, "policy swapped"))
		assert.Empty(t, logs.lines(t, "policy refresh failed"), "New fetches nothing")
	}
}
