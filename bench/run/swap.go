package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/subgate/subgate/pkg/bundle"
)

// millionKey is where the 1,000,000-entry bundles are published.
const millionKey = "subgate/million.bundle"

// swapTimeout bounds each wait for a bundle to be swapped in.
const swapTimeout = 90 * time.Second

// swapRun is one platform's function fetching a 1,000,000-entry bundle and swapping it for
// another of the same size, twice: its peak RSS against the memory the deployment file gives it.
type swapRun struct {
	platform *platform
	rss      int64
	swaps    int
	// maxBytes is the cap the function's start-up line reports with SUBGATE_POLICY_MAX_BYTES unset
	// at the same memory: whether such a bundle is taken by default.
	defaultMaxBytes int64
}

// deploymentMemory reads the function's memory, in MB, from serverless.yml (SCF) and template.yaml
// (Lambda) in the folder repo, so that the functions run with what they are deployed with.
func deploymentMemory(repo string) (scfMB, lambdaMB int, err error) {
	var scf struct {
		Inputs struct {
			MemorySize int `yaml:"memorySize"`
		} `yaml:"inputs"`
	}
	var sam struct {
		Resources struct {
			WebhookFunction struct {
				Properties struct {
					MemorySize int `yaml:"MemorySize"`
				} `yaml:"Properties"`
			} `yaml:"WebhookFunction"`
		} `yaml:"Resources"`
	}
	for file, into := range map[string]any{"serverless.yml": &scf, "template.yaml": &sam} {
		data, err := os.ReadFile(filepath.Join(repo, file))
		if err != nil {
			return 0, 0, err
		}
		if err := yaml.Unmarshal(data, into); err != nil {
			return 0, 0, fmt.Errorf("%s: %w", file, err)
		}
	}
	scfMB, lambdaMB = scf.Inputs.MemorySize, sam.Resources.WebhookFunction.Properties.MemorySize
	if scfMB == 0 || lambdaMB == 0 {
		return 0, 0, fmt.Errorf("no memory size in serverless.yml (%d) or template.yaml (%d)", scfMB, lambdaMB)
	}
	return scfMB, lambdaMB, nil
}

// makeMillionBundles makes two bundles of the 1,000,000-entry list, of different revisions (the
// second list has one comment line more).
func makeMillionBundles(millionPolicy string) ([2][]byte, error) {
	var out [2][]byte
	var err error
	if out[0], err = bundle.Make(millionPolicy, time.Now()); err != nil {
		return out, err
	}
	dir := filepath.Join(filepath.Dir(millionPolicy), "million-republished")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return out, err
	}
	list, err := os.ReadFile(filepath.Join(filepath.Dir(millionPolicy), "million.txt"))
	if err != nil {
		return out, err
	}
	policyText, err := os.ReadFile(millionPolicy)
	if err != nil {
		return out, err
	}
	for name, data := range map[string][]byte{"million.txt": append(list, "# republished\n"...), "million.yaml": policyText} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return out, err
		}
	}
	out[1], err = bundle.Make(filepath.Join(dir, "million.yaml"), time.Now())
	if err == nil && bytes.Equal(out[0], out[1]) {
		err = fmt.Errorf("the two bundles are the same")
	}
	return out, err
}

// swapRuns runs, on each platform, a function of the live deployment that fetches the first
// 1,000,000-entry bundle, then the second, then the first again, each swapped in beside the one
// deciding, and reads its peak RSS. The cap is lifted to the bundle format's (SUBGATE_POLICY_MAX_BYTES)
// so that the swap happens at any memory; what the cap would be by default at the deployment's
// memory is read from a second function's start-up line.
func swapRuns(pls []*platform, fx *fixtures, l *liveStore) ([]*swapRun, error) {
	var runs []*swapRun
	for _, pl := range pls {
		r := &swapRun{platform: pl}
		if err := r.run(fx, l); err != nil {
			return nil, fmt.Errorf("%s, swapping 1,000,000-entry bundles: %w", pl.name, err)
		}
		runs = append(runs, r)
	}
	return runs, nil
}

func (r *swapRun) run(fx *fixtures, l *liveStore) error {
	l.server.Put(l.h, millionKey, fx.millionBundles[0])
	env := l.env(r.platform, l.direct, true)
	env["SUBGATE_POLICY_URL"] = l.server.URL(millionKey)
	env["SUBGATE_POLICY_FETCH_TIMEOUT"] = "1500ms"

	// The default cap at this memory, from the start-up line of a function left to its default.
	probe, err := r.platform.start(fx.live, env)
	if err != nil {
		return err
	}
	_, err = probe.invoke(r.platform.large)
	if err == nil {
		r.defaultMaxBytes, err = startedMaxBytes(probe.output().Lines())
	}
	probe.stop()
	if err != nil {
		return err
	}

	env["SUBGATE_POLICY_MAX_BYTES"] = strconv.Itoa(bundle.MaxSize)
	f, err := r.platform.start(fx.live, env)
	if err != nil {
		return err
	}
	defer f.stop()
	for i, next := range []int{-1, 1, 0} {
		if next >= 0 {
			l.server.Put(l.h, millionKey, fx.millionBundles[next])
		}
		if err := awaitSwaps(f, r.platform.large, i+1); err != nil {
			return err
		}
		r.swaps = i + 1
	}
	pid, err := f.pid()
	if err == nil {
		r.rss, err = peakRSS(pid)
	}
	return err
}

// awaitSwaps invokes f until its log holds n "policy swapped" lines: the first fetch, then each
// refresh that finds a new bundle (every refreshEvery).
func awaitSwaps(f fn, event []byte, n int) error {
	deadline := time.Now().Add(swapTimeout)
	for {
		if _, err := f.invoke(event); err != nil {
			return err
		}
		swapped, failed := 0, ""
		for _, line := range f.output().Lines() {
			switch {
			case strings.Contains(line, `"msg":"policy swapped"`):
				swapped++
			case strings.Contains(line, `"msg":"policy refresh failed"`):
				failed = line
			}
		}
		if swapped >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d bundles swapped in after %s, not %d (last failure: %s)", swapped, swapTimeout, n, failed)
		}
		time.Sleep(200 * time.Millisecond) // invocations a few times a second, as traffic would
	}
}

// startedMaxBytes is the max_bytes of the start-up line among a function's log lines.
func startedMaxBytes(lines []string) (int64, error) {
	for _, line := range lines {
		if !strings.Contains(line, `"msg":"started"`) {
			continue
		}
		_, rest, ok := strings.Cut(line, `"max_bytes":`)
		if !ok {
			break
		}
		digits, _, _ := strings.Cut(rest, ",")
		return strconv.ParseInt(digits, 10, 64)
	}
	return 0, fmt.Errorf("no max_bytes in the start-up line")
}
