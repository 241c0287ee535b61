package policy

import "strings"

// globSet finds which of a list's patterns can match an ID without trying them all. A pattern's
// literal prefix (before its first wildcard) and literal suffix (after its last) must begin and
// end any ID it matches, so patterns are filed by their prefix's first byte, else by their
// suffix's last byte, else (a pattern that starts and ends with a wildcard) with those tried for
// every ID. Only the patterns filed under the ID's first and last bytes are matched in full, and
// filing allocates nothing per lookup.
type globSet struct {
	byFirst [256][]glob
	byLast  [256][]glob
	always  []glob
}

type glob struct {
	pattern, prefix, suffix string
}

func newGlobSet(patterns []string) *globSet {
	if len(patterns) == 0 {
		return nil
	}
	s := &globSet{}
	for _, p := range patterns {
		first := strings.IndexAny(p, "*?")
		last := strings.LastIndexAny(p, "*?")
		g := glob{pattern: p, prefix: p[:first], suffix: p[last+1:]}
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

// match reports whether id matches any of the patterns.
func (s *globSet) match(id string) bool {
	if s == nil {
		return false
	}
	if id != "" {
		for _, g := range s.byFirst[id[0]] {
			if g.match(id) {
				return true
			}
		}
		for _, g := range s.byLast[id[len(id)-1]] {
			if g.match(id) {
				return true
			}
		}
	}
	for _, g := range s.always {
		if g.match(id) {
			return true
		}
	}
	return false
}

func (g glob) match(id string) bool {
	return len(id) >= len(g.prefix)+len(g.suffix) && strings.HasPrefix(id, g.prefix) &&
		strings.HasSuffix(id, g.suffix) && matchGlob(g.pattern, id)
}
