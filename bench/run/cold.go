package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// coldCase is one function whose cold start is measured on one platform.
type coldCase struct {
	platform *platform
	d        *deployment
	env      map[string]string // beside d's (the store's, for a live policy)
	goal     float64           // the most its median may be, as a ratio to hello world's (0: information)
	hello    *coldCase         // the hello world it is compared with (nil for the hello world)

	took []time.Duration
	// From the function's log lines: what its start-up line says of the policy, and for a live
	// policy what its first fetch took.
	indexed  string
	loadMS   float64
	fetchMS  []float64
	fetchLds []float64
}

func (c *coldCase) median() time.Duration { return medianDuration(c.took) }

// ratio is the case's median over its hello world's.
func (c *coldCase) ratio() float64 {
	return float64(c.median()) / float64(c.hello.median())
}

// coldStarts measures starts cold starts of every case, in turns, so that a busy moment of the
// machine falls on every case alike. With withPolicies false only the hello worlds and the live
// policy are measured (make bench -parts live).
func coldStarts(pls []*platform, fx *fixtures, live *liveStore, starts int, withPolicies bool) ([]*coldCase, error) {
	var all []*coldCase
	for _, pl := range pls {
		hello := &coldCase{platform: pl, d: fx.hello}
		all = append(all, hello)
		add := func(d *deployment, env map[string]string, goal float64) {
			all = append(all, &coldCase{platform: pl, d: d, env: env, goal: goal, hello: hello})
		}
		if withPolicies {
			add(fx.example, nil, 1.2)
			add(fx.text, nil, 1.2)
			add(fx.yaml, nil, 1.2)
			add(fx.million, nil, 2.0)
			add(fx.textBare, nil, 0)
			add(fx.yamlBare, nil, 0)
			add(fx.millionWritable, nil, 0)
		}
		if live != nil {
			add(fx.live, live.env(pl, live.direct, false), 0)
		}
	}
	for round := range starts {
		for i := range all { // each round starting one case further on, as the warm runs do
			c := all[(round+i)%len(all)]
			if err := c.start(round == 0); err != nil {
				return nil, fmt.Errorf("cold start, %s, %s: %w", c.platform.name, c.d.name, err)
			}
		}
	}
	return all, nil
}

// start measures one cold start: process start (SCF) or the first invocation (Lambda) to the first
// answer, to the sample request. The first time, it reads what the start-up line says of the
// policy; for a live policy, every time, what its first fetch took.
func (c *coldCase) start(first bool) error {
	var began time.Time
	if c.platform.clockAtStart {
		began = time.Now()
	}
	f, err := c.platform.start(c.d, c.env)
	if err != nil {
		return err
	}
	defer f.stop()
	if !c.platform.clockAtStart {
		began = time.Now()
	}
	answer, err := f.invoke(c.platform.sample)
	took := time.Since(began)
	if err != nil {
		return fmt.Errorf("%w\nthe function's output:\n%s", err, f.output())
	}
	if err := checkAnswer(answer, nil); err != nil {
		return err
	}
	c.took = append(c.took, took)
	if c.hello == nil {
		return nil
	}
	if first {
		line, err := logLine(f, "started")
		if err != nil {
			return err
		}
		if line["policy_url"] == nil {
			c.indexed = fmt.Sprint(line["indexed"])
			if why, ok := line["index_ignored"]; ok {
				c.indexed = fmt.Sprintf("%v (%v)", line["indexed"], why)
			}
			c.loadMS, _ = line["load_ms"].(float64)
		}
	}
	if c.env != nil { // a live policy: its first fetch
		line, err := logLine(f, "policy swapped")
		if err != nil {
			return err
		}
		fetch, _ := line["fetch_ms"].(float64)
		load, _ := line["load_ms"].(float64)
		c.fetchMS = append(c.fetchMS, fetch)
		c.fetchLds = append(c.fetchLds, load)
	}
	return nil
}

// logLine waits for the function's log line whose message is msg and returns it decoded.
func logLine(f fn, msg string) (map[string]any, error) {
	line, err := f.output().WaitFor(fmt.Sprintf(`"msg":%q`, msg), 10*time.Second)
	if err != nil {
		return nil, fmt.Errorf("%w\n%s", err, f.output())
	}
	var entry map[string]any
	if err := json.Unmarshal([]byte(line), &entry); err != nil {
		return nil, fmt.Errorf("log line %q: %w", line, err)
	}
	return entry, nil
}

func medianDuration(v []time.Duration) time.Duration {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
