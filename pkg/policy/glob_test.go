package policy

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMatchGlob(t *testing.T) {
	tests := []struct {
		pattern, id string
		want        bool
	}{
		{"*", "", true},
		{"*", "anything", true},
		{"banned_*", "banned_", true},
		{"banned_*", "banned_bob", true},
		{"banned_*", "Banned_bob", false},
		{"banned_*", "xbanned_bob", false},
		{"*_bot", "my_bot", true},
		{"*_bot", "my_bot2", false},
		{"a*b*c", "abc", true},
		{"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXbYY", false},
		{"a*b*c", "acb", false},
		{"u?er", "user", true},
		{"u?er", "uer", false},
		{"u?er", "uXer", true},
		{"u?er", "usser", false},
		{"u?er", "u界er", true},    // ? is one UTF-8 character, not one byte
		{"u??er", "u界er", false},  // ... so two ? do not match one three-byte character
		{"u?er", "u\xffer", true}, // an invalid byte counts as one character
		{"*?", "界", true},         // * does not split a character
		{"*??", "界", false},       // ... nor lets ? match half of one
		{"??", "界界", true},
		{"*界", "a界", true},
		{"exact", "exact", true},
		{"exact", "exactly", false},
		{"**", "x", true},
		{"a*", "", false},
		{"?", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+"~"+tt.id, func(t *testing.T) {
			assert.Equal(t, tt.want, matchGlob(tt.pattern, tt.id))
		})
	}
}

// A pattern that makes naive backtracking exponential must stay cheap.
func TestMatchGlobPathological(t *testing.T) {
	id := strings.Repeat("a", 4096)
	assert.False(t, matchGlob("a*a*a*a*a*a*a*a*b", id))
	assert.True(t, matchGlob("a*a*a*a*a*a*a*a*", id))
}
