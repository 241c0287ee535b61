package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// benchPackages hold the warm-path benchmarks; each path X has its floor XFloor beside it.
var benchPackages = []string{"./pkg/gate", "./pkg/scfevent", "./pkg/lambdaevent", "./pkg/policy"}

// warmRow is one benchmark: the median of its runs.
type warmRow struct {
	name     string
	nsPerOp  float64
	allocs   float64
	bytes    float64
	floor    *warmRow
	isFloor  bool
	ratio    float64 // median over the rounds of ns/op to the floor's, in the same round
	position int
}

var benchLine = regexp.MustCompile(`^Benchmark(\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op\s+([\d.]+) B/op\s+([\d.]+) allocs/op`)

// goBenchmarks runs the whole set of benchmarks count times, one round after another, so each path
// and its floor run close together in time in every round (the machine may be shared). It returns
// each benchmark's medians, and each path's median ratio to its floor over the rounds.
func goBenchmarks(count int, benchtime string) ([]*warmRow, error) {
	args := append([]string{"test", "-run", "^$", "-bench", ".", "-benchmem", "-count", "1", "-benchtime", benchtime}, benchPackages...)
	samples := map[string][][3]float64{}
	var order []string
	for round := range count {
		fmt.Fprintf(os.Stderr, "bench: round %d of %d\n", round+1, count)
		cmd := exec.Command("go", args...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out.String())
		}
		scanner := bufio.NewScanner(&out)
		for scanner.Scan() {
			m := benchLine.FindStringSubmatch(scanner.Text())
			if m == nil {
				continue
			}
			var v [3]float64
			for i := range v {
				v[i], _ = strconv.ParseFloat(m[2+i], 64)
			}
			if _, ok := samples[m[1]]; !ok {
				order = append(order, m[1])
			}
			samples[m[1]] = append(samples[m[1]], v)
		}
	}
	byName := map[string]*warmRow{}
	var rows []*warmRow
	for i, name := range order {
		r := &warmRow{name: name, position: i, isFloor: strings.HasSuffix(name, "Floor"),
			nsPerOp: median(column(samples[name], 0)), bytes: median(column(samples[name], 1)), allocs: median(column(samples[name], 2))}
		byName[name] = r
		rows = append(rows, r)
	}
	for _, r := range rows {
		f, ok := byName[r.name+"Floor"]
		if !ok {
			continue
		}
		r.floor = f
		path, floor := column(samples[r.name], 0), column(samples[f.name], 0)
		ratios := make([]float64, min(len(path), len(floor)))
		for i := range ratios {
			ratios[i] = path[i] / floor[i]
		}
		r.ratio = median(ratios)
	}
	return rows, nil
}

func column(samples [][3]float64, i int) []float64 {
	out := make([]float64, len(samples))
	for j, s := range samples {
		out[j] = s[i]
	}
	return out
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
