package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "write the golden outputs in testdata/golden again")

// testNow is the time of every command the tests run, unless a case says otherwise: before the test
// policy's expiring entries (2026-12-01T00:00:00Z) and after its expired one (2026-01-01).
var testNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// result is what a command gave: its output and its exit status.
type result struct {
	stdout, stderr string
	exit           int
}

// subgate runs a subgate command line in this process, as main runs it, with env as its
// environment and testNow as its clock.
func subgate(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	c := &cli{stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return env[k] }, now: func() time.Time { return testNow }}
	exit := c.run(args)
	return result{stdout: stdout.String(), stderr: stderr.String(), exit: exit}
}

// golden compares a command's output with testdata/golden/name.txt: its stdout, then, when it wrote
// to stderr, a line "--- stderr" and its stderr. go test -update writes the file instead.
func golden(t *testing.T, name string, r result) {
	t.Helper()
	got := r.stdout
	if r.stderr != "" {
		got += "--- stderr\n" + r.stderr
	}
	path := filepath.Join("testdata", "golden", name+".txt")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "no golden output: go test ./cmd/subgate -run %s -update writes it", t.Name())
	assert.Equal(t, string(want), got, "the output of %s (go test -update writes it again)", name)
}
