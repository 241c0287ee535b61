package policy

import (
	"strings"
	"unicode/utf8"
)

// isPattern reports whether an ID list entry is a glob rather than an exact ID.
func isPattern(entry string) bool {
	return strings.ContainsAny(entry, "*?")
}

// matchGlob reports whether id matches pattern, where '*' is any run of characters and '?' exactly
// one UTF-8 character (a byte that is not valid UTF-8 counts as one character). Everything else is
// compared byte for byte. It backtracks only to the last '*', so it runs in O(len(pattern)*len(id))
// time whatever the pattern.
func matchGlob(pattern, id string) bool {
	px, ix := 0, 0
	starPx, starIx := -1, 0
	for px < len(pattern) || ix < len(id) {
		if px < len(pattern) {
			switch c := pattern[px]; c {
			case '*':
				starPx, starIx = px, ix
				px++
				continue
			case '?':
				if ix < len(id) {
					_, size := utf8.DecodeRuneInString(id[ix:])
					px++
					ix += size
					continue
				}
			default:
				if ix < len(id) && id[ix] == c {
					px++
					ix++
					continue
				}
			}
		}
		// Mismatch: let the last '*' swallow one more character and try again from there.
		if starPx < 0 || starIx >= len(id) {
			return false
		}
		_, size := utf8.DecodeRuneInString(id[starIx:])
		starIx += size
		px, ix = starPx+1, starIx
	}
	return true
}
