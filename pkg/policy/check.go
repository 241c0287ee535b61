package policy

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Report is what a careful author wants to know of a policy before shipping it (subgate check): a
// summary of what it holds, and warnings about entries that do not do what they seem to.
//
// A Report, and each of its parts, marshals to JSON with the snake_case names of its fields (a
// warning's kind in words, as WarningKind.String): subgate check -json prints it.
type Report struct {
	// Revision is the policy's (see Info.Revision).
	Revision string `json:"revision"`
	// Mode is how the policy's decisions apply, in words (Mode.String): "enforce",
	// "enforce (shadow on 2 channels)", "shadow".
	Mode string `json:"mode"`
	// Lists has each deny and allow list, in the order the policy names them.
	Lists []ListSummary `json:"lists"`
	// Channels, Groups and TrustedOperators are how many the policy names.
	Channels         int `json:"channels"`
	Groups           int `json:"groups"`
	TrustedOperators int `json:"trusted_operators"`
	// DecidesGroups is whether the policy decides the group webhooks (it has a groups key).
	DecidesGroups bool `json:"decides_groups"`
	// Warnings are sorted by file (the policy first, then its list files in the order named) and
	// line. Of each kind, at most MaxWarningsEach are given per list; one more warning, on no
	// line, says how many were left out.
	Warnings []Warning `json:"warnings"`
}

// ListSummary is one deny or allow list of a policy.
type ListSummary struct {
	Name     string `json:"name"`      // the list's key as the policy writes it: deny, channels."@TOA#_news".allow, groups."@TGS#_team".deny
	File     string `json:"file"`      // its list file, as the policy names it; "" when none
	ExactIDs int    `json:"exact_ids"` // its exact IDs, an ID listed twice counted once
	Patterns int    `json:"patterns"`
	Expired  int    `json:"expired"` // entries (exact IDs and patterns) whose until had passed at the time checked
}

// Warning is something a careful author wants to know of an entry or a list.
type Warning struct {
	Kind WarningKind `json:"kind"`
	// File is the file the warning is about: the policy's name as given to Check (for an entry
	// of a YAML key, or a whole list) or a list file's, as the policy names it.
	File string `json:"file"`
	// Line is the line in File; 0 when the warning is about more than one line.
	Line int `json:"line"`
	// List is the list the warning is about: deny, channels."@TOA#_news".allow,
	// groups."@TGS#_team".deny, trusted_operators.
	List    string `json:"list"`
	Message string `json:"message"`
}

// String is the warning as a line: file:line: message.
func (w Warning) String() string {
	if w.Line == 0 {
		return w.File + ": " + w.Message
	}
	return w.File + ":" + strconv.Itoa(w.Line) + ": " + w.Message
}

// WarningKind is what a Warning is about.
type WarningKind uint8

// The kinds of warnings.
const (
	// WarnAllowedAndDenied: an entry of an allow list is denied too (deny wins).
	WarnAllowedAndDenied WarningKind = iota + 1
	// WarnRepeated: an ID or pattern is listed twice in one list.
	WarnRepeated
	// WarnRedundant: an entry is already covered by a pattern of the same list.
	WarnRedundant
	// WarnTrustedDenied: a trusted operator is also denied as a subscriber.
	WarnTrustedDenied
	// WarnAllowListEmptied: nothing in an allow list can let anyone in (each entry is denied or
	// has expired), so nobody can subscribe where it applies.
	WarnAllowListEmptied
	// WarnExpired: an entry's until has passed; it no longer applies.
	WarnExpired
	// WarnShadow: the policy, or a channel, is in shadow mode: its rules only log whom they would
	// refuse, and everyone may subscribe. A policy shipped in shadow mode by mistake refuses nobody;
	// one in shadow mode on purpose does what it says, so subgate check counts it only with -strict.
	WarnShadow
)

// String is the kind in words: allowed_and_denied, repeated, redundant, trusted_denied,
// allow_list_emptied, expired, shadow.
func (k WarningKind) String() string {
	switch k {
	case WarnAllowedAndDenied:
		return "allowed_and_denied"
	case WarnRepeated:
		return "repeated"
	case WarnRedundant:
		return "redundant"
	case WarnTrustedDenied:
		return "trusted_denied"
	case WarnAllowListEmptied:
		return "allow_list_emptied"
	case WarnExpired:
		return "expired"
	case WarnShadow:
		return "shadow"
	}
	return "WarningKind(" + strconv.Itoa(int(k)) + ")"
}

// MarshalText writes the kind's String, so JSON shows its words.
func (k WarningKind) MarshalText() ([]byte, error) {
	return []byte(k.String()), nil
}

// MaxWarningsEach is how many warnings of one kind Check gives about one list.
const MaxWarningsEach = 100

// Check reads the policy file at path as Load does, and reports on it as of now. It always parses
// the policy (an index keeps neither the policy's line numbers nor the entries listed twice), and
// returns the loader's error when the policy is invalid.
func Check(path string, now time.Time) (*Report, error) {
	return check(Dir(filepath.Dir(path)), filepath.Base(path), path, now)
}

// CheckFrom is Check for the policy called name among files.
func CheckFrom(files Files, name string, now time.Time) (*Report, error) {
	return check(files, name, name, now)
}

func check(files Files, name, display string, now time.Time) (*Report, error) {
	text, err := files.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("policy file: %w", err)
	}
	n := &notes{keys: map[string]int{}, lists: map[*list]*listNotes{}}
	p, err := parse(text, files, n)
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", display, err)
	}
	c := checker{p: p, notes: n, policy: display, at: now.Unix(), counts: map[warnGroup]int{}, strings: map[*list][2]string{}}
	c.run()
	return c.report(), nil
}

// notes are what Check needs beyond what deciding does, recorded while parsing: where each key,
// inline entry and trusted operator is in the policy, and the entries listed twice. A nil *notes
// records nothing, which is how Load parses.
type notes struct {
	keys    map[string]int // the line of each key, by keyPath
	trusted []trustedOperator
	lists   map[*list]*listNotes
}

type listNotes struct {
	inlineLines map[uint32]int // an inline exact ID's start in the table's inline bytes: its line
	repeated    []repeat
	repeatedPat [][2]pattern
}

// repeat is an exact ID listed again: where in inline+file the entry kept starts, and where the
// repeat starts and ends.
type repeat struct{ kept, again, againEnd uint32 }

func (n *notes) key(path string, line int) {
	if n != nil {
		n.keys[path] = line
	}
}

func (n *notes) trustedOperator(op trustedOperator) {
	if n != nil {
		n.trusted = append(n.trusted, op)
	}
}

func (n *notes) list(l *list) *listNotes {
	if n == nil {
		return nil
	}
	ln := &listNotes{inlineLines: map[uint32]int{}}
	n.lists[l] = ln
	return ln
}

func (n *notes) forget(l *list) {
	if n != nil {
		delete(n.lists, l)
	}
}

func (ln *listNotes) inlineEntry(start uint32, line int) {
	if ln != nil {
		ln.inlineLines[start] = line
	}
}

func (ln *listNotes) exactRepeated(kept, again, againEnd uint32) {
	ln.repeated = append(ln.repeated, repeat{kept, again, againEnd})
}

func (ln *listNotes) patternRepeated(first, again pattern) {
	if ln != nil {
		ln.repeatedPat = append(ln.repeatedPat, [2]pattern{first, again})
	}
}

// checker runs the checks of one policy.
type checker struct {
	p        *Policy
	notes    *notes
	policy   string // the policy's name, for warnings
	at       int64
	warnings []Warning
	counts   map[warnGroup]int
	strings  map[*list][2]string // each list's inline IDs and file, as strings (see text)
}

type warnGroup struct {
	kind WarningKind
	list string
}

// warn adds a warning, unless MaxWarningsEach of its kind about its list were given already.
func (c *checker) warn(w Warning) {
	g := warnGroup{w.Kind, w.List}
	c.counts[g]++
	if c.counts[g] <= MaxWarningsEach {
		c.warnings = append(c.warnings, w)
	}
}

// place is where entry e of l is written: the file and the line.
func (c *checker) place(l *list, e uint32) (string, int) {
	if int(e) < l.exact.n {
		start, _ := l.exact.span(e)
		return c.placeOfStart(l, start)
	}
	p := l.patterns[int(e)-l.exact.n]
	if p.inline {
		return c.policy, p.line
	}
	return l.file, p.line
}

// placeOfStart is where the exact ID starting at start in l's inline+file is written.
func (c *checker) placeOfStart(l *list, start uint32) (string, int) {
	if n := uint32(len(l.exact.inline)); start >= n {
		return l.file, lineOf(l.exact.file, l.lines, start-n)
	}
	return c.policy, c.notes.lists[l].inlineLines[start]
}

// entryWords is an entry of l as a rule's words, without its place: deny "x", channels."@TOA#_a".allow "v_*".
func entryWords(l *list, e uint32) string {
	return l.name() + " " + strconv.Quote(l.entry(e).text)
}

// applies reports whether entry e of l has not expired.
func (c *checker) applies(l *list, e uint32) bool {
	return c.at < l.until(e)
}

// text is the text of entry e of l, without an allocation of its own: the list's inline IDs and
// file are made strings once.
func (c *checker) text(l *list, e uint32) string {
	if int(e) >= l.exact.n {
		return l.patterns[int(e)-l.exact.n].text
	}
	s, ok := c.strings[l]
	if !ok {
		s = [2]string{string(l.exact.inline), string(l.exact.file)}
		c.strings[l] = s
	}
	start, end := l.exact.span(e)
	if n := uint32(len(s[0])); start >= n {
		return s[1][start-n : end-n]
	}
	return s[0][start:end]
}

func (c *checker) run() {
	for _, l := range c.p.lists {
		c.checkExpired(l)
		c.checkRepeated(l)
		c.checkRedundant(l)
	}
	c.checkAllowedAndDenied()
	c.checkTrusted()
	c.checkShadow()
}

// checkShadow warns of shadow mode: the policy's own, at its mode: key, or else each channel's and
// group's in shadow mode, at its mode: key.
func (c *checker) checkShadow() {
	if m := c.p.Mode(); m.Shadow {
		msg := "mode: shadow: the rules only log whom they would refuse, and everyone may subscribe"
		var except []string
		if m.Others > 0 {
			except = append(except, fmt.Sprintf("the %d %s", m.Others, plural(m.Others, "channel", "channels")))
		}
		if m.OtherGroups > 0 {
			except = append(except, fmt.Sprintf("the %d %s", m.OtherGroups, plural(m.OtherGroups, "group", "groups")))
		}
		if len(except) > 0 {
			msg += " (except on " + strings.Join(except, " and ") + " in enforce mode)"
		}
		c.warn(Warning{Kind: WarnShadow, File: c.policy, Line: c.notes.keys["mode"], List: "mode", Message: msg})
		return
	}
	for _, section := range []struct {
		name, what, verb string
		targets          map[string]*target
	}{{sectionChannels, "channel", "subscribe to it", c.p.channels}, {sectionGroups, "group", "join it", c.p.groups}} {
		for id, t := range section.targets {
			if !t.shadow {
				continue
			}
			key := owner{section: section.name, id: id}.path("mode")
			c.warn(Warning{Kind: WarnShadow, File: c.policy, Line: c.notes.keys[key], List: key,
				Message: fmt.Sprintf("%s %q is in shadow mode: its rules only log whom they would refuse, and everyone may %s", section.what, id, section.verb)})
		}
	}
}

func (c *checker) checkExpired(l *list) {
	for e := range uint32(l.exact.m) {
		c.expired(l, e)
	}
	for i := range l.patterns {
		c.expired(l, uint32(l.exact.n+i))
	}
}

func (c *checker) expired(l *list, e uint32) {
	info := l.entry(e)
	if c.at < info.until {
		return
	}
	msg := fmt.Sprintf("%q expired at %s", info.text, time.Unix(info.until, 0).UTC().Format(time.RFC3339))
	if info.reason != "" {
		msg += fmt.Sprintf(" (reason %q)", info.reason)
	}
	file, line := c.place(l, e)
	c.warn(Warning{Kind: WarnExpired, File: file, Line: line, List: l.name(), Message: msg + "; it no longer applies: remove it"})
}

func (c *checker) checkRepeated(l *list) {
	ln := c.notes.lists[l]
	for _, r := range ln.repeated {
		file, line := c.placeOfStart(l, r.again)
		firstFile, firstLine := c.placeOfStart(l, r.kept)
		id := string(l.exact.text(r.again, r.againEnd))
		c.warn(Warning{Kind: WarnRepeated, File: file, Line: line, List: l.name(),
			Message: fmt.Sprintf("%q is listed twice in the %s list (first at %s line %d)", id, l.name(), firstFile, firstLine)})
	}
	for _, r := range ln.repeatedPat {
		file, firstFile := l.file, l.file
		if r[1].inline {
			file = c.policy
		}
		if r[0].inline {
			firstFile = c.policy
		}
		c.warn(Warning{Kind: WarnRepeated, File: file, Line: r[1].line, List: l.name(),
			Message: fmt.Sprintf("%q is listed twice in the %s list (first at %s line %d)", r[1].text, l.name(), firstFile, r[0].line)})
	}
}

// checkRedundant warns of the entries of l that a pattern of l already covers, for at least as long.
func (c *checker) checkRedundant(l *list) {
	if l.globs == nil {
		return
	}
	for e := range uint32(l.exact.n) {
		if !c.applies(l, e) {
			continue
		}
		id := c.text(l, e)
		until := l.exact.until(e)
		l.globs.each(id, func(g *glob) bool {
			if g.until < until || c.at >= g.until || !g.match(id) {
				return true
			}
			file, line := c.place(l, e)
			c.warn(Warning{Kind: WarnRedundant, File: file, Line: line, List: l.name(),
				Message: fmt.Sprintf("%q is already covered by the pattern %q (%s): it changes nothing", id, g.pattern, c.where(l, uint32(l.exact.n)+g.number))})
			return false
		})
	}
	for i, q := range l.patterns {
		e := uint32(l.exact.n + i)
		if c.at >= q.until {
			continue
		}
		l.globs.each(q.text, func(g *glob) bool {
			if int(g.number) == i || g.until < q.until || c.at >= g.until || !coversFiled(g, q.text) {
				return true
			}
			file, line := c.place(l, e)
			c.warn(Warning{Kind: WarnRedundant, File: file, Line: line, List: l.name(),
				Message: fmt.Sprintf("the pattern %q is already covered by the broader %q (%s): it changes nothing", q.text, g.pattern, c.where(l, uint32(l.exact.n)+g.number))})
			return false
		})
	}
}

// coversFiled is covers for a pattern of a globSet, checking its literal ends first.
func coversFiled(g *glob, q string) bool {
	return len(q) >= len(g.prefix)+len(g.suffix) && q[:len(g.prefix)] == g.prefix && q[len(q)-len(g.suffix):] == g.suffix && covers(g.pattern, q)
}

// where is the place of entry e of l in words: line 4 of the policy, lists/banned.txt line 17.
func (c *checker) where(l *list, e uint32) string {
	file, line := c.place(l, e)
	return fmt.Sprintf("%s line %d", file, line)
}

// scope is the rules of the top level, of a channel or of a group, as Check sees them.
type scope struct {
	owner owner // the zero owner at the top level
	rules *rules
}

// scopes are the top level's rules, then each open channel's and each open group's, by ID.
func (c *checker) scopes() []scope {
	out := []scope{{rules: &c.p.global}}
	for _, section := range []struct {
		name    string
		targets map[string]*target
	}{{sectionChannels, c.p.channels}, {sectionGroups, c.p.groups}} {
		ids := make([]string, 0, len(section.targets))
		for id := range section.targets {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			if t := section.targets[id]; !t.closed {
				out = append(out, scope{owner: owner{section.name, id}, rules: &t.rules})
			}
		}
	}
	return out
}

// checkAllowedAndDenied warns of allow entries that a deny list of the same rules denies too, and
// of allow lists that nothing in can let anyone in. Each pair of an allow list and a deny list is
// looked at once, whatever the number of channels they apply on.
func (c *checker) checkAllowedAndDenied() {
	type pair struct{ allow, deny *list }
	denied := map[pair][]bool{} // for each pair, which entries of the allow list the deny list denies
	for _, s := range c.scopes() {
		a := s.rules.allow
		if a == nil {
			continue
		}
		for _, d := range s.rules.deny {
			if _, done := denied[pair{a, d}]; done {
				continue
			}
			denied[pair{a, d}] = c.deniedBy(a, d)
		}
	}
	emptied := map[string]bool{} // the rules found emptied, by their lists' numbers
	for _, s := range c.scopes() {
		a := s.rules.allow
		if a == nil {
			continue
		}
		key := fmt.Sprint(slices.Index(c.p.lists, a))
		for _, d := range s.rules.deny {
			key += " " + fmt.Sprint(slices.Index(c.p.lists, d))
		}
		if emptied[key] {
			continue
		}
		open := false // whether some entry of a can let someone in
		for e := range uint32(a.exact.n + len(a.patterns)) {
			if !c.applies(a, e) {
				continue
			}
			byAny := false
			for _, d := range s.rules.deny {
				byAny = byAny || denied[pair{a, d}][e]
			}
			if !byAny {
				open = true
				break
			}
		}
		if open {
			continue
		}
		emptied[key] = true
		var nobody string
		switch {
		case s.owner.section == sectionChannels:
			nobody = "nobody can subscribe on channel " + s.owner.id
		case s.owner.section == sectionGroups:
			nobody = "nobody can join group " + s.owner.id
		case c.p.decidesGroups:
			nobody = "nobody can subscribe or join where it applies (channels and groups without an allow list of their own)"
		default:
			nobody = "nobody can subscribe where it applies (channels without an allow list of their own)"
		}
		file, line := c.policy, c.notes.keys[a.name()]
		if line == 0 {
			line = c.notes.keys[a.fileKey()]
		}
		c.warn(Warning{Kind: WarnAllowListEmptied, File: file, Line: line, List: a.name(),
			Message: fmt.Sprintf("every entry of the %s list is denied or has expired: %s", a.name(), nobody)})
	}
}

// deniedBy returns which entries of the allow list a the deny list d denies (by an exact ID or a
// pattern that covers them), warning of each.
func (c *checker) deniedBy(a, d *list) []bool {
	out := make([]bool, a.exact.n+len(a.patterns))
	for e := range uint32(len(out)) {
		if !c.applies(a, e) {
			continue
		}
		text := c.text(a, e)
		var by uint32
		found := false
		if int(e) < a.exact.n {
			by, found = d.match(text, c.at)
		} else {
			d.globs.each(text, func(g *glob) bool {
				if c.at < g.until && coversFiled(g, text) {
					by, found = uint32(d.exact.n)+g.number, true
					return false
				}
				return true
			})
		}
		if !found {
			continue
		}
		out[e] = true
		file, line := c.place(a, e)
		c.warn(Warning{Kind: WarnAllowedAndDenied, File: file, Line: line, List: a.name(),
			Message: fmt.Sprintf("%s is also denied by %s (%s): deny wins, so it is refused", entryWords(a, e), entryWords(d, by), c.where(d, by))})
	}
	return out
}

// checkTrusted warns of trusted operators that a deny list denies as subscribers (or members).
func (c *checker) checkTrusted() {
	for _, op := range c.notes.trusted {
		for _, d := range c.p.lists {
			if d.key != "deny" {
				continue
			}
			e, ok := d.match(op.id, c.at)
			if !ok {
				continue
			}
			as := "a subscriber"
			switch {
			case d.owner.section == sectionGroups:
				as = "a member"
			case d.owner.section == "" && c.p.decidesGroups:
				as = "a subscriber or member"
			}
			c.warn(Warning{Kind: WarnTrustedDenied, File: c.policy, Line: op.line, List: "trusted_operators",
				Message: fmt.Sprintf("trusted operator %q is also denied by %s (%s): its requests are allowed in full, but it is refused as %s", op.id, entryWords(d, e), c.where(d, e), as)})
		}
	}
}

func (c *checker) report() *Report {
	r := &Report{Revision: c.p.info.Revision, Mode: c.p.Mode().String(), Channels: len(c.p.channels), Groups: len(c.p.groups),
		TrustedOperators: len(c.p.trusted), DecidesGroups: c.p.decidesGroups}
	for _, l := range c.p.lists {
		s := ListSummary{Name: l.name(), File: l.file, ExactIDs: l.exact.n, Patterns: len(l.patterns)}
		for e := range uint32(l.exact.m) {
			if !c.applies(l, e) {
				s.Expired++
			}
		}
		for _, p := range l.patterns {
			if c.at >= p.until {
				s.Expired++
			}
		}
		r.Lists = append(r.Lists, s)
	}
	rank := map[string]int{c.policy: 0}
	for i, f := range c.p.files {
		if _, ok := rank[f]; !ok {
			rank[f] = i + 1
		}
	}
	slices.SortStableFunc(c.warnings, func(a, b Warning) int {
		if ra, rb := rank[a.File], rank[b.File]; ra != rb {
			return ra - rb
		}
		return a.Line - b.Line
	})
	r.Warnings = c.warnings
	groups := make([]warnGroup, 0, len(c.counts))
	for g, n := range c.counts {
		if n > MaxWarningsEach {
			groups = append(groups, g)
		}
	}
	slices.SortFunc(groups, func(a, b warnGroup) int {
		if a.kind != b.kind {
			return int(a.kind) - int(b.kind)
		}
		if a.list < b.list {
			return -1
		}
		if a.list > b.list {
			return 1
		}
		return 0
	})
	for _, g := range groups {
		r.Warnings = append(r.Warnings, Warning{Kind: g.kind, File: c.policy, List: g.list,
			Message: fmt.Sprintf("%d more warnings like these about %s are left out", c.counts[g]-MaxWarningsEach, g.list)})
	}
	return r
}
