// Command run is `make bench`: it runs the warm-path Go benchmarks and reports each path against
// its floor, measures cold starts through the real runtime protocols against hello-world functions
// built in the same run, the function's peak RSS after many invocations, the zip sizes, and the
// HTTP server's throughput and latency from a load generator on loopback. It prints the tables and
// writes them as Markdown (-o), where docs/benchmarks.md takes its figures from.
//
// It expects `make package` to have built dist/ for this machine (make bench does) and the Lambda
// Runtime Interface Emulator in bin/ (make bin/aws-lambda-rie). Everything binds 127.0.0.1.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/subgate/subgate/bench/workload"
)

type options struct {
	out         string
	dist        string
	rie         string
	starts      int
	count       int
	benchtime   string
	invocations int
	httpN       int
	httpConc    int
	parts       map[string]bool
}

func main() {
	var o options
	flag.StringVar(&o.out, "o", "bench/results.md", "where to write the results as Markdown")
	flag.StringVar(&o.dist, "dist", "dist", "the folder make package built for this machine")
	flag.StringVar(&o.rie, "rie", "bin/aws-lambda-rie", "the Lambda Runtime Interface Emulator")
	flag.IntVar(&o.starts, "starts", 20, "cold starts of each function and policy")
	flag.IntVar(&o.count, "count", 5, "runs of each Go benchmark (the median is reported)")
	flag.StringVar(&o.benchtime, "benchtime", "200ms", "go test -benchtime for each run")
	flag.IntVar(&o.invocations, "invocations", 10_000, "invocations before peak RSS is read")
	flag.IntVar(&o.httpN, "http-requests", 20_000, "requests the HTTP load generator sends for each case")
	flag.IntVar(&o.httpConc, "http-concurrency", 8, "the load generator's concurrent connections")
	parts := flag.String("parts", "go,sizes,cold,rss,http", "what to measure, comma-separated: go (the Go benchmarks), sizes, cold, rss, http")
	flag.Parse()
	o.parts = map[string]bool{}
	for _, p := range strings.Split(*parts, ",") {
		o.parts[strings.TrimSpace(p)] = true
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	began := time.Now()
	tmp, err := os.MkdirTemp("", "subgate-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var report strings.Builder
	out := io.MultiWriter(os.Stdout, &report)
	fmt.Fprintf(out, "# subgate benchmark results\n\n%s\n", machine())

	if o.parts["go"] {
		step("Go benchmarks (warm path)")
		rows, err := goBenchmarks(o.count, o.benchtime)
		if err != nil {
			return err
		}
		writeWarm(out, rows)
	}

	if o.parts["sizes"] || o.parts["cold"] || o.parts["rss"] || o.parts["http"] {
		if err := measureFunctions(o, tmp, out); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "\nThe whole run took %s.\n", time.Since(began).Round(time.Second))
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

// measureFunctions measures the packaged functions: sizes, cold starts, memory, HTTP load.
func measureFunctions(o options, tmp string, out io.Writer) error {
	step("building the functions, the hello worlds and the policies")
	fx, err := prepare(tmp, o.dist)
	if err != nil {
		return err
	}
	if o.parts["sizes"] {
		writeSizes(out, fx)
	}
	o.rie = abs(o.rie)
	if o.parts["cold"] {
		step(fmt.Sprintf("cold starts (%d of each)", o.starts))
		cold, err := coldStarts(fx, o.rie, o.starts)
		if err != nil {
			return err
		}
		writeCold(out, cold)
	}
	if o.parts["rss"] {
		step(fmt.Sprintf("peak RSS after %d invocations", o.invocations))
		rss, err := peakRSS(fx, o.rie, o.invocations)
		if err != nil {
			return err
		}
		writeRSS(out, rss, o.invocations)
	}
	if o.parts["http"] {
		step("HTTP server under load")
		load, err := httpLoad(fx, o.httpN, o.httpConc)
		if err != nil {
			return err
		}
		writeLoad(out, load, o.httpConc)
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
	return fmt.Sprintf("Machine: %d cores (%s), %s %s/%s, %s. Workload: %d subscribers against a %d-entry deny list plus %d globs.\n",
		runtime.NumCPU(), cpu, runtime.Version(), runtime.GOOS, runtime.GOARCH, time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		workload.Subscribers, workload.DenyEntries, workload.DenyGlobs)
}
