package policy

// IDSet is a list of user IDs and glob patterns. Exact IDs sit in a hash set (a map when parsed, a
// table when read from a prepared index), so a list of any length costs one lookup per subscriber;
// patterns filed by their literal prefix or suffix are tried after that (see globSet).
type IDSet struct {
	exact    map[string]struct{}
	table    *table
	patterns []string
	globs    *globSet // the patterns, filed for lookup
}

func newIDSet(entries []string) *IDSet {
	s := &IDSet{exact: make(map[string]struct{}, len(entries))}
	s.add(entries...)
	s.globs = newGlobSet(s.patterns)
	return s
}

func (s *IDSet) add(entries ...string) {
	for _, e := range entries {
		if isPattern(e) {
			s.patterns = append(s.patterns, e)
		} else {
			s.exact[e] = struct{}{}
		}
	}
}

// Len is the number of entries, exact and patterns.
func (s *IDSet) Len() int {
	if s == nil {
		return 0
	}
	n := len(s.exact) + len(s.patterns)
	if s.table != nil {
		n += s.table.n
	}
	return n
}

// Match reports whether id is in the set or matches one of its patterns. A nil set matches nothing.
func (s *IDSet) Match(id string) bool {
	if s == nil {
		return false
	}
	if _, ok := s.exact[id]; ok {
		return true
	}
	if s.table.has(id) {
		return true
	}
	return s.globs.match(id)
}
