package policy

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMode(t *testing.T) {
	tests := []struct {
		name, policy string
		want         Mode
		words        string
		anyShadow    bool
	}{
		{"Default", "deny: [a]\n", Mode{}, "enforce", false},
		{"Enforce", "mode: enforce\nchannels:\n  \"@TOA#_c\":\n    mode: enforce\n", Mode{}, "enforce", false},
		{"Shadow", "mode: shadow\nchannels:\n  \"@TOA#_c\":\n    deny: [a]\n", Mode{Shadow: true}, "shadow", true},
		{"EnforceButOneChannel", "channels:\n  \"@TOA#_c\":\n    mode: shadow\n  \"@TOA#_d\":\n    deny: [a]\n",
			Mode{Others: 1}, "enforce (shadow on 1 channel)", true},
		{"EnforceButTwoChannels", "channels:\n  \"@TOA#_c\":\n    mode: shadow\n  \"@TOA#_d\":\n    mode: shadow\n",
			Mode{Others: 2}, "enforce (shadow on 2 channels)", true},
		{"ShadowButOneChannel", "mode: shadow\nchannels:\n  \"@TOA#_c\":\n    mode: enforce\n  \"@TOA#_d\":\n    mode: shadow\n",
			Mode{Shadow: true, Others: 1}, "shadow (enforce on 1 channel)", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.policy), "p.yaml", t.TempDir())
			require.NoError(t, err)
			assert.Equal(t, tt.want, p.Mode())
			assert.Equal(t, tt.words, p.Mode().String())
			assert.Equal(t, tt.anyShadow, p.Mode().AnyShadow())
		})
	}
	assert.Equal(t, "enforce", AllowAll().Mode().String())
}

// A policy read from its prepared index has the mode of the policy parsed.
func TestModeFromIndex(t *testing.T) {
	files := memFiles{"policy.yaml": []byte("mode: shadow\nchannels:\n  \"@TOA#_c\":\n    mode: enforce\n")}
	index, err := PrepareFrom(files, "policy.yaml")
	require.NoError(t, err)
	files["policy.yaml"+IndexSuffix] = index
	p, err := LoadFrom(files, "policy.yaml")
	require.NoError(t, err)
	require.True(t, p.Info().Indexed)
	assert.Equal(t, "shadow (enforce on 1 channel)", p.Mode().String())
}
