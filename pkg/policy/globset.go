package policy

import "strings"

// globSet finds which of a list's patterns can match an ID without trying them all. A pattern's
// literal prefix (before its first wildcard) and literal suffix (after its last) must begin and
// end any ID it matches, so patterns are filed by their prefix's first byte, else by their
// suffix's last byte, else (a pattern that starts and ends with a wildcard) with those tried for
// every ID. Only the patterns filed under the ID's first and last bytes are matched in full, and
// filing allocates nothing per lookup. Each pattern keeps its number in its list and when it stops
// applying, so a match that has expired costs one comparison and the search goes on.
type globSet struct {
	byFirst [256][]glob
	byLast  [256][]glob
	always  []glob
}

type glob struct {
	pattern, prefix, suffix string
	number                  uint32 // in the list's patterns
	until                   int64
}

func newGlobSet(patterns []pattern) *globSet {
	if len(patterns) == 0 {
		return nil
	}
	s := &globSet{}
	for i, pat := range patterns {
		p := pat.text
		first := strings.IndexAny(p, "*?")
		last := strings.LastIndexAny(p, "*?")
		g := glob{pattern: p, prefix: p[:first], suffix: p[last+1:], number: uint32(i), until: pat.until}
		switch {
		case g.prefix != "":
			s.byFirst[g.prefix[0]] = append(s.byFirst[g.prefix[0]], g)
		case g.suffix != "":
			s.byLast[g.suffix[len(g.suffix)-1]] = append(s.byLast[g.suffix[len(g.suffix)-1]], g)
		default:
			s.always = append(s.always, g)
		}
	}
	return s
}

// match returns the number of the first pattern that id matches and that still applies at the
// time at (Unix seconds): those filed by first byte, then by last byte, then the others, each in
// list order.
func (s *globSet) match(id string, at int64) (uint32, bool) {
	if s == nil {
		return 0, false
	}
	if id != "" {
		for i := range s.byFirst[id[0]] {
			if g := &s.byFirst[id[0]][i]; g.match(id) && at < g.until {
				return g.number, true
			}
		}
		for i := range s.byLast[id[len(id)-1]] {
			if g := &s.byLast[id[len(id)-1]][i]; g.match(id) && at < g.until {
				return g.number, true
			}
		}
	}
	for i := range s.always {
		if g := &s.always[i]; g.match(id) && at < g.until {
			return g.number, true
		}
	}
	return 0, false
}

func (g *glob) match(id string) bool {
	return len(id) >= len(g.prefix)+len(g.suffix) && strings.HasPrefix(id, g.prefix) &&
		strings.HasSuffix(id, g.suffix) && matchGlob(g.pattern, id)
}

// each calls yield with each pattern that could match id (or cover a pattern id) by its first and
// last bytes, in the order match tries them, until yield returns false.
func (s *globSet) each(id string, yield func(g *glob) bool) {
	if s == nil {
		return
	}
	var buckets [3][]glob
	if id != "" {
		buckets[0], buckets[1] = s.byFirst[id[0]], s.byLast[id[len(id)-1]]
	}
	buckets[2] = s.always
	for _, bucket := range buckets {
		for i := range bucket {
			if !yield(&bucket[i]) {
				return
			}
		}
	}
}
