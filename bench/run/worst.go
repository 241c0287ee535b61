package main

import (
	"fmt"
	"io"

	"github.com/subgate/subgate/internal/worstcase"
)

// worstGoal is the most a worst-case body may cost the gate (gate.Serve: parsing, checking,
// deciding, the answer and the log line), as a multiple of json.Unmarshal decoding the same body
// into any.
const worstGoal = 3.0

// worstCase is one worst-case body of internal/worstcase: the gate's benchmark and encoding/json's
// on it.
type worstCase struct {
	name, what string
	bytes      int
	gate, any  *goBench
}

func (c *worstCase) ratio() float64 { return c.gate.median("ns/op") / c.any.median("ns/op") }

// worstCases runs BenchmarkWorstCase of pkg/gate count times, one whole round after another, and
// pairs each body's two benchmarks.
func worstCases(count int, benchtime string) ([]*worstCase, error) {
	benches, err := runGoBenchmarks("worst-case bodies", "^BenchmarkWorstCase$", []string{"./pkg/gate"}, count, benchtime)
	if err != nil {
		return nil, err
	}
	byName := map[string]*goBench{}
	for _, b := range benches {
		byName[b.name] = b
	}
	var cases []*worstCase
	for _, s := range worstcase.Shapes() {
		c := &worstCase{name: s.Name, what: s.What, bytes: len(s.Body),
			gate: byName["WorstCase/"+s.Name+"/gate"], any: byName["WorstCase/"+s.Name+"/unmarshal-any"]}
		if c.gate == nil || c.any == nil {
			return nil, fmt.Errorf("BenchmarkWorstCase did not report both benchmarks of the %s body", s.Name)
		}
		cases = append(cases, c)
	}
	return cases, nil
}

// worstGoals are the goal rows of the worst-case bodies.
func (r *results) worstGoals() []goalRow {
	var rows []goalRow
	for _, c := range r.worst {
		verdict := "met"
		if c.ratio() > worstGoal {
			verdict = fmt.Sprintf("**missed** by %.2f×", c.ratio()-worstGoal)
		}
		rows = append(rows, goalRow{fmt.Sprintf("worst case, %s (%s): the gate ≤ %.0f× json.Unmarshal into any", c.name, c.what, worstGoal),
			fmt.Sprintf("%.2f× (%.1f ms vs %.1f ms)", c.ratio(), c.gate.median("ns/op")/1e6, c.any.median("ns/op")/1e6), verdict})
	}
	return rows
}

func (r *results) writeWorst(w io.Writer) {
	if len(r.worst) == 0 {
		return
	}
	fmt.Fprintf(w, "\n## Worst-case bodies through the gate\n\n")
	fmt.Fprintf(w, "Each body of `internal/worstcase` through `gate.Serve` (with its policy and its log line) and decoded by `json.Unmarshal` into `any`, in `BenchmarkWorstCase` of `pkg/gate`; medians of the runs.\n\n")
	fmt.Fprintf(w, "| body | bytes | gate ms | gate allocs | json.Unmarshal into any ms | its allocs | ratio |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range r.worst {
		fmt.Fprintf(w, "| %s: %s | %d | %.1f | %.0f | %.1f | %.0f | %.2f× |\n", c.name, c.what, c.bytes,
			c.gate.median("ns/op")/1e6, c.gate.median("allocs/op"), c.any.median("ns/op")/1e6, c.any.median("allocs/op"), c.ratio())
	}
}
