package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// These test the harness's arithmetic and parsing; nothing here runs a benchmark.

func TestParseBenchLine(t *testing.T) {
	name, metrics, values, ok := parseBenchLine("BenchmarkMillionEntries/Prepare-2   \t 20\t 319865635 ns/op\t 16.41 index-MB\t 148603936 B/op\t 470 allocs/op")
	assert.True(t, ok)
	assert.Equal(t, "MillionEntries/Prepare", name)
	assert.Equal(t, []string{"ns/op", "index-MB", "B/op", "allocs/op"}, metrics)
	assert.Equal(t, []float64{319865635, 16.41, 148603936, 470}, values)

	name, _, _, ok = parseBenchLine("BenchmarkCore-Sample 100 12 ns/op")
	assert.True(t, ok)
	assert.Equal(t, "Core-Sample", name, "a dash not followed by GOMAXPROCS stays")
	for _, line := range []string{"PASS", "ok  \tgithub.com/subgate/subgate/pkg/gate\t1.2s", "BenchmarkX 10 fast ns/op", "BenchmarkX-2 10"} {
		_, _, _, ok := parseBenchLine(line)
		assert.False(t, ok, line)
	}
}

func TestQuantilesAndAdded(t *testing.T) {
	hello := &warmCase{}
	c := &warmCase{hello: hello}
	for i := 1; i <= 100; i++ {
		hello.lat = append(hello.lat, time.Duration(101-i)*time.Microsecond)
		c.lat = append(c.lat, time.Duration(i)*time.Microsecond+50*time.Microsecond)
	}
	assert.Equal(t, 50*time.Microsecond, hello.quantile(0.5))
	assert.Equal(t, 99*time.Microsecond, hello.quantile(0.99))
	assert.Equal(t, 100*time.Microsecond, hello.quantile(1))
	assert.Equal(t, time.Microsecond, hello.quantile(0))
	assert.Equal(t, 50*time.Microsecond, c.added(0.5))
	assert.Equal(t, time.Duration(0), (&warmCase{}).quantile(0.5))

	g := warmGoal("w", c)
	assert.Equal(t, "met", g.verdict)
	c.lat[99] = 2 * time.Millisecond
	c.lat[98] = 2 * time.Millisecond
	g = warmGoal("w", c)
	assert.Equal(t, "**missed**: p99 by 901 µs", g.verdict)
}

func TestCheckAnswer(t *testing.T) {
	answer := []byte(`{"statusCode":200,"body":"{\"RefusedSubscribers_Account\":[\"banned000003\"]}"}`)
	assert.NoError(t, checkAnswer(answer, []string{"banned000003"}))
	assert.ErrorContains(t, checkAnswer(answer, []string{"banned000013"}), "does not refuse banned000013")
	assert.ErrorContains(t, checkAnswer([]byte(`{"statusCode":500}`), nil), "unexpected answer")
}

func TestColdGoalVerdict(t *testing.T) {
	hello := &coldCase{took: []time.Duration{4 * time.Millisecond}}
	c := &coldCase{platform: &platform{name: "SCF"}, d: &deployment{name: "x"}, hello: hello, goal: 1.2, took: []time.Duration{5 * time.Millisecond}}
	rows := (&results{cold: []*coldCase{hello, c}}).goals()
	assert.Len(t, rows, 1)
	assert.True(t, strings.HasPrefix(rows[0].verdict, "**missed** by 0.05× (0.20 ms)"), rows[0].verdict)
}

func TestWorstGoalVerdict(t *testing.T) {
	bench := func(ns float64) *goBench {
		return &goBench{values: map[string][]float64{"ns/op": {ns, ns + 2e6, ns - 1e6}}}
	}
	r := &results{worst: []*worstCase{
		{name: "keys", what: "one object of 5 keys", gate: bench(30e6), any: bench(10e6)},
		{name: "deep", what: "values nested 32 deep", gate: bench(32e6), any: bench(10e6)},
	}}
	rows := r.goals()
	assert.Equal(t, []goalRow{
		{"worst case, keys (one object of 5 keys): the gate ≤ 3× json.Unmarshal into any", "3.00× (30.0 ms vs 10.0 ms)", "met"},
		{"worst case, deep (values nested 32 deep): the gate ≤ 3× json.Unmarshal into any", "3.20× (32.0 ms vs 10.0 ms)", "**missed** by 0.20×"},
	}, rows)
}

func TestDeploymentMemory(t *testing.T) {
	scf, lambda, err := deploymentMemory("../..")
	assert.NoError(t, err)
	assert.GreaterOrEqual(t, scf, 64, "serverless.yml's memorySize")
	assert.GreaterOrEqual(t, lambda, 128, "template.yaml's MemorySize")
}

func TestStartedMaxBytes(t *testing.T) {
	n, err := startedMaxBytes([]string{`{"level":"INFO","msg":"policy swapped"}`,
		`{"level":"INFO","msg":"started","policy_url":"s3://b/k","max_bytes":35791394,"max_bytes_from":"the function's memory (128 MB)"}`})
	assert.NoError(t, err)
	assert.Equal(t, int64(35791394), n)
	_, err = startedMaxBytes([]string{`{"msg":"started"}`})
	assert.Error(t, err)
}
