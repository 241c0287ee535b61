// Command run is `make bench`: it measures what subgate's users pay, each figure beside a
// hello-world function of the same platform library built and measured in the same run, and says
// of each goal of docs/benchmarks.md whether it is met, or by how much it is missed:
//
//   - warm: invocations through the real runtime protocols (SCF's net/rpc, the Lambda Runtime
//     Interface Emulator), p50 and p99, for the sample request with the example policy and for
//     100 subscribers against a 100,000-entry list (and, as information, a 1,000,000-entry one);
//   - cold: process start to first answer, with the example policy, a packaged 100,000-entry list
//     (list file and YAML), a packaged 1,000,000-entry list, and as information the 100,000-entry
//     list without its index and the 1,000,000-entry list on a writable folder;
//   - memory: peak RSS of each function after the warm invocations; the zips' sizes;
//   - live policy: the cold start with SUBGATE_POLICY_URL naming a 100,000-entry bundle on a real
//     S3 server on loopback (versitygw), the fetch reported apart; warm invocations with
//     refresh on (the bundle republished as they run) and with a store that stalls for 10 s,
//     beside the same list from a file; and the peak RSS of a function that swaps a
//     1,000,000-entry bundle for another, against the memory serverless.yml and template.yaml
//     give the function (which every function of the run is told it has);
//   - worst-case bodies: each 1 MiB body of internal/worstcase through the gate, beside
//     encoding/json decoding it into any;
//   - the Go benchmarks of the warm path and of loading, as information.
//
// It builds every function it runs into a temporary folder as make package builds them (for this
// machine), zips each with deploy/pack and unpacks the zip without its dates onto a read-only bind
// mount, as both clouds' code folders are (as root; elsewhere onto a writable folder, and the
// results say so), binds only 127.0.0.1, prints the tables and
// writes them as Markdown (-o). It needs the emulator (-rie) and versitygw (SUBGATE_VERSITYGW, or
// bin/versitygw); make bench installs both. Linux only: it reads /proc.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/subgate/subgate/internal/workload"
)

type options struct {
	out         string
	rie         string
	starts      int
	invocations int
	liveFor     time.Duration
	count       int
	benchtime   string
	parts       map[string]bool
}

// allParts are what -parts can name, in the order they run.
var allParts = []string{"sizes", "cold", "warm", "live", "worst", "go"}

func main() {
	var o options
	flag.StringVar(&o.out, "o", "bench/results.md", "where to write the results as Markdown (\"\" for nowhere)")
	flag.StringVar(&o.rie, "rie", "bin/aws-lambda-rie", "the Lambda Runtime Interface Emulator")
	flag.IntVar(&o.starts, "starts", 20, "cold starts of each function and policy, taken in turns")
	flag.IntVar(&o.invocations, "invocations", 10_000, "warm invocations of each function, taken in turns; peak RSS is read after them")
	flag.DurationVar(&o.liveFor, "live-for", 30*time.Second, "how long the live-policy functions are invoked, in turns (at least 20s: the store stalls for 10s of it)")
	flag.IntVar(&o.count, "count", 3, "runs of each Go benchmark (the median is reported)")
	flag.StringVar(&o.benchtime, "benchtime", "200ms", "go test -benchtime of each Go benchmark run")
	parts := flag.String("parts", strings.Join(allParts, ","), "what to measure, comma-separated: "+strings.Join(allParts, ", "))
	flag.Parse()
	o.parts = map[string]bool{}
	for _, p := range strings.Split(*parts, ",") {
		p = strings.TrimSpace(p)
		if !strings.Contains(","+strings.Join(allParts, ",")+",", ","+p+",") {
			fmt.Fprintf(os.Stderr, "bench: -parts: %q is not one of %s\n", p, strings.Join(allParts, ", "))
			os.Exit(2)
		}
		o.parts[p] = true
	}
	if o.liveFor < 20*time.Second {
		fmt.Fprintln(os.Stderr, "bench: -live-for must be at least 20s: the store stalls for 10s of it")
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(o options) (err error) {
	began := time.Now()
	tmp, err := os.MkdirTemp("", "subgate-bench-")
	if err != nil {
		return err
	}
	h := &harness{dir: tmp}
	defer os.RemoveAll(tmp)
	defer h.close()
	defer h.recover(&err)

	var chosen []string
	for _, p := range allParts {
		if o.parts[p] {
			chosen = append(chosen, p)
		}
	}
	r := &results{machine: machine(), settings: fmt.Sprintf("-parts %s -starts %d -invocations %d -live-for %s -count %d -benchtime %s",
		strings.Join(chosen, ","), o.starts, o.invocations, o.liveFor, o.count, o.benchtime)}
	if o.parts["sizes"] || o.parts["cold"] || o.parts["warm"] || o.parts["live"] {
		step("building the functions and the hello worlds, packing and unpacking them")
		fx, err := prepare(h, tmp)
		if err != nil {
			return err
		}
		r.sizes, r.notReadOnly = fx.sizes, fx.notReadOnly
		rie, err := filepath.Abs(o.rie)
		if err != nil {
			return err
		}
		if _, err := os.Stat(rie); err != nil {
			return fmt.Errorf("the Lambda emulator: %w (make bench installs it: make bin/aws-lambda-rie)", err)
		}
		pls := platforms(fx, rie)
		var live *liveStore
		if o.parts["live"] {
			step("starting the store (versitygw) and publishing the bundles")
			if live, err = startStore(h, fx); err != nil {
				return err
			}
			r.bundleBytes = len(fx.bundles[0])
			if fx.millionBundles, err = makeMillionBundles(fx.millionPolicy); err != nil {
				return err
			}
			r.millionBundleBytes = len(fx.millionBundles[0])
		}
		if o.parts["cold"] || o.parts["live"] {
			step(fmt.Sprintf("cold starts (%d of each, in turns)", o.starts))
			if r.cold, err = coldStarts(pls, fx, live, o.starts, o.parts["cold"]); err != nil {
				return err
			}
		}
		if o.parts["warm"] {
			step(fmt.Sprintf("warm invocations (%d of each, in turns) and peak RSS", o.invocations))
			if r.warm, err = warmRuns(pls, fx, o.invocations); err != nil {
				return err
			}
		}
		if o.parts["live"] {
			step(fmt.Sprintf("live policy: %s of warm invocations of each platform, the store stalled for 10s of it", o.liveFor))
			if r.live, err = liveRuns(pls, fx, live, o.liveFor); err != nil {
				return err
			}
			step("live policy: swapping a 1,000,000-entry bundle for another, and peak RSS")
			if r.swaps, err = swapRuns(pls, fx, live); err != nil {
				return err
			}
		}
	}
	if o.parts["worst"] {
		step("worst-case bodies through the gate, beside json.Unmarshal into any")
		if r.worst, err = worstCases(o.count, o.benchtime); err != nil {
			return err
		}
	}
	if o.parts["go"] {
		step("Go benchmarks")
		if r.gobench, err = goBenchmarks(o.count, o.benchtime); err != nil {
			return err
		}
	}
	r.took = time.Since(began)

	var report strings.Builder
	r.write(&report)
	fmt.Print(report.String())
	if o.out != "" {
		if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(o.out, []byte(report.String()), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "bench: wrote %s\n", o.out)
	}
	return nil
}

func step(what string) { fmt.Fprintf(os.Stderr, "bench: %s ...\n", what) }

// machine names the machine and the toolchain the figures come from.
func machine() string {
	cpu := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(data)) {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	return fmt.Sprintf("%d cores (%s), %s %s/%s, %s. Workload: the sample request (2 subscribers); %d subscribers against a %d-entry deny list plus %d globs (and against %d entries).",
		runtime.NumCPU(), cpu, runtime.Version(), runtime.GOOS, runtime.GOARCH, time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		workload.Subscribers, workload.DenyEntries, workload.DenyGlobs, workload.MillionEntries)
}

// harness is what internal/teststore needs of a test (teststore.TB), for a program: a fatal error
// panics with fatal, which run turns into its error; cleanups run when the run ends.
type harness struct {
	dir      string
	n        int
	cleanups []func()
}

type fatal struct{ msg string }

func (h *harness) Helper()                        {}
func (h *harness) Fatal(args ...any)              { panic(fatal{fmt.Sprint(args...)}) }
func (h *harness) Fatalf(format string, a ...any) { panic(fatal{fmt.Sprintf(format, a...)}) }
func (h *harness) Cleanup(f func())               { h.cleanups = append(h.cleanups, f) }

func (h *harness) TempDir() string {
	h.n++
	dir := filepath.Join(h.dir, fmt.Sprintf("store%d", h.n))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		h.Fatal(err)
	}
	return dir
}

func (h *harness) close() {
	for i := len(h.cleanups) - 1; i >= 0; i-- {
		h.cleanups[i]()
	}
}

// recover turns a fatal panic into *err.
func (h *harness) recover(err *error) {
	if r := recover(); r != nil {
		f, ok := r.(fatal)
		if !ok {
			panic(r)
		}
		*err = errors.New(f.msg)
	}
}
