package policy

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWarningKindsHaveWords(t *testing.T) {
	seen := map[string]WarningKind{}
	for k := WarnAllowedAndDenied; k <= WarnExpired; k++ {
		words := k.String()
		assert.NotContains(t, words, "WarningKind(", "kind %d has no words", k)
		_, twice := seen[words]
		assert.False(t, twice, "%s names two kinds", words)
		seen[words] = k
	}
	assert.Equal(t, "WarningKind(99)", WarningKind(99).String())
}

// subgate check -json prints a Report as it marshals.
func TestReportJSON(t *testing.T) {
	r, err := Check("testdata/check.yaml", checkedAt)
	require.NoError(t, err)
	out, err := json.Marshal(r)
	require.NoError(t, err)
	var got struct {
		Revision         string           `json:"revision"`
		Lists            []map[string]any `json:"lists"`
		Channels         int              `json:"channels"`
		TrustedOperators int              `json:"trusted_operators"`
		Warnings         []map[string]any `json:"warnings"`
	}
	require.NoError(t, json.Unmarshal(out, &got))
	assert.Equal(t, r.Revision, got.Revision)
	assert.Equal(t, 2, got.Channels)
	assert.Equal(t, 2, got.TrustedOperators)
	assert.Equal(t, map[string]any{"name": "deny", "file": "lists/check.txt", "exact_ids": 7.0, "patterns": 5.0, "expired": 2.0}, got.Lists[0])
	assert.Equal(t, map[string]any{"kind": "trusted_denied", "file": "testdata/check.yaml", "line": 1.0, "list": "trusted_operators",
		"message": `trusted operator "mod_1" is also denied by deny "mod_*" (testdata/check.yaml line 7): its requests are allowed in full, but it is refused as a subscriber`},
		got.Warnings[0])

	counts, err := json.Marshal(Counts{ExactIDs: 1, Patterns: 2, Channels: 3, Groups: 5, TrustedOperators: 4})
	require.NoError(t, err)
	assert.JSONEq(t, `{"exact_ids":1,"patterns":2,"channels":3,"groups":5,"trusted_operators":4}`, string(counts))
}
