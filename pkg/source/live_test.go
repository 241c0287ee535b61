package source

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/teststore"
	"github.com/subgate/subgate/pkg/bundle"
	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/store"
)

// The tests run against a real S3 server (versitygw, internal/teststore), through a loopback proxy
// that can stall, with a clock of their own: the refresh interval passes when a test says so.

const key = "subgate/policy.bundle"

// wait bounds every wait of these tests for something that must happen.
const wait = 10 * time.Second

// testClock is a clock the test moves. Its readings carry a monotonic clock reading, as time.Now's
// do (it starts at time.Now and moves both clocks), so the source measures a fetch's age by the
// monotonic clock, as it does in a function.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// candidates are the subscribers each test asks about; each bundle refuses some of them.
var candidates = []string{"alice", "bob", "carol", "dave"}

// makeBundle is the bundle of a policy that denies banned (through a list file), made at created.
func makeBundle(t *testing.T, created time.Time, banned ...string) []byte {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "lists"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "lists", "banned.txt"), []byte(strings.Join(banned, "\n")+"\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "policy.yaml"), []byte("default: allow\ndeny_file: lists/banned.txt\n"), 0o644))
	data, err := bundle.Make(filepath.Join(dir, "policy.yaml"), created)
	require.NoError(t, err)
	return data
}

var made = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

// deflatedBundle is the bundle of a policy banning n IDs, its files deflated by archive/zip (as
// another zip tool may write it): a small object whose files are much larger unpacked.
func deflatedBundle(t *testing.T, n int) []byte {
	t.Helper()
	banned := make([]string, n)
	for i := range banned {
		banned[i] = fmt.Sprintf("spammer%07d", i)
	}
	stored := makeBundle(t, made, banned...)
	zr, err := zip.NewReader(bytes.NewReader(stored), int64(len(stored)))
	require.NoError(t, err)
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		r, err := f.Open()
		require.NoError(t, err)
		w, err := zw.Create(f.Name)
		require.NoError(t, err)
		_, err = io.Copy(w, r)
		require.NoError(t, err)
		require.NoError(t, r.Close())
	}
	require.NoError(t, zw.Close())
	return out.Bytes()
}

// refused is whom a policy refuses among the candidates.
func refused(a *Active) []string {
	return a.Policy.Decide("@TOA#_channel", "operator", candidates).Refused
}

// useKeys puts the keys in the environment as Lambda does (AWS_*; the emulator sets the session
// token to ""), with no Tencent keys.
func useKeys(t *testing.T, id, secret string) {
	t.Setenv(store.EnvAWSAccessKeyID, id)
	t.Setenv(store.EnvAWSSecretAccessKey, secret)
	t.Setenv(store.EnvAWSSessionToken, "")
	t.Setenv(store.EnvTencentSecretID, "")
	t.Setenv(store.EnvTencentSecretKey, "")
	t.Setenv(store.EnvTencentToken, "")
}

// fixture is a live source on a real store behind a proxy, with a test clock and its log.
type fixture struct {
	t     *testing.T
	store *teststore.Server
	proxy *teststore.Proxy
	clock *testClock
	logs  *logBuffer
	cfg   config.Config
	src   *Source
	// transport is the source's, so that a test can close its idle connections (the proxy
	// stalls new connections only), and see and route the connections it makes.
	transport *http.Transport
	viaProxy  chan struct{} // a request was sent through the proxy
	bypass    atomic.Bool   // new connections go to the store, not through the proxy
}

// newFixture starts a store and a proxy and returns a fixture whose source is not made yet (see
// open), so that a test may change cfg first. The store's root keys are in the environment.
func newFixture(t *testing.T) *fixture {
	s := teststore.Start(t)
	p := teststore.NewProxy(t, s.Addr)
	useKeys(t, teststore.AccessKey, teststore.SecretKey)
	f := &fixture{t: t, store: s, proxy: p, clock: &testClock{now: time.Now()}, logs: &logBuffer{}, viaProxy: make(chan struct{}, 100),
		cfg: config.Config{PolicyURL: s.URL(key), S3Endpoint: "http://" + p.Addr, S3Region: teststore.Region, S3PathStyle: true,
			PolicyRefresh: DefaultRefresh, PolicyFetchTimeout: DefaultFetchTimeout}}
	f.transport = &http.Transport{DialContext: f.dial}
	t.Cleanup(f.transport.CloseIdleConnections)
	return f
}

// dial connects to addr, or to the store when it is the proxy and the test bypasses it.
func (f *fixture) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if addr == f.proxy.Addr && f.bypass.Load() {
		addr = f.store.Addr
	}
	conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err == nil && addr == f.proxy.Addr {
		conn = &signalling{Conn: conn, sent: f.viaProxy}
	}
	return conn, err
}

// signalling is a connection that says when a request is first written to it: it is then the
// request's, no longer one the transport may give to another.
type signalling struct {
	net.Conn
	sent chan struct{}
	once sync.Once
}

func (c *signalling) Write(p []byte) (int, error) {
	c.once.Do(func() { c.sent <- struct{}{} })
	return c.Conn.Write(p)
}

// awaitProxied waits until a request has been sent through the proxy since the last call.
func (f *fixture) awaitProxied() {
	f.t.Helper()
	select {
	case <-f.viaProxy:
	case <-time.After(wait):
		f.t.Fatalf("no connection to the proxy within %s", wait)
	}
}

// open makes the source.
func (f *fixture) open() *fixture {
	f.t.Helper()
	src, err := newSource(f.cfg, debugLogger(f.logs), hooks{now: f.clock.Now, client: &http.Client{Transport: f.transport}})
	require.NoError(f.t, err)
	require.NotNil(f.t, src.live)
	f.src = src
	return f
}

// stall makes the store stall after n bytes of each answer (see teststore.Proxy.Stall), for the
// connections the source has kept open too.
func (f *fixture) stall(n int) {
	f.proxy.Stall(n)
	f.transport.CloseIdleConnections()
}

// announce makes the store's answers announce n bytes, whatever their length (see
// teststore.Proxy.Announce), for the connections the source has kept open too.
func (f *fixture) announce(n int64) {
	f.proxy.Announce(n)
	f.transport.CloseIdleConnections()
}

// publish puts data at the source's key and returns it.
func (f *fixture) publish(data []byte) []byte {
	f.store.Put(f.t, key, data)
	return data
}

// current is Current, which must answer.
func (f *fixture) current() *Active {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	a, err := f.src.Current(ctx)
	require.NoError(f.t, err)
	require.NotNil(f.t, a)
	return a
}

// inFlight is the fetch in flight, or nil.
func (f *fixture) inFlight() *attempt {
	f.src.live.mu.Lock()
	defer f.src.live.mu.Unlock()
	return f.src.live.attempt
}

// settle waits until the fetch in flight, if any, has ended and its outcome is in state.
func (f *fixture) settle() {
	f.t.Helper()
	if a := f.inFlight(); a != nil {
		f.awaitEnd(a)
	}
}

func (f *fixture) awaitEnd(a *attempt) {
	f.t.Helper()
	select {
	case <-a.done:
	case <-time.After(wait):
		f.t.Fatalf("a fetch has not ended within %s", wait)
	}
}

// outcomes counts the fetches that have ended and been judged: each logs one of these lines.
func (f *fixture) outcomes() int {
	f.t.Helper()
	n := 0
	for _, msg := range []string{"policy swapped", "policy unchanged", "policy refresh failed", "policy refresh frozen"} {
		n += len(f.logs.lines(f.t, msg))
	}
	return n
}

// refresh lets the refresh interval pass and makes a request: it must be answered at once by
// the active policy, want, and start one refresh, which refresh waits for.
func (f *fixture) refresh(want *Active) {
	f.t.Helper()
	before := f.outcomes()
	f.clock.Advance(f.cfg.PolicyRefresh)
	assert.Same(f.t, want, f.current(), "a refresh never delays an answer: the active policy answers")
	f.settle()
	require.Equal(f.t, before+1, f.outcomes(), "the request started one refresh")
}

// warnings are the failed refreshes logged so far.
func (f *fixture) warnings() []map[string]any {
	f.t.Helper()
	return f.logs.lines(f.t, "policy refresh failed")
}

// noSecrets checks that the log holds no credential.
func (f *fixture) noSecrets() {
	f.t.Helper()
	for _, secret := range []string{teststore.SecretKey, "not-the-secret-key"} {
		assert.NotContains(f.t, f.logs.String(), secret, "the log holds a credential")
	}
}

func TestFirstFetch(t *testing.T) {
	f := newFixture(t)
	v1 := f.publish(makeBundle(t, made, "alice"))
	f.open()
	a := f.current()
	assert.Equal(t, revisionOf(t, v1), a.Revision)
	assert.Equal(t, "s3://subgate-test/subgate/policy.bundle (http://"+f.proxy.Addr+"/subgate-test/subgate/policy.bundle)", a.Origin)
	assert.Equal(t, []string{"alice"}, refused(a))
	assert.Nil(t, f.inFlight())
	assert.Same(t, a, f.current())

	source := facts(t, f.src)
	assert.Equal(t, a.Origin, source["policy_url"])
	assert.Equal(t, "30s", source["refresh"])
	assert.Equal(t, "1s", source["fetch_timeout"])
	assert.NotContains(t, source, "policy", "no fallback")
	swapped := f.logs.lines(t, "policy swapped")
	require.Len(t, swapped, 1)
	assert.Equal(t, a.Revision, swapped[0]["revision"])
	assert.Equal(t, "none", swapped[0]["previous"])
	assert.Equal(t, a.Origin, swapped[0]["origin"])
	assert.EqualValues(t, a.Policy.Info().Counts.ExactIDs, swapped[0]["exact_ids"])
	assert.Equal(t, true, swapped[0]["indexed"], "a bundle's policy is read from its index")
	assert.EqualValues(t, len(v1), swapped[0]["bytes"])
	assert.Equal(t, "2026-11-27T08:00:00Z", swapped[0]["created"])
	assert.Contains(t, swapped[0], "fetch_ms")
	assert.Contains(t, swapped[0], "load_ms")
	assert.Empty(t, f.warnings())
	f.noSecrets()
}

func TestRefresh(t *testing.T) {
	f := newFixture(t)
	f.cfg.PolicyFetchTimeout = 300 * time.Millisecond
	f.publish(makeBundle(t, made, "alice"))
	f.open()
	v1 := f.current()

	v2data := f.publish(makeBundle(t, made, "bob"))
	f.clock.Advance(f.cfg.PolicyRefresh - time.Nanosecond)
	assert.Same(t, v1, f.current(), "before the interval, the active policy answers")
	assert.Nil(t, f.inFlight(), "and nothing is fetched")

	f.stall(0) // to see the refresh in flight
	f.clock.Advance(time.Nanosecond)
	assert.Same(t, v1, f.current(), "the request that starts a refresh is answered by the active policy")
	a := f.inFlight()
	require.NotNil(t, a, "once the interval has passed, a request starts a refresh")
	assert.Same(t, v1, f.current(), "and so are the requests during it")
	assert.Same(t, a, f.inFlight())
	f.settle() // the fetch times out
	require.Len(t, f.warnings(), 1)
	assert.Contains(t, f.warnings()[0]["error"], "policy store did not answer in time")

	f.proxy.Resume()
	f.refresh(v1)
	v2 := f.current()
	assert.Equal(t, revisionOf(t, v2data), v2.Revision)
	assert.Equal(t, []string{"bob"}, refused(v2))
	swapped := f.logs.lines(t, "policy swapped")
	require.Len(t, swapped, 2)
	assert.Equal(t, v2.Revision, swapped[1]["revision"])
	assert.Equal(t, v1.Revision, swapped[1]["previous"])
	assert.Equal(t, []string{"alice"}, refused(v1), "a policy swapped out still decides what started on it")

	t.Run("NotModified", func(t *testing.T) {
		f.refresh(v2)
		assert.Same(t, v2, f.current(), "a 304 keeps the same policy")
		unchanged := f.logs.lines(t, "policy unchanged")
		require.Len(t, unchanged, 1)
		assert.Equal(t, v2.Revision, unchanged[0]["revision"])
		assert.NotContains(t, unchanged[0], "reason")
	})
	t.Run("SameRulesPublishedAgain", func(t *testing.T) {
		again := f.publish(makeBundle(t, made.Add(time.Hour), "bob"))
		require.NotEqual(t, v2data, again)
		f.refresh(v2)
		assert.Same(t, v2, f.current(), "a bundle of the same revision keeps the policy")
		unchanged := f.logs.lines(t, "policy unchanged")
		require.Len(t, unchanged, 2)
		assert.Equal(t, "the object changed, its rules did not (the same revision)", unchanged[1]["reason"])
		f.refresh(v2)
		assert.Len(t, f.logs.lines(t, "policy unchanged"), 3, "its ETag is the one sent next: 304")
	})
	assert.Len(t, f.logs.lines(t, "policy swapped"), 2)
	assert.Len(t, f.warnings(), 1)
}

func TestPrefetch(t *testing.T) {
	f := newFixture(t)
	v1 := f.publish(makeBundle(t, made, "alice"))
	f.open()
	f.src.Prefetch()
	f.src.Prefetch()
	f.settle()
	assert.Equal(t, 1, f.outcomes(), "Prefetch starts the first fetch, once")
	got := f.current()
	assert.Nil(t, f.inFlight(), "the first request found the policy loaded")
	assert.Equal(t, revisionOf(t, v1), got.Revision)
	f.src.Prefetch()
	assert.Nil(t, f.inFlight(), "Prefetch does nothing once a policy decides")
	assert.Len(t, f.logs.lines(t, "policy swapped"), 1)
}

func TestFallback(t *testing.T) {
	fileRevision := func(t *testing.T) string {
		s, err := New(config.Config{PolicyFile: "testdata/policy.yaml"}, debugLogger(&logBuffer{}))
		require.NoError(t, err)
		a, err := s.Current(context.Background())
		require.NoError(t, err)
		return a.Revision
	}(t)

	t.Run("TheFirstAnswerWaitsForTheBundle", func(t *testing.T) {
		f := newFixture(t)
		f.cfg.PolicyFile = "testdata/policy.yaml"
		v1 := f.publish(makeBundle(t, made, "alice"))
		f.open()
		source := facts(t, f.src)
		assert.Equal(t, "testdata/policy.yaml", source["policy_origin"])
		assert.Equal(t, fileRevision, source["policy"])
		assert.Equal(t, revisionOf(t, v1), f.current().Revision, "a cold function decides its first request by the bundle")
	})
	t.Run("UntilTheFirstBundle", func(t *testing.T) {
		f := newFixture(t)
		f.cfg.PolicyFile = "testdata/policy.yaml"
		f.store.Stop()
		f.open()
		fallback := f.current()
		assert.Equal(t, fileRevision, fallback.Revision)
		assert.Equal(t, "testdata/policy.yaml", fallback.Origin)
		warnings := f.warnings()
		require.Len(t, warnings, 1)
		assert.Contains(t, warnings[0]["error"], "policy store unreachable: GET s3://subgate-test/subgate/policy.bundle")
		assert.Equal(t, fileRevision, warnings[0]["deciding"])
		assert.Nil(t, f.inFlight())
		assert.Same(t, fallback, f.current(), "the fallback decides until the next refresh; the store is not asked at every request")
		assert.Len(t, f.warnings(), 1)

		f.store.Restart(t)
		v1 := f.publish(makeBundle(t, made, "alice"))
		f.refresh(fallback)
		got := f.current()
		assert.Equal(t, revisionOf(t, v1), got.Revision)
		swapped := f.logs.lines(t, "policy swapped")
		require.Len(t, swapped, 1)
		assert.Equal(t, fileRevision, swapped[0]["previous"])
	})
	t.Run("WhenTheFirstFetchStalls", func(t *testing.T) {
		f := newFixture(t)
		f.cfg.PolicyFile = "testdata/policy.yaml"
		f.cfg.PolicyFetchTimeout = 300 * time.Millisecond
		f.publish(makeBundle(t, made, "alice"))
		f.stall(0)
		f.open()
		start := time.Now()
		fallback := f.current()
		took := time.Since(start)
		assert.Equal(t, fileRevision, fallback.Revision)
		assert.Less(t, took, f.cfg.PolicyFetchTimeout+time.Second, "the first answer waits the fetch timeout at most")
		assert.Same(t, fallback, f.current(), "and only the first waits")
		f.settle()
		warnings := f.warnings()
		require.Len(t, warnings, 1, "the stalled fetch, when it ends, is one failed refresh")
		assert.Contains(t, warnings[0]["error"], "policy store did not answer in time: GET s3://subgate-test/subgate/policy.bundle")
		assert.Contains(t, warnings[0]["error"], "no answer within 300ms (SUBGATE_POLICY_FETCH_TIMEOUT)")
	})
	t.Run("WhenTheRequestHasLessTime", func(t *testing.T) {
		f := newFixture(t)
		f.cfg.PolicyFile = "testdata/policy.yaml"
		f.stall(0)
		f.open()
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		a, err := f.src.Current(ctx)
		require.NoError(t, err)
		assert.Equal(t, fileRevision, a.Revision, "the request's deadline ends the wait")
		assert.NotNil(t, f.inFlight(), "the fetch goes on")
	})
}

func TestNoFallback(t *testing.T) {
	t.Run("ErrorThenRecovery", func(t *testing.T) {
		f := newFixture(t).open()
		_, err := f.src.Current(context.Background())
		require.ErrorIs(t, err, ErrNoPolicy)
		require.ErrorIs(t, err, store.ErrNotFound)
		assert.Contains(t, err.Error(), "no policy to decide by yet: no bundle at the policy URL: GET s3://subgate-test/subgate/policy.bundle")
		assert.Contains(t, err.Error(), "404 Not Found: NoSuchKey")
		assert.Contains(t, err.Error(), "(it is fetched again at the next request; SUBGATE_POLICY_FILE sets a fallback policy to decide by meanwhile)")
		warnings := f.warnings()
		require.Len(t, warnings, 1)
		assert.Equal(t, "none", warnings[0]["deciding"])

		_, err = f.src.Current(context.Background())
		require.ErrorIs(t, err, ErrNoPolicy, "the next request tries again, without waiting for the interval")
		assert.Len(t, f.warnings(), 2, "one warning per failed fetch")

		v1 := f.publish(makeBundle(t, made, "alice"))
		assert.Equal(t, revisionOf(t, v1), f.current().Revision, "and takes the bundle as soon as there is one")
	})
	t.Run("Stalled", func(t *testing.T) {
		f := newFixture(t)
		f.cfg.PolicyFetchTimeout = 300 * time.Millisecond
		f.stall(0)
		f.open()
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := f.src.Current(ctx)
		require.ErrorIs(t, err, ErrNoPolicy)
		assert.Contains(t, err.Error(), "no policy to decide by yet: the first fetch of s3://subgate-test/subgate/policy.bundle")
		assert.Contains(t, err.Error(), "has not ended after 1") // 100ms and some: the request's deadline
		f.settle()
		require.Len(t, f.warnings(), 1, "the fetch goes on, and fails")

		start := time.Now()
		_, err = f.src.Current(context.Background())
		took := time.Since(start)
		require.ErrorIs(t, err, ErrNoPolicy)
		// The request's wait and the fetch end at the same time: either says why.
		assert.Regexp(t, `^no policy to decide by yet: (policy store did not answer in time|the first fetch of .* has not ended after 3)`, err.Error())
		assert.Less(t, took, f.cfg.PolicyFetchTimeout+time.Second, "Current waits the fetch timeout at most")
		f.settle()
		require.Len(t, f.warnings(), 2)

		f.proxy.Resume()
		v1 := f.publish(makeBundle(t, made, "alice"))
		assert.Equal(t, revisionOf(t, v1), f.current().Revision)
	})
}

// TestOneFetchInFlight: the requests that find no policy wait for the same fetch.
func TestOneFetchInFlight(t *testing.T) {
	f := newFixture(t)
	f.cfg.PolicyFetchTimeout = 300 * time.Millisecond
	f.stall(0)
	f.open()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.src.Current(context.Background())
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.ErrorIs(t, err, ErrNoPolicy)
	}
	f.settle()
	assert.Len(t, f.warnings(), 1, "one fetch for all")
}

// otherVersion is a file that is a bundle of format version 2 in every other respect.
func otherVersion(t *testing.T) []byte {
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: bundle.ManifestName, Method: zip.Store})
	require.NoError(t, err)
	_, err = fmt.Fprintf(w, `{"format": %q, "version": 2}`, bundle.Format)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return out.Bytes()
}

// TestFaults: each fault keeps the last good bundle deciding, is one warning saying why, and the
// next good bundle is taken as soon as the store serves one.
func TestFaults(t *testing.T) {
	for _, c := range []struct {
		name   string
		direct bool // to the store, not through the proxy
		fault  func(f *fixture)
		undo   func(f *fixture)
		says   []string
	}{
		{name: "StoreStopped", direct: true, fault: func(f *fixture) { f.store.Stop() }, undo: func(f *fixture) { f.store.Restart(f.t) },
			says: []string{"policy store unreachable: GET s3://subgate-test/subgate/policy.bundle", "connection refused"}},
		{name: "Stalling", fault: func(f *fixture) { f.stall(0) }, undo: func(f *fixture) { f.proxy.Resume() },
			says: []string{"policy store did not answer in time", "no answer within 300ms (SUBGATE_POLICY_FETCH_TIMEOUT)"}},
		{name: "StallingMidAnswer", fault: func(f *fixture) { f.stall(20) }, undo: func(f *fixture) { f.proxy.Resume() },
			says: []string{"policy store did not answer in time", "no answer within 300ms (SUBGATE_POLICY_FETCH_TIMEOUT)"}},
		{name: "Deleted", fault: func(f *fixture) { f.store.Delete(f.t, key) },
			says: []string{"no bundle at the policy URL: GET s3://subgate-test/subgate/policy.bundle", "404 Not Found: NoSuchKey"}},
		{name: "WrongKeys", fault: func(f *fixture) { useKeys(f.t, teststore.AccessKey, "not-the-secret-key") },
			undo: func(f *fixture) { useKeys(f.t, teststore.AccessKey, teststore.SecretKey) },
			says: []string{"policy store refused access: GET s3://subgate-test/subgate/policy.bundle", "403 Forbidden: SignatureDoesNotMatch"}},
		{name: "NoKeys", fault: func(f *fixture) { useKeys(f.t, "", "") },
			undo: func(f *fixture) { useKeys(f.t, teststore.AccessKey, teststore.SecretKey) },
			says: []string{"no credentials for the policy store: GET s3://subgate-test/subgate/policy.bundle"}},
		{name: "Garbage", fault: func(f *fixture) { f.publish([]byte("this is not a bundle\n")) },
			says: []string{"GET s3://subgate-test/subgate/policy.bundle", "the object fetched was refused: not a policy bundle: it is not a zip file"}},
		{name: "Truncated", fault: func(f *fixture) { f.publish(makeBundle(f.t, made, "carol")[:1000]) },
			says: []string{"the object fetched was refused: damaged policy bundle: it does not end with a zip directory (truncated, or bytes added after it)"}},
		{name: "Altered", fault: func(f *fixture) {
			data := makeBundle(f.t, made, "carol")
			at := bytes.LastIndex(data, []byte("carol"))
			data[at] = 'k'
			f.publish(data)
		}, says: []string{"the object fetched was refused: damaged policy bundle: lists/banned.txt does not match its SHA-256 in bundle.json"}},
		{name: "OtherVersion", fault: func(f *fixture) { f.publish(otherVersion(f.t)) },
			says: []string{"the object fetched was refused: policy bundle of another format version: the bundle is format version 2; this subgate reads version 1"}},
		// The cap (SUBGATE_POLICY_MAX_BYTES) is 1 MiB in these tests.
		{name: "OverTheCap", fault: func(f *fixture) { f.publish(make([]byte, 1<<20+1)) },
			says: []string{"bundle over the size limit: GET s3://subgate-test/subgate/policy.bundle", "the body is 1048577 bytes; the limit is 1048576"}},
		{name: "AnnouncedOverTheCap", fault: func(f *fixture) { f.publish(makeBundle(f.t, made, "carol")); f.announce(1 << 40) },
			undo: func(f *fixture) { f.proxy.Resume() },
			says: []string{"bundle over the size limit: GET s3://subgate-test/subgate/policy.bundle", "the body is 1099511627776 bytes; the limit is 1048576"}},
		{name: "DeflatedOverTheCapUnpacked", fault: func(f *fixture) {
			data := deflatedBundle(f.t, 60_000) // about 0.7 MiB deflated, 2 MiB of files unpacked
			require.Less(f.t, len(data), 1<<20)
			f.publish(data)
		}, says: []string{"the object fetched was refused: policy bundle too big: its files are", "bytes unpacked; the limit is 1048576"}},
		{name: "ShorterThanAnnounced", fault: func(f *fixture) { f.publish(makeBundle(f.t, made, "carol")); f.announce(1 << 20) },
			undo: func(f *fixture) { f.proxy.Resume() },
			says: []string{"policy store unreachable: reading the body of s3://subgate-test/subgate/policy.bundle", "unexpected EOF"}},
		{name: "LongerThanAnnounced", fault: func(f *fixture) { f.publish(makeBundle(f.t, made, "carol")); f.announce(1000) },
			undo: func(f *fixture) { f.proxy.Resume() },
			says: []string{"the object fetched was refused: damaged policy bundle: it does not end with a zip directory (truncated, or bytes added after it)"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.cfg.PolicyFetchTimeout = 300 * time.Millisecond
			f.cfg.PolicyMaxBytes = 1 << 20
			if c.direct {
				f.cfg.S3Endpoint = f.store.Endpoint
			}
			f.publish(makeBundle(t, made, "alice"))
			f.open()
			good := f.current()

			c.fault(f)
			f.refresh(good)
			assert.Same(t, good, f.current(), "the last good bundle keeps deciding")
			warnings := f.warnings()
			require.Len(t, warnings, 1, "one warning per failed refresh")
			for _, says := range c.says {
				assert.Contains(t, warnings[0]["error"], says)
			}
			assert.Equal(t, good.Revision, warnings[0]["deciding"])
			assert.Equal(t, good.Origin, warnings[0]["origin"])
			assert.Contains(t, warnings[0], "fetch_ms")

			f.refresh(good)
			assert.Len(t, f.warnings(), 2, "and one more at each refresh while it lasts")

			if c.undo != nil {
				c.undo(f)
			}
			next := f.publish(makeBundle(t, made, "bob"))
			f.refresh(good)
			got := f.current()
			assert.Equal(t, revisionOf(t, next), got.Revision, "the next good bundle is taken")
			assert.Equal(t, []string{"bob"}, refused(got))
			assert.Len(t, f.warnings(), 2)
			f.noSecrets()
		})
	}
}

// TestRefusedObjectIsNotFetchedAgain: an object refused once is asked for with its ETag, and a
// 304 says the store still serves it.
func TestRefusedObjectIsNotFetchedAgain(t *testing.T) {
	f := newFixture(t)
	f.publish(makeBundle(t, made, "alice"))
	f.open()
	good := f.current()
	f.publish([]byte("this is not a bundle\n"))
	f.refresh(good)
	f.refresh(good)
	warnings := f.warnings()
	require.Len(t, warnings, 2)
	assert.Contains(t, warnings[0]["error"], "the object fetched was refused: not a policy bundle")
	assert.Regexp(t, `^the store still serves the object refused before \(ETag "[0-9a-f]{32}"\): not a policy bundle: it is not a zip file`, warnings[1]["error"])
	assert.Same(t, good, f.current())
}

// TestCredentialsAreReadAtEachFetch: the keys are read from the environment when a fetch needs
// them, as SCF sets them (TENCENTCLOUD_*) before each invocation.
func TestCredentialsAreReadAtEachFetch(t *testing.T) {
	f := newFixture(t)
	f.cfg.PolicyFile = "testdata/policy.yaml"
	useKeys(t, "", "")
	v1 := f.publish(makeBundle(t, made, "alice"))
	f.open()
	fallback := f.current()
	assert.Equal(t, "testdata/policy.yaml", fallback.Origin)
	require.Len(t, f.warnings(), 1)
	assert.Contains(t, f.warnings()[0]["error"], "no credentials for the policy store")

	// The next invocation brings the function role's keys, the SCF way (with no session token:
	// versitygw refuses any).
	t.Setenv(store.EnvTencentSecretID, teststore.AccessKey)
	t.Setenv(store.EnvTencentSecretKey, teststore.SecretKey)
	f.refresh(fallback)
	got := f.current()
	assert.Equal(t, revisionOf(t, v1), got.Revision)

	// Keys replaced by wrong ones, then by right ones again: each fetch uses the keys of its time.
	t.Setenv(store.EnvTencentSecretKey, "not-the-secret-key")
	v2 := f.publish(makeBundle(t, made, "bob"))
	f.refresh(got)
	require.Len(t, f.warnings(), 2)
	assert.Contains(t, f.warnings()[1]["error"], "403 Forbidden: SignatureDoesNotMatch")
	t.Setenv(store.EnvTencentSecretKey, teststore.SecretKey)
	f.refresh(got)
	assert.Equal(t, revisionOf(t, v2), f.current().Revision)
	f.noSecrets()
}

// TestFreeze: the platform freezes the process between invocations, often while a refresh an
// invocation started is in flight. The test clock stands for the monotonic clock of a process that
// was frozen: it jumps (Linux's CLOCK_MONOTONIC counts the time a frozen process does not run).
func TestFreeze(t *testing.T) {
	t.Run("AFetchThatEndsLateIsNotAFailure", func(t *testing.T) {
		f := newFixture(t)
		f.cfg.PolicyFetchTimeout = 300 * time.Millisecond
		f.publish(makeBundle(t, made, "alice"))
		f.open()
		good := f.current()

		f.stall(0)
		f.clock.Advance(f.cfg.PolicyRefresh)
		assert.Same(t, good, f.current())
		frozen := f.inFlight()
		require.NotNil(t, frozen)
		f.clock.Advance(time.Hour) // frozen for an hour; the fetch fails when the process thaws
		f.awaitEnd(frozen)
		assert.Empty(t, f.warnings(), "a fetch frozen with the process is not the store's failure")
		lines := f.logs.lines(t, "policy refresh frozen")
		require.Len(t, lines, 1)
		assert.Contains(t, lines[0]["reason"], "the fetch ended 1h0m0s after it started: the process was frozen during it; fetching again at the next request")

		f.proxy.Resume()
		v2 := f.publish(makeBundle(t, made, "bob"))
		assert.Same(t, good, f.current(), "the next request is answered at once")
		f.settle()
		assert.Equal(t, revisionOf(t, v2), f.current().Revision, "and fetches again, without waiting for the interval")
		assert.Empty(t, f.warnings())
	})
	t.Run("AFetchLostInAFreezeIsReplaced", func(t *testing.T) {
		f := newFixture(t)
		f.cfg.PolicyFetchTimeout = wait // the stalled fetch does not end by itself during the test
		f.publish(makeBundle(t, made, "alice"))
		f.open()
		good := f.current()

		f.stall(0)
		for len(f.viaProxy) > 0 {
			<-f.viaProxy
		}
		f.clock.Advance(f.cfg.PolicyRefresh)
		assert.Same(t, good, f.current())
		lost := f.inFlight()
		require.NotNil(t, lost)
		f.awaitProxied() // the lost fetch waits on a stalled connection

		f.clock.Advance(time.Hour)
		f.bypass.Store(true) // the network is back for new connections
		v2 := f.publish(makeBundle(t, made, "bob"))
		assert.Same(t, good, f.current(), "the request that finds the fetch lost is answered at once")
		replacement := f.inFlight()
		require.NotNil(t, replacement)
		assert.NotSame(t, lost, replacement, "the lost fetch is replaced, not waited on")
		f.awaitEnd(replacement)
		assert.Equal(t, revisionOf(t, v2), f.current().Revision)
		f.awaitEnd(lost) // cancelled: it ends at once, and its outcome is dropped
		assert.Equal(t, revisionOf(t, v2), f.current().Revision)
		assert.Empty(t, f.warnings(), "a lost fetch is no failed refresh")
		abandoned := f.logs.lines(t, "policy refresh abandoned")
		require.Len(t, abandoned, 2)
		assert.Contains(t, abandoned[0]["reason"], "a fetch started 1h0m0s ago has not ended: the process was frozen during it; starting a new one")
		assert.Equal(t, "a fetch replaced after a freeze has ended; its outcome is dropped", abandoned[1]["reason"])
	})
	t.Run("TheFirstFetchLostInAFreeze", func(t *testing.T) {
		// Lambda's init prefetches; a provisioned function may be frozen after init for hours
		// before its first invocation.
		f := newFixture(t)
		f.cfg.PolicyFetchTimeout = wait
		v1 := f.publish(makeBundle(t, made, "alice"))
		f.stall(0)
		f.open()
		f.src.Prefetch()
		lost := f.inFlight()
		require.NotNil(t, lost)
		f.awaitProxied()
		f.clock.Advance(time.Hour)
		f.bypass.Store(true)
		assert.Equal(t, revisionOf(t, v1), f.current().Revision, "the first request waits for a new fetch, not for the lost one")
		f.awaitEnd(lost)
		assert.Empty(t, f.warnings())
		assert.Len(t, f.logs.lines(t, "policy refresh abandoned"), 2)
	})
}

// TestConcurrentCurrent: many requests decide while bundles are swapped in (run with -race): each
// gets a whole policy, one of those published, deciding as its revision says.
func TestConcurrentCurrent(t *testing.T) {
	f := newFixture(t)
	f.cfg.PolicyRefresh = 5 * time.Millisecond
	want := map[string][]string{} // revision → whom it refuses
	var versions [][]byte
	for i, banned := range [][]string{{"alice"}, {"bob"}, {"carol", "dave"}, {"alice", "bob"}} {
		data := makeBundle(t, made.Add(time.Duration(i)*time.Hour), banned...)
		want[revisionOf(t, data)] = banned
		versions = append(versions, data)
	}
	f.publish(versions[0])
	src, err := newSource(f.cfg, debugLogger(f.logs), hooks{now: time.Now}) // the real clock
	require.NoError(t, err)
	f.src = src

	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				a, err := src.Current(context.Background())
				switch {
				case err != nil:
					errs <- err
					return
				case !assert.ObjectsAreEqual(want[a.Revision], refused(a)):
					errs <- fmt.Errorf("revision %s refuses %v, not %v", a.Revision, refused(a), want[a.Revision])
					return
				}
			}
		}()
	}
	for round := range 3 {
		for _, data := range versions[1:] {
			if round > 0 || !bytes.Equal(data, versions[0]) {
				f.publish(data)
			}
			rev := revisionOf(t, data)
			deadline := time.Now().Add(wait)
			for f.current().Revision != rev {
				require.True(t, time.Now().Before(deadline), "revision %s was not swapped in within %s", rev, wait)
			}
		}
		f.publish(versions[0])
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assert.Empty(t, f.warnings())
}

// TestHTTPSLocation: a bundle served by a web server (an https:// URL; plain http on loopback),
// with ETags, whose URL's query (a presigned URL's signature) is never shown.
func TestHTTPSLocation(t *testing.T) {
	var mu sync.Mutex
	data, status := makeBundle(t, made, "alice"), http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if status != http.StatusOK {
			http.Error(w, "the CDN is down", status)
			return
		}
		w.Header().Set("ETag", fmt.Sprintf(`"%x"`, sha256.Sum256(data)))
		http.ServeContent(w, r, "policy.bundle", time.Time{}, bytes.NewReader(data))
	}))
	defer srv.Close()
	serve := func(d []byte, s int) {
		mu.Lock()
		defer mu.Unlock()
		data, status = d, s
	}

	f := &fixture{t: t, clock: &testClock{now: time.Now()}, logs: &logBuffer{}, cfg: config.Config{
		PolicyURL: srv.URL + "/policy.bundle?X-Amz-Signature=presigned-secret", PolicyRefresh: DefaultRefresh, PolicyFetchTimeout: time.Second}}
	f.transport = &http.Transport{}
	f.open()
	v1 := f.current()
	assert.Equal(t, srv.URL+"/policy.bundle?…", v1.Origin)
	assert.Equal(t, []string{"alice"}, refused(v1))
	f.refresh(v1)
	assert.Same(t, v1, f.current(), "304")
	assert.Len(t, f.logs.lines(t, "policy unchanged"), 1)

	serve(data, http.StatusServiceUnavailable)
	f.refresh(v1)
	require.Len(t, f.warnings(), 1)
	assert.Equal(t, "policy store failed: GET "+srv.URL+"/policy.bundle?…: 503 Service Unavailable", f.warnings()[0]["error"])

	v2 := makeBundle(t, made, "bob")
	serve(v2, http.StatusOK)
	f.refresh(v1)
	assert.Equal(t, revisionOf(t, v2), f.current().Revision)
	assert.NotContains(t, f.logs.String(), "presigned-secret")
}
