package policy

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Files gives the loader the files a policy is made of: the policy itself, its list files and its
// prepared index, each by the name the policy (or the loader) gives it. A folder on disk is Dir; a
// bundle holds them in memory.
type Files interface {
	// ReadFile returns the content of the file called name. The caller does not modify it.
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
// the index instead of being parsed.
func Load(path string) (*Policy, error) {
	return load(Dir(filepath.Dir(path)), filepath.Base(path), path)
}

// LoadFrom reads the policy called name from files, with the list files it names. When the
// policy's prepared index (name + IndexSuffix) is among the files and matches the policy and its
// list files, the policy is read from the index instead of being parsed.
func LoadFrom(files Files, name string) (*Policy, error) {
	return load(files, name, name)
}

// load is LoadFrom naming the policy display in errors.
func load(files Files, name, display string) (*Policy, error) {
	if p := loadIndex(files, name); p != nil {
		return p, nil
	}
	text, err := files.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("policy file: %w", err)
	}
	return ParseFrom(text, display, files)
}

// Parse reads policy text (YAML or JSON). name stands for the text in errors; list files it names
// are found relative to baseDir.
func Parse(text []byte, name, baseDir string) (*Policy, error) {
	return ParseFrom(text, name, Dir(baseDir))
}

// ParseFrom reads policy text (YAML or JSON), with the list files it names from files. name stands
// for the text in errors.
func ParseFrom(text []byte, name string, files Files) (*Policy, error) {
	p, err := parse(text, files)
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", name, err)
	}
	return p, nil
}

// The keys a policy and a channel may have. Anything else is an error: a typo must not silently
// switch a rule off.
var (
	policyKeys  = []string{"default", "trusted_operators", "deny", "deny_file", "allow", "allow_file", "max_subscribers", "channels"}
	channelKeys = []string{"default", "deny", "deny_file", "allow", "allow_file", "closed", "reason"}
)

type policyIn struct {
	Default          defaultIn  `yaml:"default"`
	TrustedOperators idList     `yaml:"trusted_operators"`
	Deny             idList     `yaml:"deny"`
	DenyFile         string     `yaml:"deny_file"`
	Allow            idList     `yaml:"allow"`
	AllowFile        string     `yaml:"allow_file"`
	MaxSubscribers   count      `yaml:"max_subscribers"`
	Channels         channelsIn `yaml:"channels"`
}

type channelIn struct {
	Default   defaultIn `yaml:"default"`
	Deny      idList    `yaml:"deny"`
	DenyFile  string    `yaml:"deny_file"`
	Allow     idList    `yaml:"allow"`
	AllowFile string    `yaml:"allow_file"`
	Closed    bool      `yaml:"closed"`
	Reason    string    `yaml:"reason"`
}

func parse(text []byte, files Files) (*Policy, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil {
		return nil, yamlError(err)
	}
	if len(doc.Content) == 0 {
		return nil, errors.New("is empty (write `default: allow` for a policy that allows everyone)")
	}
	root := doc.Content[0]
	if err := checkKeys(root, "the policy", policyKeys); err != nil {
		return nil, err
	}
	var in policyIn
	if err := root.Decode(&in); err != nil {
		return nil, yamlError(err)
	}
	return in.build(files)
}

func (in *policyIn) build(files Files) (*Policy, error) {
	for _, op := range in.TrustedOperators {
		if isPattern(op) {
			return nil, fmt.Errorf("trusted_operators: %q: trusted operators are exact IDs, not patterns", op)
		}
	}
	var names []string
	deny, err := loadList(in.Deny, "deny_file", in.DenyFile, files, &names)
	if err != nil {
		return nil, err
	}
	allow, err := loadList(in.Allow, "allow_file", in.AllowFile, files, &names)
	if err != nil {
		return nil, err
	}
	p := &Policy{
		files:          names,
		maxSubscribers: int(in.MaxSubscribers),
		global:         rules{allow: allow, defaultAllow: in.Default.allowOr(true)},
		channels:       make(map[string]*channel, len(in.Channels)),
	}
	if len(in.TrustedOperators) > 0 {
		p.trusted = make(map[string]struct{}, len(in.TrustedOperators))
		for _, op := range in.TrustedOperators {
			p.trusted[op] = struct{}{}
		}
	}
	if deny != nil {
		p.global.deny = []*IDSet{deny}
	}
	for _, named := range in.Channels {
		c := named.channel
		key := fmt.Sprintf("channels %q: ", named.id)
		chDeny, err := loadList(c.Deny, key+"deny_file", c.DenyFile, files, &p.files)
		if err != nil {
			return nil, err
		}
		chAllow, err := loadList(c.Allow, key+"allow_file", c.AllowFile, files, &p.files)
		if err != nil {
			return nil, err
		}
		ch := &channel{closed: c.Closed, reason: c.Reason}
		if ch.closed && ch.reason == "" {
			ch.reason = fmt.Sprintf("Official Channel %s is not accepting subscribers", named.id)
		}
		ch.deny = slices.Clone(p.global.deny)
		if chDeny != nil {
			ch.deny = append(ch.deny, chDeny)
		}
		ch.allow = p.global.allow
		if chAllow != nil {
			ch.allow = chAllow
		}
		ch.defaultAllow = c.Default.allowOr(p.global.defaultAllow)
		p.channels[named.id] = ch
	}
	return p, nil
}

// loadList joins a list's inline entries and its file's; it returns nil for an empty list.
// The file's name, as the policy gives it, is added to names.
func loadList(inline []string, fileKey, file string, files Files, names *[]string) (*IDSet, error) {
	entries := []string(inline)
	if file != "" {
		*names = append(*names, file)
		data, err := files.ReadFile(file)
		if err != nil {
			return nil, listFileError(fileKey, file, err)
		}
		entries = append(entries, parseList(string(data))...)
	}
	if len(entries) == 0 {
		return nil, nil
	}
	return newIDSet(entries), nil
}

// checkKeys rejects a mapping's unknown and repeated keys, and checks each channel's keys too.
func checkKeys(node *yaml.Node, what string, known []string) error {
	if node.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: %s must be a mapping of keys (%s)", node.Line, what, strings.Join(known, ", "))
	}
	seen := make(map[string]int, len(node.Content)/2)
	for i := 0; i+1 < len(node.Content); i += 2 {
		key, value := node.Content[i], node.Content[i+1]
		if first, ok := seen[key.Value]; ok {
			return fmt.Errorf("line %d: key %q is given twice (first at line %d)", key.Line, key.Value, first)
		}
		seen[key.Value] = key.Line
		if !slices.Contains(known, key.Value) {
			return fmt.Errorf("line %d: unknown key %q in %s (known keys: %s)", key.Line, key.Value, what, strings.Join(known, ", "))
		}
		if key.Value == "channels" && what == "the policy" {
			if err := checkChannels(value); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkChannels(node *yaml.Node) error {
	if node.Kind == yaml.ScalarNode && node.Tag == "!!null" {
		return nil
	}
	if node.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: channels must be a mapping of Official Channel IDs to their rules", node.Line)
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		key, value := node.Content[i], node.Content[i+1]
		if !strings.HasPrefix(key.Value, ChannelPrefix) {
			return fmt.Errorf("line %d: channel %q: Official Channel IDs start with %q", key.Line, key.Value, ChannelPrefix)
		}
		if err := checkKeys(value, fmt.Sprintf("channel %q", key.Value), channelKeys); err != nil {
			return err
		}
	}
	return nil
}

// yamlError drops the library's "yaml: " prefix and Go type names from its messages.
func yamlError(err error) error {
	var typeErr *yaml.TypeError
	if errors.As(err, &typeErr) {
		return errors.New(strings.Join(typeErr.Errors, "; "))
	}
	return errors.New(strings.TrimPrefix(err.Error(), "yaml: "))
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

// idList is a list of IDs or patterns, each a non-empty string.
type idList []string

func (l *idList) UnmarshalYAML(node *yaml.Node) error {
	if node.Kind == yaml.ScalarNode && node.Tag == "!!null" {
		return nil
	}
	if node.Kind != yaml.SequenceNode {
		return fmt.Errorf("line %d: expected a list of IDs, like [\"user1\", \"banned_*\"]", node.Line)
	}
	for _, item := range node.Content {
		if item.Kind != yaml.ScalarNode || item.Tag == "!!null" || item.Value == "" {
			return fmt.Errorf("line %d: each list entry must be a non-empty ID or pattern", item.Line)
		}
		*l = append(*l, item.Value)
	}
	return nil
}

// count is a non-negative whole number.
type count int

func (c *count) UnmarshalYAML(node *yaml.Node) error {
	var n int
	if err := node.Decode(&n); err != nil || n < 0 {
		return fmt.Errorf("line %d: max_subscribers must be a whole number, 0 or more, not %q", node.Line, node.Value)
	}
	*c = count(n)
	return nil
}

// channelsIn keeps the channels in file order with their IDs.
type channelsIn []namedChannel

type namedChannel struct {
	id      string
	channel channelIn
}

func (cs *channelsIn) UnmarshalYAML(node *yaml.Node) error {
	if node.Kind != yaml.MappingNode {
		return nil // checkChannels has accepted only null here
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		var c channelIn
		if err := node.Content[i+1].Decode(&c); err != nil {
			return yamlError(err)
		}
		*cs = append(*cs, namedChannel{id: node.Content[i].Value, channel: c})
	}
	return nil
}
