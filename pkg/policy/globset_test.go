package policy

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestGlobSetMatchesAsTryingEveryPattern: filing patterns by prefix and suffix never changes the
// answer of trying each pattern in turn.
func TestGlobSetMatchesAsTryingEveryPattern(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for range 2000 {
		var patterns []string
		for range 1 + r.IntN(6) {
			if p := randomString(r, true); isPattern(p) {
				patterns = append(patterns, p)
			}
		}
		set := newGlobSet(patterns)
		for range 20 {
			id := randomString(r, false)
			want := false
			for _, p := range patterns {
				want = want || matchGlob(p, id)
			}
			assert.Equal(t, want, set.match(id), "patterns %q, id %q", patterns, id)
		}
	}
	assert.False(t, newGlobSet(nil).match("x"))
}
