package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/pkg/bundle"
	"github.com/subgate/subgate/pkg/policy"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		args []string
		exit int
	}{
		{"check-valid", []string{"check", "testdata/policy.yaml"}, exitOK},
		{"check-warnings", []string{"check", "testdata/warnings.yaml"}, exitOK},
		{"check-warnings-strict", []string{"check", "testdata/warnings.yaml", "-strict"}, exitFail},
		{"check-valid-strict", []string{"check", "-strict", "testdata/enforce.yaml"}, exitOK},
		{"check-shadow-strict", []string{"check", "-strict", "testdata/policy.yaml"}, exitFail},
		{"check-invalid", []string{"check", "testdata/invalid.yaml"}, exitFail},
		{"check-missing", []string{"check", "testdata/no-such-policy.yaml"}, exitFail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := subgate(t, nil, tt.args...)
			assert.Equal(t, tt.exit, r.exit)
			golden(t, tt.name, r)
		})
	}
}

// The loader's message, with the file and the line, is the whole complaint about an invalid policy.
func TestCheckInvalidSaysWhereAsTheLoaderDoes(t *testing.T) {
	_, err := policy.Load("testdata/invalid.yaml")
	require.Error(t, err)
	r := subgate(t, nil, "check", "testdata/invalid.yaml")
	assert.Equal(t, "subgate check: "+err.Error()+"\n", r.stderr)
	assert.Contains(t, r.stderr, "testdata/invalid.yaml: line 2: unknown key \"denny\"")
	assert.Empty(t, r.stdout)
}

func TestCheckJSON(t *testing.T) {
	r := subgate(t, nil, "check", "testdata/warnings.yaml", "-json")
	require.Equal(t, exitOK, r.exit, r.stderr)
	assert.Empty(t, r.stderr)
	report, err := policy.Check("testdata/warnings.yaml", testNow)
	require.NoError(t, err)
	want, err := json.Marshal(checkDocument{Valid: true, Report: report})
	require.NoError(t, err)
	assert.JSONEq(t, string(want), r.stdout)
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc))
	assert.Equal(t, true, doc["valid"])
	assert.Len(t, doc["warnings"], 3)
	assert.Equal(t, "trusted_denied", doc["warnings"].([]any)[0].(map[string]any)["kind"])

	r = subgate(t, nil, "check", "testdata/warnings.yaml", "-json", "-strict")
	assert.Equal(t, exitFail, r.exit, "-strict fails on warnings with -json too")
	assert.Empty(t, r.stderr)

	// Shadow mode: the mode always; a warning of each channel in shadow mode only with -strict.
	for _, strict := range []bool{false, true} {
		args := []string{"check", "testdata/policy.yaml", "-json"}
		if strict {
			args = append(args, "-strict")
		}
		r = subgate(t, nil, args...)
		var shadow struct {
			Mode     string `json:"mode"`
			Warnings []struct {
				Kind, List string
				Line       int
			} `json:"warnings"`
		}
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &shadow))
		assert.Equal(t, "enforce (shadow on 2 channels)", shadow.Mode)
		if !strict {
			assert.Equal(t, exitOK, r.exit)
			assert.Empty(t, shadow.Warnings)
			continue
		}
		assert.Equal(t, exitFail, r.exit, "-strict fails on shadow mode")
		require.Len(t, shadow.Warnings, 2)
		assert.Equal(t, "shadow", shadow.Warnings[0].Kind)
		assert.Equal(t, `channels."@TOA#_beta".mode`, shadow.Warnings[0].List)
		assert.Equal(t, 16, shadow.Warnings[0].Line)
	}

	r = subgate(t, nil, "check", "testdata/invalid.yaml", "-json")
	assert.Equal(t, exitFail, r.exit)
	doc = nil
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc))
	assert.Equal(t, map[string]any{"valid": false, "error": `policy testdata/invalid.yaml: line 2: unknown key "denny" in the policy (known keys: default, mode, trusted_operators, deny, deny_file, allow, allow_file, max_subscribers, max_members, channels, groups)`}, doc)
	assert.Contains(t, r.stderr, `line 2: unknown key "denny"`)
}

// A bundle is checked as the policy it holds, named policy.yaml.
func TestCheckBundle(t *testing.T) {
	file := filepath.Join(t.TempDir(), "policy.bundle")
	_, err := bundle.WriteFile(file, "testdata/warnings.yaml", testNow)
	require.NoError(t, err)
	r := subgate(t, nil, "check", file, "-json")
	require.Equal(t, exitOK, r.exit, r.stderr)
	var doc struct {
		Revision string `json:"revision"`
		Warnings []struct {
			File string `json:"file"`
		} `json:"warnings"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc))
	p, err := policy.Load("testdata/warnings.yaml")
	require.NoError(t, err)
	assert.Equal(t, p.Info().Revision, doc.Revision, "the same revision as the policy file")
	require.Len(t, doc.Warnings, 3)
	assert.Equal(t, "policy.yaml", doc.Warnings[0].File)

	damaged := filepath.Join(t.TempDir(), "damaged.bundle")
	writeDamaged(t, file, damaged)
	r = subgate(t, nil, "check", damaged)
	assert.Equal(t, exitFail, r.exit)
	assert.Contains(t, r.stderr, "subgate check: bundle "+damaged+": damaged policy bundle")
}
