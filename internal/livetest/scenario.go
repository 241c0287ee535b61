package livetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/teststore"
	"github.com/subgate/subgate/pkg/bundle"
	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/source"
	"github.com/subgate/subgate/pkg/store"
)

// Run runs the scenario on platform p: "Refresh" (one function through every phase, with a
// fallback, the keys the platform's way, the store behind a proxy that can stall) and, beside it,
// "NoFallback" (a function without a fallback, its store down at the start).
func Run(t *testing.T, p Platform) {
	t.Run("Refresh", func(t *testing.T) {
		t.Parallel()
		runRefresh(t, p)
	})
	t.Run("NoFallback", func(t *testing.T) {
		t.Parallel()
		runNoFallback(t, p)
	})
}

// scenario is the state of the "Refresh" run.
type scenario struct {
	t        *testing.T
	p        Platform
	store    *teststore.Server
	proxy    *teststore.Proxy
	env      map[string]string // the configuration, with the fallback and the right keys
	fallback rules
}

func runRefresh(t *testing.T, p Platform) {
	s := &scenario{t: t, p: p, store: teststore.Start(t), fallback: fallbackRules(t)}
	s.proxy = teststore.NewProxy(t, s.store.Addr)
	s.env = storeEnv("http://" + s.proxy.Addr)
	s.env[config.EnvPolicyFile] = p.Fallback
	for name, value := range p.Credentials(teststore.AccessKey, teststore.SecretKey) {
		s.env[name] = value
	}
	a := makeBundle(t, "bundle A", "deny: [leckie]\n", nil, []string{"leckie"})
	b := makeBundle(t, "bundle B", "deny_file: lists/banned.txt\n", map[string]string{"lists/banned.txt": "jared\nleckie\n"}, []string{"jared", "leckie"})
	c := makeBundle(t, "bundle C", "deny: [nobody]\n", nil, nil)
	env := NewEnv(s.env)
	fn := start(t, p, "live", env)
	var steps []step // what each refresh brought, in order

	// A cold function while the store stalls: its first answer waits for the first fetch, at most
	// the fetch timeout, and the fallback decides it, and every request after it, until a bundle
	// has been fetched.
	s.store.Put(t, Key, a.data)
	s.proxy.Stall(0)
	line, next := fn.refreshOutcome(0, true, s.fallback)
	steps = append(steps, s.failed(line, "the first fetch, stalled", store.ErrTimeout, s.fallback))
	started := fn.logLine(`"msg":"started"`)
	assert.Equal(t, s.fallback.revision, started["policy"], "the start-up line names the fallback")
	assert.Contains(t, started["policy_url"], "s3://"+teststore.Bucket+"/"+Key)
	assert.Equal(t, Refresh.String(), started["refresh"])
	assert.Equal(t, FetchTimeout.String(), started["fetch_timeout"])
	// The cap on a bundle follows the memory the platform says the function has.
	assert.Contains(t, started["max_bytes_from"], "the function's memory (", "%v", started)
	maxBytes, ok := started["max_bytes"].(float64)
	require.True(t, ok, "max_bytes: %v", started)

	// Published bundles are taken at the next refresh, each after the last.
	s.proxy.Resume()
	line, next = fn.refreshOutcome(next, false, s.fallback, a)
	steps = append(steps, s.swapped(line, "bundle A published", a, s.fallback))
	s.store.Put(t, Key, b.data)
	line, next = fn.refreshOutcome(next, false, a, b)
	steps = append(steps, s.swapped(line, "bundle B published", b, a))
	fn.decidedBy(fn.call(), b)

	// A cold function decides its first request by the bundle, never by the fallback.
	cold := start(t, p, "cold", NewEnv(s.env))
	cold.decidedBy(cold.call(), b)
	coldSwap := cold.logLine(`"msg":"policy swapped"`)
	assert.Equal(t, b.revision, coldSwap["revision"])
	assert.Equal(t, "none", coldSwap["previous"], "the cold function's first policy is the bundle")

	// Each fault: one warning at the next refresh, and bundle B decides throughout.
	s.store.Put(t, Key, []byte("this is not a policy bundle\n"))
	line, next = fn.refreshOutcome(next, false, b)
	steps = append(steps, s.failed(line, "garbage published", bundle.ErrNotBundle, b))

	s.store.Put(t, Key, b.data[:len(b.data)/2])
	line, next = fn.refreshOutcome(next, false, b)
	steps = append(steps, s.failed(line, "a truncated bundle published", bundle.ErrDamaged, b))

	// An object announced over the cap is refused before it is read.
	s.store.Put(t, Key, []byte("an object the store says is over the cap\n"))
	s.proxy.Announce(int64(maxBytes) + 1)
	s.proxy.Cut() // the function's kept-alive connection too
	line, next = fn.refreshOutcome(next, false, b)
	steps = append(steps, s.failed(line, "an object over the cap", store.ErrTooBig, b))
	assert.Contains(t, line["error"], fmt.Sprintf("the limit is %d", int64(maxBytes)))
	s.proxy.Resume()

	s.store.Delete(t, Key)
	line, next = fn.refreshOutcome(next, false, b)
	steps = append(steps, s.failed(line, "the object deleted", store.ErrNotFound, b))
	assert.Contains(t, line["error"], "NoSuchKey")

	if p.EnvPerInvocation {
		// New keys reach a running function with the next invocation (SCF's way): a wrong secret
		// key is refused at the next refresh.
		for name, value := range p.Credentials(teststore.AccessKey, "a-wrong-secret-key") {
			env.Set(name, value)
		}
		line, next = fn.refreshOutcome(next, false, b)
		steps = append(steps, s.failed(line, "wrong keys", store.ErrForbidden, b))
		assert.Contains(t, line["error"], "SignatureDoesNotMatch")
		for name, value := range p.Credentials(teststore.AccessKey, teststore.SecretKey) {
			env.Set(name, value)
		}
	} else {
		s.wrongKeysAtStart()
	}

	s.store.Stop()
	line, next = fn.refreshOutcome(next, false, b)
	steps = append(steps, s.failed(line, "the store stopped", store.ErrUnreachable, b))

	// Stopping the store closed every connection through the proxy: the next fetch connects
	// anew, so it is the one that stalls.
	s.proxy.Stall(0)
	s.store.Restart(t)
	line, next = fn.refreshOutcome(next, false, b)
	steps = append(steps, s.failed(line, "the store stalling", store.ErrTimeout, b))

	// The next good bundle is taken as soon as the store serves one.
	s.proxy.Resume()
	s.store.Put(t, Key, c.data)
	line, _ = fn.refreshOutcome(next, false, b, c)
	steps = append(steps, s.swapped(line, "bundle C published", c, b))
	fn.decidedBy(fn.call(), c)

	// One line per refresh, in order: no refresh warned twice, and none was missed.
	found, _ := fn.refreshes(0)
	got := make([]step, len(found))
	for i, line := range found {
		got[i] = stepOf(line)
	}
	assert.Equal(t, steps, got, "output:\n%s", fn.Output)
	// No key anywhere in what the function wrote: start-up, swap and warning lines alike.
	assert.NotContains(t, fn.Output.String(), teststore.SecretKey, "a key in the function's output")
}

// wrongKeysAtStart starts a function whose keys are wrong from the start, as when the platform
// fixes them for the function's life (Lambda): the store refuses its fetches, each one warning,
// and the fallback decides.
func (s *scenario) wrongKeysAtStart() {
	env := NewEnv(s.env)
	for name, value := range s.p.Credentials(teststore.AccessKey, "a-wrong-secret-key") {
		env.Set(name, value)
	}
	fn := start(s.t, s.p, "wrong-keys", env)
	line, _ := fn.refreshOutcome(0, true, s.fallback)
	s.failed(line, "wrong keys", store.ErrForbidden, s.fallback)
	assert.Contains(s.t, line["error"], "SignatureDoesNotMatch")
	found, _ := fn.refreshes(0)
	assert.Len(s.t, found, 1, "one warning for one fetch:\n%s", fn.Output)
}

// runNoFallback: a function without a fallback, whose store is down when it starts, answers each
// request 500 naming the cause, fetching again at each request, until the store serves a bundle.
func runNoFallback(t *testing.T, p Platform) {
	st := teststore.Start(t)
	b := makeBundle(t, "bundle B", "deny: [jared, leckie]\n", nil, []string{"jared", "leckie"})
	st.Put(t, Key, b.data)
	st.Stop()
	env := storeEnv(st.Endpoint)
	for name, value := range p.Credentials(teststore.AccessKey, teststore.SecretKey) {
		env[name] = value
	}
	fn := start(t, p, "no-fallback", NewEnv(env))
	for range 2 {
		a := fn.call()
		require.Equal(t, 200, a.status, "%+v", a.webhook)
		assert.Equal(t, "OK", a.webhook.ActionStatus)
		assert.Equal(t, 1, a.webhook.ErrorCode, "fail mode closed, the default: the request is rejected")
		for _, part := range []string{"subgate cannot decide: " + source.ErrNoPolicy.Error(), store.ErrUnreachable.Error(),
			"connection refused", "it is fetched again at the next request", config.EnvPolicyFile} {
			assert.Contains(t, a.webhook.ErrorInfo, part)
		}
		assert.Equal(t, "ERROR", a.line["level"])
		assert.Equal(t, "undecided", a.line["msg"])
		assert.Equal(t, "closed", a.line["fail_mode"])
		assert.Equal(t, "subgate cannot decide: "+a.line["reason"].(string), a.webhook.ErrorInfo)
	}
	found, _ := fn.refreshes(0)
	require.GreaterOrEqual(t, len(found), 2, "each request fetched again:\n%s", fn.Output)
	for _, line := range found {
		assert.Equal(t, "policy refresh failed", line["msg"])
		assert.Equal(t, "none", line["deciding"])
	}

	st.Restart(t)
	fn.decidedBy(fn.call(), b)
	swap := fn.logLine(`"msg":"policy swapped"`)
	assert.Equal(t, b.revision, swap["revision"])
	assert.Equal(t, "none", swap["previous"])
}

// step is what one refresh brought, as its line says.
type step struct {
	Msg      string
	Revision string // of the bundle swapped in, or of the policy still deciding after a failure
}

func stepOf(line map[string]any) step {
	s := step{Msg: fmt.Sprint(line["msg"])}
	if s.Msg == "policy swapped" {
		s.Revision = fmt.Sprint(line["revision"])
	} else {
		s.Revision = fmt.Sprint(line["deciding"])
	}
	return s
}

// failed checks that line is the warning of a refresh that failed with kind while deciding still
// decides, and returns its step.
func (s *scenario) failed(line map[string]any, what string, kind error, deciding rules) step {
	s.t.Helper()
	assert.Equal(s.t, "policy refresh failed", line["msg"], "%s: %v", what, line)
	assert.Equal(s.t, "WARN", line["level"], "%s", what)
	assert.Contains(s.t, line["error"], kind.Error(), "%s", what)
	assert.Equal(s.t, deciding.revision, line["deciding"], "%s: %s still decides", what, deciding.name)
	assert.NotContains(s.t, fmt.Sprint(line), teststore.SecretKey, "%s: no key in the log", what)
	return step{Msg: "policy refresh failed", Revision: deciding.revision}
}

// swapped checks that line is the swap of bundle r in place of previous, and returns its step.
func (s *scenario) swapped(line map[string]any, what string, r, previous rules) step {
	s.t.Helper()
	assert.Equal(s.t, "policy swapped", line["msg"], "%s: %v", what, line)
	assert.Equal(s.t, r.revision, line["revision"], "%s", what)
	assert.Equal(s.t, previous.revision, line["previous"], "%s", what)
	assert.Equal(s.t, true, line["indexed"], "%s: the bundle's index is used", what)
	assert.True(s.t, strings.HasPrefix(fmt.Sprint(line["origin"]), "s3://"+teststore.Bucket+"/"+Key), "%s: %v", what, line["origin"])
	return step{Msg: "policy swapped", Revision: r.revision}
}
