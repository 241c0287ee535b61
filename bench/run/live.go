package main

import (
	"strings"
	"time"

	"github.com/subgate/subgate/internal/teststore"
)

// bundleKey is where the bundle is published in the store's bucket.
const bundleKey = "subgate/policy.bundle"

// Live-policy timing: the refresh interval (the shortest allowed), how often the bundle is
// republished while the functions run, and how long the store stalls.
const (
	refreshEvery   = "5s"
	republishEvery = 5 * time.Second
	stallFor       = 10 * time.Second
)

// liveStore is the S3 server on loopback (versitygw) the live policy is fetched from, and a proxy
// in front of it that can stall.
type liveStore struct {
	h      *harness
	server *teststore.Server
	proxy  *teststore.Proxy
	// direct and viaProxy are the endpoints of the server and of the proxy.
	direct, viaProxy string
	bundles          [2][]byte
	published        int // which of bundles is in the store
}

func startStore(h *harness, fx *fixtures) (*liveStore, error) {
	s := teststore.Start(h)
	p := teststore.NewProxy(h, s.Addr)
	l := &liveStore{h: h, server: s, proxy: p, direct: s.Endpoint, viaProxy: "http://" + p.Addr, bundles: fx.bundles}
	s.Put(h, bundleKey, fx.bundles[0])
	return l, nil
}

// republish puts the other bundle in the store: a new revision of the same rules.
func (l *liveStore) republish() {
	l.published = 1 - l.published
	l.server.Put(l.h, bundleKey, l.bundles[l.published])
}

// env is the environment of a function fetching the bundle through endpoint, with the store's keys
// where the platform gives a function its role's credentials. With refresh it revalidates every
// refreshEvery; else at the default interval.
func (l *liveStore) env(pl *platform, endpoint string, refresh bool) map[string]string {
	env := map[string]string{
		"SUBGATE_SDKAPPID":      sdkAppID,
		"SUBGATE_POLICY_URL":    l.server.URL(bundleKey),
		"SUBGATE_S3_ENDPOINT":   endpoint,
		"SUBGATE_S3_PATH_STYLE": "true",
		"SUBGATE_S3_REGION":     teststore.Region,
	}
	if refresh {
		env["SUBGATE_POLICY_REFRESH"] = refreshEvery
	}
	if pl.name == "SCF" {
		env["TENCENTCLOUD_SECRETID"], env["TENCENTCLOUD_SECRETKEY"] = teststore.AccessKey, teststore.SecretKey
	} else {
		env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = teststore.AccessKey, teststore.SecretKey
	}
	return env
}

// liveRun is one platform's warm run with a live policy: the same 100,000-entry list from a file,
// from the store with refresh on while the bundle is republished, and from a store that stalls.
type liveRun struct {
	platform                 *platform
	hello, file, fresh, stal *warmCase
	// From the functions' log lines: bundles swapped in while the functions ran, and refreshes
	// that failed while the store stalled.
	freshSwaps, stalledSwaps, stalledFailures int
}

// liveRuns invokes, on each platform and in turns for duration, the hello world, the list from a
// file, and the list from the store twice: directly, and through the proxy, which stalls for
// stallFor from a third of the way on. The bundle is republished every republishEvery.
func liveRuns(pls []*platform, fx *fixtures, l *liveStore, duration time.Duration) ([]*liveRun, error) {
	var runs []*liveRun
	for _, pl := range pls {
		r := &liveRun{platform: pl}
		r.hello = &warmCase{platform: pl, d: fx.hello, label: "hello world", event: pl.large}
		r.file = &warmCase{platform: pl, d: fx.text, label: "100,000-entry list file", event: pl.large, refused: fx.largeRefused, hello: r.hello, goal: true}
		r.fresh = &warmCase{platform: pl, d: fx.live, env: l.env(pl, l.direct, true), label: "100,000-entry bundle, refresh every " + refreshEvery + ", republished every " + republishEvery.String(),
			event: pl.large, refused: fx.largeRefused, hello: r.hello, goal: true}
		r.stal = &warmCase{platform: pl, d: fx.live, env: l.env(pl, l.viaProxy, true), label: "the same, its store stalled for " + stallFor.String(),
			event: pl.large, refused: fx.largeRefused, hello: r.hello, goal: true}
		var began, stalled, lastPublished time.Time
		during := func(float64) {
			now := time.Now()
			if began.IsZero() {
				began, lastPublished = now, now
			}
			if now.Sub(lastPublished) >= republishEvery {
				l.republish()
				lastPublished = now
			}
			switch {
			case stalled.IsZero() && now.Sub(began) >= duration/3:
				l.proxy.Stall(0)
				l.proxy.Cut() // the function's kept-alive connection too
				stalled = now
			case !stalled.IsZero() && now.Sub(stalled) >= stallFor:
				l.proxy.Resume()
			}
		}
		err := invokeInTurns([]*warmCase{r.hello, r.file, r.fresh, r.stal}, 0, duration, during)
		l.proxy.Resume()
		if err != nil {
			return nil, err
		}
		r.freshSwaps = count(r.fresh, "policy swapped")
		r.stalledSwaps = count(r.stal, "policy swapped")
		r.stalledFailures = count(r.stal, "policy refresh failed")
		runs = append(runs, r)
	}
	return runs, nil
}

// count is how many of the case's log lines so far have the message msg; the first fetch, at
// start, counts too.
func count(c *warmCase, msg string) int {
	n := 0
	for _, line := range c.f.output().Lines() {
		if strings.Contains(line, `"msg":"`+msg+`"`) {
			n++
		}
	}
	return n
}
