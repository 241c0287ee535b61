// Package mutate makes random edits of JSON texts for the differential tests of the fast one-pass
// readers: each must read whatever it accepts exactly as encoding/json does. (It stands apart from
// testkit so that pkg/webhook's own tests can use it.)
package mutate

import "math/rand/v2"

// Edit returns a copy of text with one to three random edits: a piece inserted, a byte deleted,
// or a byte replaced by a piece.
func Edit(r *rand.Rand, text []byte, pieces []string) []byte {
	out := append(text[:0:0], text...)
	for range 1 + r.IntN(3) {
		at := r.IntN(len(out) + 1)
		switch r.IntN(3) {
		case 0: // insert
			out = append(out[:at:at], append([]byte(pieces[r.IntN(len(pieces))]), out[at:]...)...)
		case 1: // delete
			if at < len(out) {
				out = append(out[:at:at], out[at+1:]...)
			}
		case 2: // replace
			if at < len(out) {
				out = append(out[:at:at], append([]byte(pieces[r.IntN(len(pieces))]), out[at+1:]...)...)
			}
		}
	}
	return out
}
