package policy

import "unicode/utf8"

// covers reports whether every ID that pattern q matches also matches pattern p, so that q is
// redundant beside p. (An exact ID is a pattern without wildcards.) It matches p against q's text
// read as symbols: p's '*' takes any run of q's symbols, wildcards included; p's '?' takes one
// character of q or q's '?', but not q's '*' (which may stand for none or several); p's other
// bytes take the same bytes of q. When it says yes, q is covered; it may say no for a few unusual
// pairs that are (p "?*" and q "*?"), which only leaves a warning out.
func covers(p, q string) bool {
	px, qx := 0, 0
	starPx, starQx := -1, 0
	for px < len(p) || qx < len(q) {
		if px < len(p) {
			switch c := p[px]; c {
			case '*':
				starPx, starQx = px, qx
				px++
				continue
			case '?':
				if qx < len(q) && q[qx] != '*' {
					px++
					qx += symbolSize(q[qx:])
					continue
				}
			default:
				if qx < len(q) && q[qx] == c {
					px++
					qx++
					continue
				}
			}
		}
		// Mismatch: let the last '*' of p take one more symbol of q and try again from there.
		if starPx < 0 || starQx >= len(q) {
			return false
		}
		starQx += symbolSize(q[starQx:])
		px, qx = starPx+1, starQx
	}
	return true
}

// symbolSize is the length of the symbol s starts with: a wildcard byte, or one UTF-8 character
// (one byte when it is not valid UTF-8).
func symbolSize(s string) int {
	if s[0] == '*' || s[0] == '?' {
		return 1
	}
	_, size := utf8.DecodeRuneInString(s)
	return size
}
