package policy

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGlobSetMatchesAsTryingEveryPattern: filing patterns by prefix and suffix never changes the
// answer of trying each pattern in turn, and a pattern that has expired is passed over.
func TestGlobSetMatchesAsTryingEveryPattern(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for range 2000 {
		var patterns []pattern
		for range 1 + r.IntN(6) {
			if p := randomString(r, true); isPattern(p) {
				until := int64(forever)
				if r.IntN(3) == 0 {
					until = int64(r.IntN(10))
				}
				patterns = append(patterns, pattern{text: p, until: until})
			}
		}
		set := newGlobSet(patterns)
		for range 20 {
			id := randomString(r, false)
			at := int64(r.IntN(10))
			want := false
			for _, p := range patterns {
				want = want || matchGlob(p.text, id) && at < p.until
			}
			number, got := set.match(id, at)
			require.Equal(t, want, got, "patterns %q, id %q", patterns, id)
			if got {
				// The pattern it names matches and applies.
				assert.True(t, matchGlob(patterns[number].text, id) && at < patterns[number].until)
			}
		}
	}
	_, ok := newGlobSet(nil).match("x", 0)
	assert.False(t, ok)
}
