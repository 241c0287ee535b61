package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTest(t *testing.T) {
	tests := []struct {
		name string
		args []string
		exit int
	}{
		{"test-pass", []string{"test", "testdata/policy.yaml", "testdata/cases.yaml"}, exitOK},
		{"test-pass-verbose", []string{"test", "testdata/policy.yaml", "testdata/cases.yaml", "-v"}, exitOK},
		{"test-fail", []string{"test", "testdata/policy.yaml", "testdata/cases_failing.yaml"}, exitFail},
		{"test-invalid-policy", []string{"test", "testdata/invalid.yaml", "testdata/cases.yaml"}, exitFail},
		{"test-invalid-cases", []string{"test", "testdata/policy.yaml", "testdata/invalid.yaml"}, exitUsage},
		{"test-missing-cases", []string{"test", "testdata/policy.yaml", "testdata/no-such-cases.yaml"}, exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := subgate(t, nil, tt.args...)
			assert.Equal(t, tt.exit, r.exit, "stderr: %s", r.stderr)
			golden(t, tt.name, r)
		})
	}
}

// The example policy passes its cases: make test runs them too, as CI does.
func TestExampleCases(t *testing.T) {
	r := subgate(t, nil, "test", "../../deploy/policy.example.yaml", "../../deploy/policy_test.yaml")
	assert.Equal(t, exitOK, r.exit, "%s%s", r.stdout, r.stderr)
	assert.Regexp(t, `^\d+ passed, 0 failed\n$`, r.stdout)
}

func TestTestJSON(t *testing.T) {
	r := subgate(t, nil, "test", "testdata/policy.yaml", "testdata/cases_failing.yaml", "-json")
	assert.Equal(t, exitFail, r.exit)
	assert.Empty(t, r.stderr)
	var doc struct {
		Cases []struct {
			Name        string            `json:"name"`
			Line        int               `json:"line"`
			Passed      bool              `json:"passed"`
			Differences []string          `json:"differences"`
			Answer      json.RawMessage   `json:"answer"`
			Subscribers []json.RawMessage `json:"subscribers"`
			Mode        string            `json:"mode"`
		} `json:"cases"`
		Passed, Failed int
		Policy         string `json:"policy"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc))
	assert.Equal(t, 1, doc.Passed)
	assert.Equal(t, 3, doc.Failed)
	assert.Len(t, doc.Policy, 12)
	require.Len(t, doc.Cases, 4)
	assert.True(t, doc.Cases[0].Passed)
	assert.Equal(t, []string{}, doc.Cases[0].Differences)
	assert.Equal(t, "leckie is banned", doc.Cases[1].Name)
	assert.Equal(t, 7, doc.Cases[1].Line)
	assert.Equal(t, []string{"refused: got [jared], want [jared, leckie]"}, doc.Cases[1].Differences)
	assert.JSONEq(t, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["jared"]}`, string(doc.Cases[1].Answer))
	assert.JSONEq(t, `{"id":"leckie","refused":false,"rule":"default: allow"}`, string(doc.Cases[1].Subscribers[1]))
	assert.Equal(t, "shadow", doc.Cases[3].Mode)
}

// A case's time is its own: the same request decides differently on either side of an until.
func TestTestCasesAtTheirTime(t *testing.T) {
	cases := filepath.Join(t.TempDir(), "cases.yaml")
	require.NoError(t, os.WriteFile(cases, []byte(`cases:
  - name: now, before the until
    channel: "@TOA#_news"
    subscribers: [troll]
    want: {refused: [troll]}
  - name: a second before the until
    channel: "@TOA#_news"
    subscribers: [troll]
    at: "2026-11-30T23:59:59Z"
    want: {refused: [troll]}
  - name: at the until, in another zone
    channel: "@TOA#_news"
    subscribers: [troll]
    at: "2026-12-01T08:00:00+08:00"
    want: {refused: []}
`), 0o644))
	r := subgate(t, nil, "test", "testdata/policy.yaml", cases)
	assert.Equal(t, result{stdout: "3 passed, 0 failed\n"}, r)
}
