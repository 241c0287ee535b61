package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"sync"
	"time"
)

// coldCase is one function and policy whose cold start is measured.
type coldCase struct {
	platform string
	name     string
	hello    bool
	start    func() (function, error)
	event    []byte
	millis   []float64
}

func (c *coldCase) median() float64 { return median(c.millis) }

// cases lists, for each platform, the hello world first and then subgate with each policy.
func cases(fx *fixtures, rie string, large bool) []*coldCase {
	var out []*coldCase
	lambdaEvent, scfEvent := fx.lambdaEvent, fx.scfEvent
	if large {
		lambdaEvent, scfEvent = fx.lambdaLarge, fx.scfLarge
	}
	helloDir := fx.policies[0].dir
	out = append(out, &coldCase{platform: "Lambda (aws-lambda-rie)", name: "hello world (aws-lambda-go)", hello: true, event: lambdaEvent,
		start: func() (function, error) { return startLambda(rie, fx.helloLambda, helloDir, nil) }})
	for _, p := range fx.policies {
		out = append(out, &coldCase{platform: "Lambda (aws-lambda-rie)", name: "subgate, " + p.name, event: lambdaEvent,
			start: func() (function, error) { return startLambda(rie, fx.lambda, p.dir, p.env()) }})
	}
	out = append(out, &coldCase{platform: "SCF (net/rpc)", name: "hello world (scf-go-lib)", hello: true, event: scfEvent,
		start: func() (function, error) { return startSCF(fx.helloSCF, helloDir, nil) }})
	for _, p := range fx.policies {
		out = append(out, &coldCase{platform: "SCF (net/rpc)", name: "subgate, " + p.name, event: scfEvent,
			start: func() (function, error) { return startSCF(fx.scf, p.dir, p.env()) }})
	}
	return out
}

// coldStarts measures each case starts times, in turns, so a busy moment of the machine falls on
// every case alike. For SCF the time runs from starting the process to its first answer; for
// Lambda from the invoke to its answer, the emulator having been started (and listening) before:
// it starts bootstrap on that first invoke, as Lambda does on a cold start.
func coldStarts(fx *fixtures, rie string, starts int) ([]*coldCase, error) {
	all := cases(fx, rie, false)
	for range starts {
		for _, c := range all {
			ms, err := coldStart(c)
			if err != nil {
				return nil, fmt.Errorf("%s, %s: %w", c.platform, c.name, err)
			}
			c.millis = append(c.millis, ms)
		}
	}
	return all, nil
}

func coldStart(c *coldCase) (float64, error) {
	var f function
	var err error
	var began time.Time
	if c.platform == "SCF (net/rpc)" {
		began = time.Now()
		f, err = c.start()
	} else {
		f, err = c.start()
		began = time.Now()
	}
	if err != nil {
		return 0, err
	}
	defer f.stop()
	answer, err := f.invoke(c.event)
	took := time.Since(began)
	if err != nil {
		return 0, err
	}
	if !bytes.Contains(answer, []byte(`"statusCode":200`)) {
		return 0, fmt.Errorf("unexpected answer %s", answer)
	}
	return float64(took.Microseconds()) / 1000, nil
}

// rssRow is a function's peak RSS after the invocations.
type rssRow struct {
	platform, name string
	bytes          int64
}

// peakRSS invokes each function n times with 100 subscribers and reads its peak RSS.
func peakRSS(fx *fixtures, rie string, n int) ([]rssRow, error) {
	var rows []rssRow
	for _, c := range cases(fx, rie, true) {
		f, err := c.start()
		if err != nil {
			return nil, err
		}
		for i := range n {
			if _, err := f.invoke(c.event); err != nil {
				f.stop()
				return nil, fmt.Errorf("%s, %s: invocation %d: %w", c.platform, c.name, i, err)
			}
		}
		pid, err := f.pid()
		var rss int64
		if err == nil {
			rss, err = peakRSSOf(pid)
		}
		f.stop()
		if err != nil {
			return nil, err
		}
		rows = append(rows, rssRow{c.platform, c.name, rss})
	}
	return rows, nil
}

// loadRow is the HTTP server's throughput and latency for one policy and request.
type loadRow struct {
	name          string
	requests      int
	perSecond     float64
	p50, p99, max time.Duration
	errors        int
}

// httpLoad starts the HTTP server for each case and sends it n requests over conc kept-alive
// connections, as fast as it answers.
func httpLoad(fx *fixtures, n, conc int) ([]loadRow, error) {
	var rows []loadRow
	for _, c := range []struct {
		name    string
		policy  policyCase
		body    []byte
		refused string
	}{
		{"example policy, sample request (2 subscribers)", fx.policies[0], fx.sampleBody, "jared"},
		{"100,000-entry list file, 100 subscribers", fx.policies[1], fx.largeBody, fx.largeRefuse[0]},
	} {
		row, err := loadOne(fx.http, c.policy, c.body, c.refused, n, conc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		row.name = c.name
		rows = append(rows, row)
	}
	return rows, nil
}

func loadOne(bin string, p policyCase, body []byte, refused string, n, conc int) (loadRow, error) {
	addr, err := freeAddr()
	if err != nil {
		return loadRow{}, err
	}
	cmd := exec.Command(bin)
	cmd.Dir = p.dir
	cmd.Env = append(os.Environ(), "SUBGATE_ADDR="+addr)
	for k, v := range p.env() {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return loadRow{}, err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	deadline := time.Now().Add(startTimeout)
	for {
		conn, err := net.Dial("tcp", addr)
		if err == nil {
			conn.Close()
			break
		}
		if time.Now().After(deadline) {
			return loadRow{}, fmt.Errorf("the server did not listen on %s", addr)
		}
		time.Sleep(time.Millisecond)
	}
	url := "http://" + addr + "/?SdkAppid=1400000001&CallbackCommand=OfficialAccount.CallbackBeforeAddSubscriber&contenttype=json&ClientIP=127.0.0.1&OptPlatform=RESTAPI"
	transport := &http.Transport{MaxIdleConnsPerHost: conc}
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second}
	defer transport.CloseIdleConnections()

	latencies := make([]time.Duration, n)
	errs := make([]int, conc)
	var wg sync.WaitGroup
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	began := time.Now()
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t := time.Now()
				resp, err := client.Post(url, "application/json", bytes.NewReader(body))
				if err == nil {
					var answer []byte
					answer, err = io.ReadAll(resp.Body)
					resp.Body.Close()
					if err == nil && (resp.StatusCode != http.StatusOK || !bytes.Contains(answer, []byte(refused))) {
						err = fmt.Errorf("answer %d %s", resp.StatusCode, answer)
					}
				}
				latencies[i] = time.Since(t)
				if err != nil {
					errs[w]++
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(began)
	slices.Sort(latencies)
	row := loadRow{requests: n, perSecond: float64(n) / elapsed.Seconds(),
		p50: latencies[n/2], p99: latencies[n*99/100], max: latencies[n-1]}
	for _, e := range errs {
		row.errors += e
	}
	return row, nil
}
