package store

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/teststore"
	"github.com/subgate/subgate/pkg/bundle"
)

const key = "subgate/policy.bundle"

// rootKeys signs with the test server's keys.
func rootKeys() (Credentials, error) {
	return Credentials{AccessKeyID: teststore.AccessKey, SecretAccessKey: teststore.SecretKey}, nil
}

// onServer is the settings of a path-style fetch of key from s, signed with its root keys.
func onServer(s *teststore.Server) Settings {
	return Settings{URL: s.URL(key), Endpoint: s.Endpoint, Region: teststore.Region, PathStyle: true, Credentials: rootKeys}
}

func newFetcher(t *testing.T, s Settings) *Fetcher {
	t.Helper()
	f, err := New(s)
	require.NoError(t, err)
	return f
}

func fetch(t *testing.T, f *Fetcher, etag string) (Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return f.Fetch(ctx, etag)
}

// failsWith checks that err is of kind, and that its message holds none of secrets.
func failsWith(t *testing.T, err error, kind error, secrets ...string) string {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, kind)
	for _, s := range append(secrets, teststore.SecretKey) {
		assert.NotContains(t, err.Error(), s, "the message holds a credential")
	}
	return err.Error()
}

func TestFetchConditionally(t *testing.T) {
	s := teststore.Start(t)
	first := bytes.Repeat([]byte("first bundle "), 1000)
	etag := s.Put(t, key, first)
	f := newFetcher(t, onServer(s))

	got, err := fetch(t, f, "")
	require.NoError(t, err)
	assert.Equal(t, Result{Body: first, ETag: etag}, got)

	got, err = fetch(t, f, etag)
	require.NoError(t, err)
	assert.Equal(t, Result{NotModified: true, ETag: etag}, got, "a 304 is unchanged, with no body")

	second := []byte("second bundle")
	newETag := s.Put(t, key, second)
	require.NotEqual(t, etag, newETag)
	got, err = fetch(t, f, etag)
	require.NoError(t, err)
	assert.Equal(t, Result{Body: second, ETag: newETag}, got, "an overwrite is fetched with its new ETag")

	got, err = fetch(t, f, `"some other etag"`)
	require.NoError(t, err)
	assert.Equal(t, second, got.Body)

	s.Delete(t, key)
	_, err = fetch(t, f, newETag)
	msg := failsWith(t, err, ErrNotFound)
	assert.Contains(t, msg, "no bundle at the policy URL: GET s3://subgate-test/subgate/policy.bundle ("+s.Endpoint+"/subgate-test/subgate/policy.bundle): 404 Not Found: NoSuchKey")
}

func TestFetchWithWrongKeys(t *testing.T) {
	s := teststore.Start(t)
	s.Put(t, key, []byte("bundle"))
	for _, c := range []struct {
		name  string
		creds Credentials
		kind  error
		says  string
	}{
		{"WrongSecret", Credentials{AccessKeyID: teststore.AccessKey, SecretAccessKey: "not-the-secret-key"},
			ErrForbidden, "403 Forbidden: SignatureDoesNotMatch"},
		// S3 answers a session token it cannot use (expired, malformed) with 400 ExpiredToken or
		// InvalidToken; versitygw refuses every token so.
		{"SessionToken", Credentials{AccessKeyID: teststore.AccessKey, SecretAccessKey: teststore.SecretKey, SessionToken: "a-session-token"},
			ErrForbidden, "400 Bad Request: InvalidToken"},
		// Where S3 answers 403 InvalidAccessKeyId, versitygw answers 404: the message says why.
		{"UnknownKey", Credentials{AccessKeyID: "AKIDUNKNOWN", SecretAccessKey: "not-the-secret-key"},
			ErrNotFound, "404 Not Found: XAdminUserNotFound: No user exists with the provided access key ID."},
	} {
		t.Run(c.name, func(t *testing.T) {
			settings := onServer(s)
			settings.Credentials = func() (Credentials, error) { return c.creds, nil }
			_, err := fetch(t, newFetcher(t, settings), "")
			msg := failsWith(t, err, c.kind, c.creds.SecretAccessKey, "a-session-token")
			assert.Contains(t, msg, c.says)
		})
	}
}

func TestFetchFromAStoppedServer(t *testing.T) {
	s := teststore.Start(t)
	s.Put(t, key, []byte("bundle"))
	f := newFetcher(t, onServer(s))
	s.Stop()
	_, err := fetch(t, f, "")
	msg := failsWith(t, err, ErrUnreachable)
	assert.Contains(t, msg, "connection refused")

	s.Restart(t)
	got, err := fetch(t, f, "")
	require.NoError(t, err, "the next fetch after the store is back succeeds")
	assert.Equal(t, []byte("bundle"), got.Body)
}

func TestFetchFromAStallingStore(t *testing.T) {
	s := teststore.Start(t)
	s.Put(t, key, bytes.Repeat([]byte("x"), 100_000))
	proxy := teststore.NewProxy(t, s.Addr)
	settings := onServer(s)
	settings.Endpoint = "http://" + proxy.Addr
	f := newFetcher(t, settings)

	for name, stallAt := range map[string]int{"NoAnswer": 0, "MidBody": 5000} {
		t.Run(name, func(t *testing.T) {
			proxy.Stall(stallAt)
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			_, err := f.Fetch(ctx, "")
			failsWith(t, err, ErrTimeout)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			assert.Error(t, ctx.Err(), "Fetch returned because the context's deadline passed")
		})
	}
	proxy.Resume()
	got, err := fetch(t, f, "")
	require.NoError(t, err)
	assert.Len(t, got.Body, 100_000)
}

func TestFetchRefusesBodiesOverTheLimit(t *testing.T) {
	s := teststore.Start(t)
	s.Put(t, key, make([]byte, 1001))
	settings := onServer(s)
	settings.MaxSize = 1000
	_, err := fetch(t, newFetcher(t, settings), "")
	assert.Contains(t, failsWith(t, err, ErrTooBig), "the body is 1001 bytes; the limit is 1000")

	s.Put(t, key, make([]byte, 1000))
	got, err := fetch(t, newFetcher(t, settings), "")
	require.NoError(t, err)
	assert.Len(t, got.Body, 1000)

	// Without a Content-Length (chunked), reading stops one byte past the limit.
	endless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		chunk := make([]byte, 512)
		for range 100 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	}))
	defer endless.Close()
	_, err = fetch(t, newFetcher(t, Settings{URL: endless.URL + "/policy.bundle", MaxSize: 1000}), "")
	assert.Contains(t, failsWith(t, err, ErrTooBig), "the body is over the limit of 1000 bytes")

	assert.Equal(t, int64(bundle.MaxSize), int64(DefaultMaxSize), "the default limit is the bundle format's")
}

// TestFetchWithALyingContentLength: the body is read with the limit, never into a buffer of the
// size the store announces: an announcement over the limit is refused at once, one under it costs
// what the body is, not what was announced.
func TestFetchWithALyingContentLength(t *testing.T) {
	s := teststore.Start(t)
	object := bytes.Repeat([]byte("a bundle "), 1000) // 9,000 bytes
	s.Put(t, key, object)
	proxy := teststore.NewProxy(t, s.Addr)
	settings := onServer(s)
	settings.Endpoint = "http://" + proxy.Addr
	settings.MaxSize = 200 << 20
	f := newFetcher(t, settings)

	// allocated is how many bytes fetch allocated on the heap (it and this test's goroutines).
	allocated := func(fetch func()) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		fetch()
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}

	proxy.Announce(1 << 40)
	var err error
	took := allocated(func() { _, err = fetch(t, f, "") })
	assert.Contains(t, failsWith(t, err, ErrTooBig), "the body is 1099511627776 bytes; the limit is 209715200")
	assert.Less(t, took, uint64(1<<20))

	proxy.Announce(150 << 20) // under the limit, and far over the body
	took = allocated(func() { _, err = fetch(t, f, "") })
	msg := failsWith(t, err, ErrUnreachable)
	assert.Contains(t, msg, "reading the body of s3://subgate-test/subgate/policy.bundle")
	assert.Contains(t, msg, "unexpected EOF")
	assert.Less(t, took, uint64(1<<20), "the buffer is the body's size, not the announced one")

	proxy.Announce(1000) // under the body: net/http reads what was announced
	got, err := fetch(t, f, "")
	require.NoError(t, err)
	assert.Equal(t, object[:1000], got.Body, "cut short: the caller finds it no bundle")

	proxy.Resume()
	got, err = fetch(t, f, "")
	require.NoError(t, err)
	assert.Equal(t, object, got.Body)
}

func TestFetchVirtualHosted(t *testing.T) {
	s := teststore.Start(t)
	s.Put(t, key, []byte("virtual-hosted"))
	_, port, err := net.SplitHostPort(s.Addr)
	require.NoError(t, err)
	// versitygw serves BUCKET.localhost as the bucket (--virtual-domain localhost); the name is
	// dialled at the server's address instead of being looked up.
	dialer := &net.Dialer{}
	settings := Settings{URL: s.URL(key), Endpoint: "http://localhost:" + port, Region: teststore.Region, Credentials: rootKeys,
		HTTPClient: &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, s.Addr)
		}}}}
	f := newFetcher(t, settings)
	assert.Equal(t, "s3://subgate-test/subgate/policy.bundle (http://subgate-test.localhost:"+port+"/subgate/policy.bundle)", f.Where())
	got, err := fetch(t, f, "")
	require.NoError(t, err)
	assert.Equal(t, []byte("virtual-hosted"), got.Body)
}

func TestFetchKeysThatNeedEscaping(t *testing.T) {
	s := teststore.Start(t)
	for _, k := range []string{"policies/a b+c.bundle", "policies/ünïcode (1)!.bundle", "policies/100%/x=y&z.bundle"} {
		s.Put(t, strings.ReplaceAll(escapeKey(k), "%2F", "/"), []byte(k))
		settings := onServer(s)
		settings.URL = s.URL(k)
		got, err := fetch(t, newFetcher(t, settings), "")
		require.NoError(t, err, k)
		assert.Equal(t, []byte(k), got.Body, k)
	}
}

// TestFetchWithSCFCredentials: SCF hands the function its role's keys in each invoke request's
// environment, which scf-go-lib copies into the process's; they are read at each fetch.
func TestFetchWithSCFCredentials(t *testing.T) {
	s := teststore.Start(t)
	s.Put(t, key, []byte("bundle"))
	t.Setenv(EnvAWSAccessKeyID, "")
	t.Setenv(EnvTencentSecretID, teststore.AccessKey)
	t.Setenv(EnvTencentSecretKey, "an-expired-secret")
	t.Setenv(EnvTencentToken, "")
	settings := onServer(s)
	settings.Credentials = nil // EnvCredentials(os.Getenv)
	f := newFetcher(t, settings)
	_, err := fetch(t, f, "")
	failsWith(t, err, ErrForbidden, "an-expired-secret")

	t.Setenv(EnvTencentSecretKey, teststore.SecretKey) // the next invocation brings new keys
	got, err := fetch(t, f, "")
	require.NoError(t, err)
	assert.Equal(t, []byte("bundle"), got.Body)

	t.Setenv(EnvTencentToken, "a-session-token") // sent as X-Amz-Security-Token, which versitygw refuses
	_, err = fetch(t, f, "")
	failsWith(t, err, ErrForbidden, "a-session-token")

	t.Setenv(EnvTencentSecretID, "")
	_, err = fetch(t, f, "")
	assert.Contains(t, failsWith(t, err, ErrNoCredentials), "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
}

func TestFetchConcurrently(t *testing.T) {
	s := teststore.Start(t)
	etag := s.Put(t, key, []byte("bundle"))
	f := newFetcher(t, onServer(s))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			tag := ""
			if i%2 == 0 {
				tag = etag
			}
			got, err := fetch(t, f, tag)
			assert.NoError(t, err)
			assert.Equal(t, etag, got.ETag)
		})
	}
	wg.Wait()
}

func TestFetchHTTPS(t *testing.T) {
	body := []byte("bundle over https")
	var sawIfNoneMatch []string
	var mu sync.Mutex
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		sawIfNoneMatch = append(sawIfNoneMatch, r.Header.Get("If-None-Match"))
		mu.Unlock()
		switch r.URL.Path {
		case "/policy.bundle":
			w.Header().Set("ETag", `"v1"`)
			http.ServeContent(w, r, "policy.bundle", time.Time{}, bytes.NewReader(body))
		case "/moved":
			http.Redirect(w, r, "/policy.bundle", http.StatusFound)
		case "/to-plain-http":
			http.Redirect(w, r, "http://bundles.example.com/policy.bundle", http.StatusFound)
		case "/forbidden":
			http.Error(w, "no", http.StatusForbidden)
		default:
			http.Error(w, "broken", http.StatusBadGateway)
		}
	}))
	defer srv.Close()
	settings := func(path string) Settings {
		return Settings{URL: srv.URL + path, HTTPClient: srv.Client(), Credentials: func() (Credentials, error) {
			t.Error("an https:// location is not signed")
			return Credentials{}, nil
		}}
	}

	f := newFetcher(t, settings("/policy.bundle?token=SECRET-TOKEN"))
	got, err := fetch(t, f, "")
	require.NoError(t, err)
	assert.Equal(t, Result{Body: body, ETag: `"v1"`}, got)
	got, err = fetch(t, f, `"v1"`)
	require.NoError(t, err)
	assert.Equal(t, Result{NotModified: true, ETag: `"v1"`}, got)
	assert.Equal(t, []string{"", `"v1"`}, sawIfNoneMatch)
	assert.Equal(t, srv.URL+"/policy.bundle?…", f.Where(), "the query is not shown: it may be a credential")

	got, err = fetch(t, newFetcher(t, settings("/moved")), "")
	require.NoError(t, err)
	assert.Equal(t, body, got.Body, "a redirect to https is followed")

	_, err = fetch(t, newFetcher(t, settings("/to-plain-http?sig=SECRET-SIG")), "")
	assert.Contains(t, failsWith(t, err, ErrUnexpected, "SECRET-SIG"), "redirected to http://bundles.example.com/policy.bundle: a bundle is fetched over https only")

	_, err = fetch(t, newFetcher(t, settings("/forbidden")), "")
	assert.Equal(t, "policy store refused access: GET "+srv.URL+"/forbidden: 403 Forbidden", failsWith(t, err, ErrForbidden))
	_, err = fetch(t, newFetcher(t, settings("/broken")), "")
	assert.Equal(t, "policy store failed: GET "+srv.URL+"/broken: 502 Bad Gateway", failsWith(t, err, ErrServer))

	srv.Close()
	_, err = fetch(t, f, "")
	failsWith(t, err, ErrUnreachable, "SECRET-TOKEN")
}

func TestLocations(t *testing.T) {
	for _, c := range []struct {
		name  string
		s     Settings
		where string
	}{
		{"AmazonS3", Settings{URL: "s3://my-bucket/subgate/policy.bundle", Region: "eu-west-1"},
			"s3://my-bucket/subgate/policy.bundle (https://my-bucket.s3.eu-west-1.amazonaws.com/subgate/policy.bundle)"},
		{"AmazonS3China", Settings{URL: "s3://my-bucket/p.bundle", Region: "cn-north-1"},
			"s3://my-bucket/p.bundle (https://my-bucket.s3.cn-north-1.amazonaws.com.cn/p.bundle)"},
		{"AmazonS3PathStyle", Settings{URL: "s3://my.dotted.bucket/p.bundle", Region: "us-east-1", PathStyle: true},
			"s3://my.dotted.bucket/p.bundle (https://s3.us-east-1.amazonaws.com/my.dotted.bucket/p.bundle)"},
		{"COS", Settings{URL: "s3://subgate-1250000000/subgate/policy.bundle", Region: "ap-guangzhou", Endpoint: "https://cos.ap-guangzhou.myqcloud.com"},
			"s3://subgate-1250000000/subgate/policy.bundle (https://subgate-1250000000.cos.ap-guangzhou.myqcloud.com/subgate/policy.bundle)"},
		{"COSWithSlash", Settings{URL: "s3://subgate-1250000000/p.bundle", Region: "ap-guangzhou", Endpoint: "https://cos.ap-guangzhou.myqcloud.com/"},
			"s3://subgate-1250000000/p.bundle (https://subgate-1250000000.cos.ap-guangzhou.myqcloud.com/p.bundle)"},
		{"EscapedKey", Settings{URL: "s3://b1/dir/a b+ü.bundle", Region: "us-east-1"},
			"s3://b1/dir/a b+ü.bundle (https://b1.s3.us-east-1.amazonaws.com/dir/a%20b%2B%C3%BC.bundle)"},
		{"LoopbackPathStyle", Settings{URL: "s3://b1/k", Region: "us-east-1", Endpoint: "http://127.0.0.1:9000", PathStyle: true},
			"s3://b1/k (http://127.0.0.1:9000/b1/k)"},
		{"LoopbackIPv6", Settings{URL: "s3://b1/k", Region: "us-east-1", Endpoint: "http://[::1]:9000", PathStyle: true},
			"s3://b1/k (http://[::1]:9000/b1/k)"},
		{"HTTPS", Settings{URL: "https://cdn.example.com/subgate/policy.bundle"}, "https://cdn.example.com/subgate/policy.bundle"},
		{"HTTPLoopback", Settings{URL: "http://localhost:8080/policy.bundle"}, "http://localhost:8080/policy.bundle"},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.where, newFetcher(t, c.s).Where())
		})
	}
}

func TestSettingsRefused(t *testing.T) {
	for _, c := range []struct {
		name string
		s    Settings
		err  string
	}{
		{"NoURL", Settings{}, `SUBGATE_POLICY_URL must be s3://BUCKET/KEY or an https:// URL, not ""`},
		{"OtherScheme", Settings{URL: "ftp://host/p"}, `SUBGATE_POLICY_URL must be s3://BUCKET/KEY or an https:// URL, not "ftp://host/p"`},
		{"NoKey", Settings{URL: "s3://bucket", Region: "us-east-1"}, `SUBGATE_POLICY_URL must be s3://BUCKET/KEY (a bucket name of letters, digits, '.', '-' or '_', then a key), not "s3://bucket"`},
		{"NoRegion", Settings{URL: "s3://bucket/k"}, `SUBGATE_POLICY_URL is an s3:// URL, which needs the store's region: set SUBGATE_S3_REGION (or AWS_REGION) to one such as us-east-1 or ap-guangzhou (the region is "")`},
		{"BadRegion", Settings{URL: "s3://bucket/k", Region: "-us-east-1"}, `SUBGATE_POLICY_URL is an s3:// URL, which needs the store's region: set SUBGATE_S3_REGION (or AWS_REGION) to one such as us-east-1 or ap-guangzhou (the region is "-us-east-1")`},
		{"PlainHTTPEndpoint", Settings{URL: "s3://b1/k", Region: "ap-guangzhou", Endpoint: "http://cos.ap-guangzhou.myqcloud.com"},
			`SUBGATE_S3_ENDPOINT must use https:// (plain http is allowed only to a loopback host), not "http://cos.ap-guangzhou.myqcloud.com"`},
		{"EndpointWithPath", Settings{URL: "s3://b1/k", Region: "us-east-1", Endpoint: "https://s3.example.com/prefix"},
			`SUBGATE_S3_ENDPOINT must be a scheme and a host (and port) only, such as https://cos.ap-guangzhou.myqcloud.com, not "https://s3.example.com/prefix"`},
		{"EndpointNotURL", Settings{URL: "s3://b1/k", Region: "us-east-1", Endpoint: "cos.ap-guangzhou.myqcloud.com"},
			`SUBGATE_S3_ENDPOINT must be an https:// URL such as https://cos.ap-guangzhou.myqcloud.com, not "cos.ap-guangzhou.myqcloud.com"`},
		{"DottedBucketVirtualHosted", Settings{URL: "s3://my.bucket/k", Region: "us-east-1"},
			"the bucket of s3://my.bucket/k has a dot in its name, which https cannot reach as BUCKET.s3.us-east-1.amazonaws.com: set SUBGATE_S3_PATH_STYLE=true"},
		{"PlainHTTPURL", Settings{URL: "http://bundles.example.com/p?sig=SECRET"},
			`SUBGATE_POLICY_URL must use https:// (plain http is allowed only to a loopback host), not "http://bundles.example.com/p?…"`},
		{"UserInURL", Settings{URL: "https://user:SECRET@bundles.example.com/p"},
			"SUBGATE_POLICY_URL must not carry a user or password (https://bundles.example.com/p)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(c.s)
			assert.EqualError(t, err, c.err)
		})
	}
}

func TestEnvCredentials(t *testing.T) {
	for _, c := range []struct {
		name string
		env  map[string]string
		want Credentials
		err  string
	}{
		{"Lambda", map[string]string{"AWS_ACCESS_KEY_ID": "ak", "AWS_SECRET_ACCESS_KEY": "sk", "AWS_SESSION_TOKEN": "tok"},
			Credentials{"ak", "sk", "tok"}, ""},
		{"EmulatorEmptyToken", map[string]string{"AWS_ACCESS_KEY_ID": "ak", "AWS_SECRET_ACCESS_KEY": "sk", "AWS_SESSION_TOKEN": ""},
			Credentials{"ak", "sk", ""}, ""},
		{"SCF", map[string]string{"TENCENTCLOUD_SECRETID": "id", "TENCENTCLOUD_SECRETKEY": "key", "TENCENTCLOUD_SESSIONTOKEN": "tok"},
			Credentials{"id", "key", "tok"}, ""},
		{"AWSFirst", map[string]string{"AWS_ACCESS_KEY_ID": "ak", "AWS_SECRET_ACCESS_KEY": "sk", "TENCENTCLOUD_SECRETID": "id", "TENCENTCLOUD_SECRETKEY": "key"},
			Credentials{"ak", "sk", ""}, ""},
		{"NoSecret", map[string]string{"AWS_ACCESS_KEY_ID": "ak"}, Credentials{}, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"},
		{"NoSCFSecret", map[string]string{"TENCENTCLOUD_SECRETID": "id"}, Credentials{}, "TENCENTCLOUD_SECRETID is set but TENCENTCLOUD_SECRETKEY is not"},
		{"None", map[string]string{}, Credentials{}, "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (on Lambda, the function's role sets them), " +
			"or give the SCF function a role that may read the bundle (SCF then sets TENCENTCLOUD_SECRETID, TENCENTCLOUD_SECRETKEY and TENCENTCLOUD_SESSIONTOKEN)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := EnvCredentials(func(k string) string { return c.env[k] })()
			if c.err != "" {
				assert.EqualError(t, err, c.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}
