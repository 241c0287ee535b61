package policy

import "strconv"

// list is one deny or allow list as the policy gives it: the entries of its YAML key (deny, allow)
// and of its list file (deny_file, allow_file), exact IDs in a table and patterns in a globSet.
//
// Its entries are numbered: the table's exact IDs from 0, then the patterns. A Rule names a list
// and an entry number, and finds the rest (text, file, line, expiry, reason) only when asked.
type list struct {
	owner    owner  // where the key is: the top level, a channel or a group
	key      string // "deny" or "allow"
	file     string // the list file as the policy names it; "" when none
	exact    table
	patterns []pattern
	globs    *globSet
	lines    []byte // the list file's line index (see readList)
}

// pattern is a glob entry of a list.
type pattern struct {
	text   string
	until  int64 // Unix seconds; forever when it does not expire
	reason string
	line   int  // in the list file, or in the policy for an inline pattern
	inline bool // from the YAML key, not the list file
}

// match returns the entry of l that id matches and that applies at the time at (Unix seconds):
// an exact ID first, else the first pattern (see globSet.match).
func (l *list) match(id string, at int64) (uint32, bool) {
	if e, ok := l.exact.find(id); ok {
		// One comparison for an entry without an expiry (e >= m), two for one with.
		if int(e) >= l.exact.m || at < l.exact.until(e) {
			return e, true
		}
	}
	if p, ok := l.globs.match(id, at); ok {
		return uint32(l.exact.n) + p, true
	}
	return 0, false
}

// name is the list's key as the policy writes it: deny, channels."@TOA#_news".allow or
// groups."@TGS#_team".deny.
func (l *list) name() string {
	return l.owner.path(l.key)
}

// fileKey is the key of the list's file: deny_file, or channels."@TOA#_news".allow_file.
func (l *list) fileKey() string {
	return l.owner.path(l.key + "_file")
}

// The sections of a policy that name targets with rules of their own.
const (
	sectionChannels = "channels"
	sectionGroups   = "groups"
)

// owner is where in the policy a list or a default is written: the top level (the zero owner), or
// the rules of a channel or a group.
type owner struct {
	section string // sectionChannels or sectionGroups; "" at the top level
	id      string // the channel's or group's ID
}

// path names a key of the owner's: key at the top level, channels."@TOA#_news".key,
// groups."@TGS#_team".key.
func (o owner) path(key string) string {
	if o.section == "" {
		return key
	}
	return o.section + "." + strconv.Quote(o.id) + "." + key
}

// entryInfo is what is known of one entry of a list.
type entryInfo struct {
	text   string
	until  int64
	reason string
	inline bool
	line   int // in the list file; for an inline entry, in the policy for a pattern and 0 for an exact ID
}

// entry describes entry e of l.
func (l *list) entry(e uint32) entryInfo {
	if int(e) >= l.exact.n {
		p := l.patterns[int(e)-l.exact.n]
		return entryInfo{text: p.text, until: p.until, reason: p.reason, inline: p.inline, line: p.line}
	}
	info := entryInfo{text: string(l.exact.entry(e)), until: l.exact.until(e), reason: l.exact.reason(e), inline: true}
	if offset, ok := l.exact.fileOffset(e); ok {
		info.inline, info.line = false, lineOf(l.exact.file, l.lines, offset)
	}
	return info
}

// until is when entry e of l stops applying (forever when it does not expire).
func (l *list) until(e uint32) int64 {
	if int(e) >= l.exact.n {
		return l.patterns[int(e)-l.exact.n].until
	}
	return l.exact.until(e)
}

// size is the number of the list's exact IDs and of its patterns.
func (l *list) size() (exact, patterns int) {
	if l == nil {
		return 0, 0
	}
	return l.exact.n, len(l.patterns)
}
