package main

import (
	"fmt"
	"slices"
	"time"
)

// warmCase is one function invoked warm, again and again, with one event.
type warmCase struct {
	platform *platform
	d        *deployment
	env      map[string]string
	label    string
	event    []byte
	refused  []string  // what every answer must refuse
	hello    *warmCase // the hello world invoked with the same event (nil for a hello world)
	// metricsOn is, for a case run with SUBGATE_METRICS=false, the same function with its metrics on:
	// the goals table says what the metrics add.
	metricsOn *warmCase
	goal      bool  // whether the warm goals apply (else information)
	rssLimit  int64 // the goal for its peak RSS in bytes (0: information)

	f   fn
	lat []time.Duration // each warm invocation's, in order (the first, cold, invocation is not in)
	rss int64
}

// quantile is the q-quantile of the latencies (nearest rank).
func (c *warmCase) quantile(q float64) time.Duration {
	s := slices.Clone(c.lat)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	i := int(q*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// added is what the case adds over its hello world at quantile q.
func (c *warmCase) added(q float64) time.Duration { return c.quantile(q) - c.hello.quantile(q) }

// warmRuns invokes each platform's functions n times each, in turns, and then reads each
// function's peak RSS.
func warmRuns(pls []*platform, fx *fixtures, n int) ([]*warmCase, error) {
	var all []*warmCase
	for _, pl := range pls {
		helloSample := &warmCase{platform: pl, d: fx.hello, label: "hello world, sample request", event: pl.sample}
		helloLarge := &warmCase{platform: pl, d: fx.hello, label: "hello world, 100 subscribers", event: pl.large}
		example := &warmCase{platform: pl, d: fx.example, label: "subgate, example policy, sample request", event: pl.sample, refused: []string{"jared"}, hello: helloSample, goal: true}
		cases := []*warmCase{helloSample, example}
		if pl.name == "Lambda" { // the one platform whose lines carry metrics (EMF): the same function without them
			cases = append(cases, &warmCase{platform: pl, d: fx.example, env: map[string]string{"SUBGATE_METRICS": "false"},
				label: "subgate, example policy, sample request, metrics off", event: pl.sample, refused: []string{"jared"}, hello: helloSample, goal: true, metricsOn: example})
		}
		cases = append(cases,
			helloLarge,
			&warmCase{platform: pl, d: fx.text, label: "subgate, 100 subscribers vs the 100,000-entry list", event: pl.large, refused: fx.largeRefused, hello: helloLarge, goal: true, rssLimit: 32_000_000},
			&warmCase{platform: pl, d: fx.million, label: "subgate, 100 subscribers vs the 1,000,000-entry list", event: pl.large, refused: fx.largeRefused, hello: helloLarge, rssLimit: 64_000_000},
		)
		if err := invokeInTurns(cases, n, 0, nil); err != nil {
			return nil, err
		}
		all = append(all, cases...)
	}
	return all, nil
}

// invokeInTurns starts the cases' functions, invokes each once (its cold start, not counted), then
// in turns (each round starting one case further on) until each has had n warm invocations, or for the duration for when n is 0; during
// reports how far the run is (0 to 1) after each round. Then it reads each function's peak RSS
// and stops it.
func invokeInTurns(cases []*warmCase, n int, duration time.Duration, during func(progress float64)) error {
	defer func() {
		for _, c := range cases {
			if c.f != nil {
				c.f.stop()
			}
		}
	}()
	for _, c := range cases {
		f, err := c.platform.start(c.d, c.env)
		if err != nil {
			return fmt.Errorf("%s, %s: %w", c.platform.name, c.label, err)
		}
		c.f = f
		if _, err := c.invoke(); err != nil {
			return err
		}
	}
	began := time.Now()
	for round := 0; ; round++ {
		progress := float64(round) / float64(n)
		if n == 0 {
			progress = float64(time.Since(began)) / float64(duration)
		}
		if progress >= 1 {
			break
		}
		if during != nil {
			during(progress)
		}
		// Each round starts one case further on: a case's place in the round costs or saves about
		// 0.1 ms under the emulator (measured: the case after a hello world was the slower), which
		// would otherwise fall on the same case every round.
		for i := range cases {
			c := cases[(round+i)%len(cases)]
			took, err := c.invoke()
			if err != nil {
				return err
			}
			c.lat = append(c.lat, took)
		}
	}
	for _, c := range cases {
		pid, err := c.f.pid()
		if err == nil {
			c.rss, err = peakRSS(pid)
		}
		if err != nil {
			return fmt.Errorf("%s, %s: peak RSS: %w", c.platform.name, c.label, err)
		}
	}
	return nil
}

// invoke invokes the case's function once, checks its answer and returns how long it took.
func (c *warmCase) invoke() (time.Duration, error) {
	began := time.Now()
	answer, err := c.f.invoke(c.event)
	took := time.Since(began)
	if err == nil {
		err = checkAnswer(answer, c.refused)
	}
	if err != nil {
		return 0, fmt.Errorf("%s, %s: %w", c.platform.name, c.label, err)
	}
	return took, nil
}
