package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// goBenchPackages and goBenchNames are the Go benchmarks make bench runs, as information: the
// warm path inside the process (the gate, and each entrypoint on a console event), policy matching
// and loading, and what a live policy does with a bundle.
var (
	goBenchPackages = []string{"./pkg/gate", "./pkg/scfevent", "./pkg/lambdaevent", "./pkg/policy", "./pkg/bundle", "./pkg/source"}
	goBenchNames    = []string{"CoreSample", "CoreSampleMetrics", "CoreLargeDenyList", "CoreSigned", "SCFFunctionURL", "SCFAPIGateway", "LambdaHTTPAPI", "LambdaRESTAPI",
		"DecideLargeDenyList", "LoadLargeDenyList", "MillionEntries", "ReadAndLoadLargeList", "Current", "StartWithFile"}
)

// goBench is one benchmark: the median of each of its metrics over the runs.
type goBench struct {
	name    string
	metrics []string // in the order go test prints them: ns/op, then the others
	values  map[string][]float64
}

func (b *goBench) median(metric string) float64 { return median(b.values[metric]) }

// goBenchmarks runs the benchmarks count times, one whole round after another, so that a busy
// moment of the machine does not fall on one benchmark's runs only.
func goBenchmarks(count int, benchtime string) ([]*goBench, error) {
	return runGoBenchmarks("Go benchmarks", "^Benchmark("+strings.Join(goBenchNames, "|")+")$", goBenchPackages, count, benchtime)
}

// runGoBenchmarks runs the benchmarks of packages that pattern names as goBenchmarks does; what
// names them in the progress lines.
func runGoBenchmarks(what, pattern string, packages []string, count int, benchtime string) ([]*goBench, error) {
	args := append([]string{"test", "-run", "^$", "-bench", pattern,
		"-benchmem", "-count", "1", "-benchtime", benchtime}, packages...)
	byName := map[string]*goBench{}
	var order []*goBench
	for round := range count {
		fmt.Fprintf(os.Stderr, "bench: %s, round %d of %d\n", what, round+1, count)
		cmd := exec.Command("go", args...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out.String())
		}
		scanner := bufio.NewScanner(&out)
		for scanner.Scan() {
			name, metrics, values, ok := parseBenchLine(scanner.Text())
			if !ok {
				continue
			}
			b := byName[name]
			if b == nil {
				b = &goBench{name: name, metrics: metrics, values: map[string][]float64{}}
				byName[name] = b
				order = append(order, b)
			}
			for i, m := range metrics {
				b.values[m] = append(b.values[m], values[i])
			}
		}
	}
	return order, nil
}

// parseBenchLine reads a line of go test -bench output: BenchmarkName-N, the iterations, then
// value-unit pairs.
func parseBenchLine(line string) (name string, metrics []string, values []float64, ok bool) {
	fields := strings.Fields(line)
	if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") || len(fields)%2 != 0 {
		return "", nil, nil, false
	}
	name = strings.TrimPrefix(fields[0], "Benchmark")
	if i := strings.LastIndexByte(name, '-'); i > 0 {
		if _, err := strconv.Atoi(name[i+1:]); err == nil {
			name = name[:i]
		}
	}
	for i := 2; i+1 < len(fields); i += 2 {
		v, err := strconv.ParseFloat(fields[i], 64)
		if err != nil {
			return "", nil, nil, false
		}
		metrics, values = append(metrics, fields[i+1]), append(values, v)
	}
	return name, metrics, values, true
}
