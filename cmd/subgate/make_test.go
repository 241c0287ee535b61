package main

// The Makefile's use of subgate: make test runs the example policy's cases, and make package runs a
// policy's cases (POLICY_TEST) before it builds anything, so a failing case leaves dist/ as it was.
// (docs_test.go runs make build and a passing make package, as docs/policy-tools.md shows them.)

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/testkit"
)

func TestMakeTestRunsTheExampleCases(t *testing.T) {
	out, err := runMake(t, filepath.Join("..", ".."), "-n", "test", "GO=go")
	require.NoError(t, err, out)
	assert.Contains(t, strings.Split(out, "\n"), "go run ./cmd/subgate test deploy/policy.example.yaml deploy/policy_test.yaml")
}

func TestMakePackageStopsOnAFailingCase(t *testing.T) {
	repo := testkit.CopyRepo(t, filepath.Join("..", ".."))
	dist := filepath.Join(repo, "dist")
	require.NoError(t, os.MkdirAll(filepath.Join(dist, "scf"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dist, "scf", "main"), []byte("the last good build\n"), 0o755))
	cases := filepath.Join(t.TempDir(), "cases.yaml")
	require.NoError(t, os.WriteFile(cases, []byte(`cases:
  - name: leckie is banned
    channel: "@TOA#_test_for_penn"
    subscribers: [jared, leckie]
    want: {refused: [jared, leckie]}
`), 0o644))

	for _, target := range []string{"package", "package-scf", "package-lambda"} {
		t.Run(target, func(t *testing.T) {
			out, err := runMake(t, repo, target, "POLICY_TEST="+cases)
			require.Error(t, err, out)
			assert.Contains(t, out, "FAIL leckie is banned ("+cases+":2)\n  refused: got [jared], want [jared, leckie]\n")
			assert.Contains(t, out, "0 passed, 1 failed\n")
			assert.NotContains(t, out, "go build", "nothing is built")
			entries, err := os.ReadDir(dist)
			require.NoError(t, err)
			require.Len(t, entries, 1, "dist/ holds what it held")
			data, err := os.ReadFile(filepath.Join(dist, "scf", "main"))
			require.NoError(t, err)
			assert.Equal(t, "the last good build\n", string(data))
		})
	}

	// An invalid cases file stops it too.
	require.NoError(t, os.WriteFile(cases, []byte("cases:\n  - name: x\n    chanel: \"@TOA#_a\"\n"), 0o644))
	out, err := runMake(t, repo, "package-scf", "POLICY_TEST="+cases)
	require.Error(t, err, out)
	assert.Contains(t, out, `line 3: unknown key "chanel" in a case`)
	assert.NotContains(t, out, "go build")
}

// runMake runs make with args in dir, in the environment of a make a person runs.
func runMake(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("make", append([]string{"--no-print-directory"}, args...)...)
	cmd.Dir = dir
	cmd.Env = testkit.Environ()
	out, err := cmd.CombinedOutput()
	return string(out), err
}
