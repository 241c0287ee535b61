package policy

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/subgate/subgate/internal/strictyaml"
)

// Files gives the loader the files a policy is made of: the policy itself, its list files and its
// prepared index, each by the name the policy (or the loader) gives it. A folder on disk is Dir; a
// bundle holds them in memory.
type Files interface {
	// ReadFile returns the content of the file called name. The loader does not modify it, and
	// a loaded policy keeps using its list files' content (its tables point into it), so it must
	// not change afterwards.
	ReadFile(name string) ([]byte, error)
}

// Dir is a folder on disk as Files: a relative name is found in the folder, an absolute one as it is.
type Dir string

// ReadFile reads the file name, relative to the folder.
func (d Dir) ReadFile(name string) ([]byte, error) {
	return os.ReadFile(resolve(string(d), name))
}

// Load reads the policy file at path. List files it names are found relative to its folder. When
// the policy's prepared index (see Prepare) is beside it and matches it, the policy is read from
// the index instead of being parsed; Info says which, and why an index was not used.
func Load(path string) (*Policy, error) {
	return load(Dir(filepath.Dir(path)), filepath.Base(path), path)
}

// LoadFrom reads the policy called name from files, with the list files it names. When the
// policy's prepared index (name + IndexSuffix) is among the files and matches the policy and its
// list files, the policy is read from the index instead of being parsed; Info says which, and why
// an index was not used.
func LoadFrom(files Files, name string) (*Policy, error) {
	return load(files, name, name)
}

// load is LoadFrom naming the policy display in errors.
func load(files Files, name, display string) (*Policy, error) {
	p, ignored := loadIndex(files, name)
	if p != nil {
		return p, nil
	}
	text, err := files.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("policy file: %w", err)
	}
	p, err = ParseFrom(text, display, files)
	if err != nil {
		return nil, err
	}
	p.info.IndexIgnored = ignored
	return p, nil
}

// Parse reads policy text (YAML or JSON). name stands for the text in errors; list files it names
// are found relative to baseDir.
func Parse(text []byte, name, baseDir string) (*Policy, error) {
	return ParseFrom(text, name, Dir(baseDir))
}

// ParseFrom reads policy text (YAML or JSON), with the list files it names from files. name stands
// for the text in errors.
func ParseFrom(text []byte, name string, files Files) (*Policy, error) {
	p, err := parse(text, files, nil)
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", name, err)
	}
	return p, nil
}

// The keys a policy, a channel and a group may have. Anything else is an error: a typo must not
// silently switch a rule off. A group takes the keys a channel does: one meaning for every rule.
var (
	policyKeys = []string{"default", "mode", "trusted_operators", "deny", "deny_file", "allow", "allow_file",
		"max_subscribers", "max_members", "channels", "groups"}
	channelKeys = []string{"default", "mode", "deny", "deny_file", "allow", "allow_file", "closed", "reason"}
	entryKeys   = []string{"id", "until", "reason"}
)

// MaxGroupIDBytes is the longest group ID: Chat's group IDs are printable ASCII, at most 48 bytes.
const MaxGroupIDBytes = 48

type policyIn struct {
	Default          defaultIn        `yaml:"default"`
	Mode             modeIn           `yaml:"mode"`
	TrustedOperators trustedList      `yaml:"trusted_operators"`
	Deny             entryList        `yaml:"deny"`
	DenyFile         string           `yaml:"deny_file"`
	Allow            entryList        `yaml:"allow"`
	AllowFile        string           `yaml:"allow_file"`
	MaxSubscribers   maxSubscribersIn `yaml:"max_subscribers"`
	MaxMembers       maxMembersIn     `yaml:"max_members"`
	Channels         targetsIn        `yaml:"channels"`
	Groups           targetsIn        `yaml:"groups"`
	decidesGroups    bool             // the policy has a groups key (even null or empty)
}

// targetIn is the rules of a channel or a group.
type targetIn struct {
	Default   defaultIn `yaml:"default"`
	Mode      modeIn    `yaml:"mode"`
	Deny      entryList `yaml:"deny"`
	DenyFile  string    `yaml:"deny_file"`
	Allow     entryList `yaml:"allow"`
	AllowFile string    `yaml:"allow_file"`
	Closed    bool      `yaml:"closed"`
	Reason    string    `yaml:"reason"`
}

// parse reads a policy; when notes is not nil, it also records there what Check needs.
func parse(text []byte, files Files, notes *notes) (*Policy, error) {
	return parseWith(text, &sources{files: files, data: map[string][]byte{}}, notes)
}

// parseWith is parse reading the list files through src.
func parseWith(text []byte, src *sources, notes *notes) (*Policy, error) {
	root, err := strictyaml.Parse(text)
	if err != nil {
		return nil, err
	}
	if root == nil {
		return nil, errors.New("is empty (write `default: allow` for a policy that allows everyone)")
	}
	fields, err := checkKeys(root, owner{}, policyKeys, notes)
	if err != nil {
		return nil, err
	}
	var in policyIn
	if err := root.Decode(&in); err != nil {
		return nil, strictyaml.Error(err)
	}
	in.decidesGroups = fields.Get("groups") != nil
	p, err := in.build(src, notes)
	if err != nil {
		return nil, err
	}
	p.files = src.names
	p.info = Info{Revision: revision(text, src.names, src.data), Counts: p.count()}
	return p, nil
}

// sources reads the list files a policy names, each once, and keeps them in the order named.
type sources struct {
	files Files
	names []string
	data  map[string][]byte
}

func (s *sources) read(name string) ([]byte, error) {
	if data, ok := s.data[name]; ok {
		return data, nil
	}
	data, err := s.files.ReadFile(name)
	if err != nil {
		return nil, err
	}
	s.names = append(s.names, name)
	s.data[name] = data
	return data, nil
}

func (in *policyIn) build(src *sources, notes *notes) (*Policy, error) {
	p := &Policy{maxSubscribers: int(in.MaxSubscribers), maxMembers: int(in.MaxMembers), decidesGroups: in.decidesGroups,
		channels: make(map[string]*target, len(in.Channels))}
	for _, op := range in.TrustedOperators {
		if isPattern(op.id) {
			return nil, fmt.Errorf("line %d: trusted_operators: %q: trusted operators are exact IDs, not patterns", op.line, op.id)
		}
		if p.trusted == nil {
			p.trusted = make(map[string]struct{}, len(in.TrustedOperators))
		}
		p.trusted[op.id] = struct{}{}
		notes.trustedOperator(op)
	}
	deny, err := buildList(owner{}, "deny", in.Deny, in.DenyFile, src, notes)
	if err != nil {
		return nil, err
	}
	allow, err := buildList(owner{}, "allow", in.Allow, in.AllowFile, src, notes)
	if err != nil {
		return nil, err
	}
	p.global = rules{allow: allow, def: &defaultRule{allow: in.Default.allowOr(true)}, shadow: in.Mode.shadowOr(false)}
	if deny != nil {
		p.global.deny = []*list{deny}
	}
	p.addLists(deny, allow)
	for _, named := range in.Channels {
		t, err := p.buildTarget(owner{sectionChannels, named.id}, named.rules, src, notes)
		if err != nil {
			return nil, err
		}
		p.channels[named.id] = t
	}
	if p.decidesGroups {
		p.groups = make(map[string]*target, len(in.Groups))
	}
	for _, named := range in.Groups {
		t, err := p.buildTarget(owner{sectionGroups, named.id}, named.rules, src, notes)
		if err != nil {
			return nil, err
		}
		p.groups[named.id] = t
	}
	return p, nil
}

// buildTarget makes the rules of a channel or a group, o, from its keys c: its deny list is added
// to the top level's, and its allow list, default and mode replace the top level's when it has
// them.
func (p *Policy) buildTarget(o owner, c targetIn, src *sources, notes *notes) (*target, error) {
	deny, err := buildList(o, "deny", c.Deny, c.DenyFile, src, notes)
	if err != nil {
		return nil, err
	}
	allow, err := buildList(o, "allow", c.Allow, c.AllowFile, src, notes)
	if err != nil {
		return nil, err
	}
	p.addLists(deny, allow)
	t := &target{closed: c.Closed, reason: c.Reason}
	if t.closed && t.reason == "" {
		t.reason = fmt.Sprintf("Official Channel %s is not accepting subscribers", o.id)
		if o.section == sectionGroups {
			t.reason = fmt.Sprintf("Group %s is not accepting members", o.id)
		}
	}
	t.deny = slices.Clone(p.global.deny)
	if deny != nil {
		t.deny = append(t.deny, deny)
	}
	t.allow = p.global.allow
	if allow != nil {
		t.allow = allow
	}
	t.def = p.global.def
	if c.Default.set {
		t.def = &defaultRule{owner: o, allow: c.Default.allow}
	}
	t.shadow = c.Mode.shadowOr(p.global.shadow)
	return t, nil
}

func (p *Policy) addLists(lists ...*list) {
	for _, l := range lists {
		if l != nil {
			p.lists = append(p.lists, l)
		}
	}
}

// buildList makes the list of a key (deny or allow, of the top level, a channel or a group) from
// its inline entries and its file's; it returns nil for an empty list.
func buildList(o owner, key string, inline entryList, file string, src *sources, notes *notes) (*list, error) {
	l := &list{owner: o, key: key, file: file}
	var data []byte
	if file != "" {
		var err error
		if data, err = src.read(file); err != nil {
			return nil, listFileError(l.fileKey(), file, err)
		}
		if uint64(len(data)) >= 1<<31 {
			return nil, listFileError(l.fileKey(), file, errors.New("is 2 GiB or more: split it into smaller list files"))
		}
	}
	max := len(inline)
	if len(data) > 0 {
		max += bytes.Count(data, []byte{'\n'}) + 1
	}
	b := newTableBuilder(data, max)
	ln := notes.list(l)
	if ln != nil {
		b.dup = ln.exactRepeated
	}
	patterns := map[string]int{} // a pattern's place in l.patterns
	addPattern := func(p pattern) {
		i, ok := patterns[p.text]
		if !ok {
			patterns[p.text] = len(l.patterns)
			l.patterns = append(l.patterns, p)
			return
		}
		ln.patternRepeated(l.patterns[i], p)
		if p.until > l.patterns[i].until {
			l.patterns[i] = p
		}
	}
	for _, e := range inline {
		if isPattern(e.id) {
			addPattern(pattern{text: e.id, until: e.ann.until, reason: e.ann.reason, line: e.line, inline: true})
			continue
		}
		ln.inlineEntry(uint32(len(b.inline)), e.line)
		b.addInline(e.id, e.ann)
	}
	if file != "" {
		lines, err := readList(data, func(e listEntry) {
			if text := data[e.start:e.end]; bytes.IndexByte(text, '*') >= 0 || bytes.IndexByte(text, '?') >= 0 {
				addPattern(pattern{text: string(text), until: e.ann.until, reason: e.ann.reason, line: e.line})
			} else {
				b.addFile(e.start, e.end, e.ann)
			}
		})
		if err != nil {
			return nil, listFileError(l.fileKey(), file, err)
		}
		l.lines = lines
	}
	l.exact = b.table()
	l.globs = newGlobSet(l.patterns)
	if l.exact.n == 0 && len(l.patterns) == 0 {
		notes.forget(l)
		return nil, nil
	}
	return l, nil
}

// checkKeys rejects a mapping's unknown and repeated keys (strictyaml.Mapping), and checks each
// channel's and group's keys too. o is whose keys these are: the policy's (the zero owner), a
// channel's or a group's. Where each key is goes to notes. It returns the mapping's fields.
func checkKeys(node *yaml.Node, o owner, known []string, notes *notes) (strictyaml.Fields, error) {
	what := "the policy"
	switch o.section {
	case sectionChannels:
		what = fmt.Sprintf("channel %q", o.id)
	case sectionGroups:
		what = fmt.Sprintf("group %q", o.id)
	}
	fields, err := strictyaml.Mapping(node, what, known)
	if err != nil {
		return nil, err
	}
	for _, f := range fields {
		notes.key(o.path(f.Key), f.Line)
		if o.section != "" {
			continue
		}
		switch f.Key {
		case sectionChannels:
			err = checkTargets(f.Value, sectionChannels, checkChannelID, notes)
		case sectionGroups:
			err = checkTargets(f.Value, sectionGroups, checkGroupID, notes)
		}
		if err != nil {
			return nil, err
		}
	}
	return fields, nil
}

// checkTargets checks the channels or groups key: a mapping (or null) of IDs, each checked by
// checkID, to their rules.
func checkTargets(node *yaml.Node, section string, checkID func(id string) error, notes *notes) error {
	if node.Kind == yaml.ScalarNode && node.Tag == "!!null" {
		return nil
	}
	if node.Kind != yaml.MappingNode {
		if section == sectionGroups {
			return fmt.Errorf("line %d: groups must be a mapping of group IDs to their rules ({} for none)", node.Line)
		}
		return fmt.Errorf("line %d: channels must be a mapping of Official Channel IDs to their rules", node.Line)
	}
	// A channel or group given twice is refused as any repeated key: the last rules would
	// silently win.
	targets, err := strictyaml.Mapping(node, section, nil)
	if err != nil {
		return err
	}
	for _, t := range targets {
		if err := checkID(t.Key); err != nil {
			return fmt.Errorf("line %d: %w", t.Line, err)
		}
		if _, err := checkKeys(t.Value, owner{section, t.Key}, channelKeys, notes); err != nil {
			return err
		}
	}
	return nil
}

func checkChannelID(id string) error {
	if !strings.HasPrefix(id, ChannelPrefix) {
		return fmt.Errorf("channel %q: Official Channel IDs start with %q", id, ChannelPrefix)
	}
	return nil
}

// checkGroupID holds a group ID to what Chat's group IDs are: a typo (a tab, a stray character)
// must not make a rule that no group ever matches.
func checkGroupID(id string) error {
	if strings.HasPrefix(id, ChannelPrefix) {
		return fmt.Errorf("group %q: this is an Official Channel ID: put it under channels", id)
	}
	if id == "" || len(id) > MaxGroupIDBytes {
		return fmt.Errorf("group %q: group IDs are 1 to %d characters long", id, MaxGroupIDBytes)
	}
	for _, c := range []byte(id) {
		if c < 0x20 || c > 0x7e {
			return fmt.Errorf("group %q: group IDs are printable ASCII characters (letters, digits, punctuation, spaces)", id)
		}
	}
	return nil
}

// defaultIn is a `default:` value: allow or refuse.
type defaultIn struct {
	set   bool
	allow bool
}

func (d *defaultIn) UnmarshalYAML(node *yaml.Node) error {
	switch {
	case node.Kind == yaml.ScalarNode && node.Value == "allow":
		*d = defaultIn{set: true, allow: true}
	case node.Kind == yaml.ScalarNode && node.Value == "refuse":
		*d = defaultIn{set: true, allow: false}
	default:
		return fmt.Errorf("line %d: default must be allow or refuse, not %q", node.Line, node.Value)
	}
	return nil
}

func (d defaultIn) allowOr(fallback bool) bool {
	if d.set {
		return d.allow
	}
	return fallback
}

// modeIn is a `mode:` value: enforce or shadow.
type modeIn struct {
	set    bool
	shadow bool
}

func (m *modeIn) UnmarshalYAML(node *yaml.Node) error {
	switch {
	case node.Kind == yaml.ScalarNode && node.Value == "enforce":
		*m = modeIn{set: true, shadow: false}
	case node.Kind == yaml.ScalarNode && node.Value == "shadow":
		*m = modeIn{set: true, shadow: true}
	default:
		return fmt.Errorf("line %d: mode must be enforce or shadow, not %q", node.Line, node.Value)
	}
	return nil
}

func (m modeIn) shadowOr(fallback bool) bool {
	if m.set {
		return m.shadow
	}
	return fallback
}

// entryIn is a deny or allow entry as the policy writes it: an ID or pattern, alone or in a mapping
// with until and reason.
type entryIn struct {
	id   string
	ann  annotation
	line int
}

// entryList is a list of entries.
type entryList []entryIn

func (l *entryList) UnmarshalYAML(node *yaml.Node) error {
	if node.Kind == yaml.ScalarNode && node.Tag == "!!null" {
		return nil
	}
	if node.Kind != yaml.SequenceNode {
		return fmt.Errorf("line %d: expected a list of IDs, like [\"user1\", \"banned_*\"]", node.Line)
	}
	for _, item := range node.Content {
		item = strictyaml.Resolve(item)
		var e entryIn
		var err error
		switch {
		case item.Kind == yaml.MappingNode:
			e, err = readEntry(item)
		case item.Kind != yaml.ScalarNode || item.Tag == "!!null" || item.Value == "":
			err = fmt.Errorf("line %d: each list entry must be a non-empty ID or pattern, or a mapping like {id: \"spammer42\", until: \"2026-12-01T00:00:00Z\", reason: \"spam wave\"}", item.Line)
		default:
			e = entryIn{id: item.Value, ann: noAnnotation, line: item.Line}
		}
		if err != nil {
			return err
		}
		*l = append(*l, e)
	}
	return nil
}

// readEntry reads an entry written as a mapping: {id: ..., until: ..., reason: ...}.
func readEntry(node *yaml.Node) (entryIn, error) {
	e := entryIn{ann: noAnnotation, line: node.Line}
	fields, err := strictyaml.Mapping(node, "a list entry", entryKeys)
	if err != nil {
		return e, err
	}
	for _, f := range fields {
		value, err := strictyaml.String(f.Value, f.Key)
		if err != nil {
			return e, err
		}
		switch f.Key {
		case "id":
			e.id = value
		case "until":
			until, err := parseUntil(value)
			if err != nil {
				return e, fmt.Errorf("line %d: %w", f.Value.Line, err)
			}
			e.ann.until = until
		case "reason":
			e.ann.reason = value
		}
	}
	if e.id == "" {
		return e, fmt.Errorf("line %d: a list entry written as a mapping needs a non-empty id", node.Line)
	}
	return e, nil
}

// trustedOperator is an entry of trusted_operators.
type trustedOperator struct {
	id   string
	line int
}

// trustedList is trusted_operators: IDs only, no expiry or reason.
type trustedList []trustedOperator

func (l *trustedList) UnmarshalYAML(node *yaml.Node) error {
	if node.Kind == yaml.ScalarNode && node.Tag == "!!null" {
		return nil
	}
	if node.Kind != yaml.SequenceNode {
		return fmt.Errorf("line %d: expected a list of IDs, like [\"administrator\"]", node.Line)
	}
	for _, item := range node.Content {
		item = strictyaml.Resolve(item)
		if item.Kind != yaml.ScalarNode || item.Tag == "!!null" || item.Value == "" {
			return fmt.Errorf("line %d: each trusted operator must be a non-empty ID", item.Line)
		}
		*l = append(*l, trustedOperator{id: item.Value, line: item.Line})
	}
	return nil
}

// maxSubscribersIn and maxMembersIn are max_subscribers and max_members: whole numbers, 0 or more.
type (
	maxSubscribersIn int
	maxMembersIn     int
)

func (c *maxSubscribersIn) UnmarshalYAML(node *yaml.Node) error {
	n, err := count(node, "max_subscribers")
	*c = maxSubscribersIn(n)
	return err
}

func (c *maxMembersIn) UnmarshalYAML(node *yaml.Node) error {
	n, err := count(node, "max_members")
	*c = maxMembersIn(n)
	return err
}

// count reads the value of key, a non-negative whole number.
func count(node *yaml.Node, key string) (int, error) {
	var n int
	if err := node.Decode(&n); err != nil || n < 0 {
		return 0, fmt.Errorf("line %d: %s must be a whole number, 0 or more, not %q", node.Line, key, node.Value)
	}
	return n, nil
}

// targetsIn keeps the channels or groups in file order with their IDs.
type targetsIn []namedTarget

type namedTarget struct {
	id    string
	rules targetIn
}

func (ts *targetsIn) UnmarshalYAML(node *yaml.Node) error {
	if node.Kind != yaml.MappingNode {
		return nil // checkTargets has accepted only null here
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		var t targetIn
		if err := node.Content[i+1].Decode(&t); err != nil {
			return strictyaml.Error(err)
		}
		*ts = append(*ts, namedTarget{id: node.Content[i].Value, rules: t})
	}
	return nil
}

func resolve(baseDir, name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(baseDir, name)
}
