// Package strictyaml is the strict YAML reader that the policy (pkg/policy) and the test cases
// (cmd/subgate) share: on top of go.yaml.in/yaml/v3's node tree, a mapping may hold only the keys
// it knows, each once, with each key a string, and a value must be of the kind asked for; every
// error names the line it is about, so that a typo is an error rather than a rule silently
// switched off. What the keys mean is the caller's.
package strictyaml

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Parse parses text as a YAML document and returns its root node: nil when the document is empty
// (nothing, or only comments). Its errors are Error's, and one a tab caused says so.
func Parse(text []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil {
		return nil, tabCause(Error(err), text)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// Error is an error of the YAML library as a person reads it: without the library's "yaml: "
// prefix, and, for values that do not decode, without the Go types ("line 3: cannot unmarshal
// !!str `sometimes` into bool").
func Error(err error) error {
	var typeErr *yaml.TypeError
	if errors.As(err, &typeErr) {
		return errors.New(strings.Join(typeErr.Errors, "; "))
	}
	return errors.New(strings.TrimPrefix(err.Error(), "yaml: "))
}

// cannotStart is what the YAML library says of a character no token starts with, a tab among
// them; it names no tab.
const cannotStart = "found character that cannot start any token"

// tabCause rewords err when a tab caused it: YAML indents and separates with spaces only, and a
// tab where a token could start (a line indented with tabs, "-<tab>entry") is refused by the
// library as a character that cannot start any token, with the line but without the column or the
// word tab. A tab on the error's line is then named, with its column.
func tabCause(err error, text []byte) error {
	var line int
	var rest string
	if n, _ := fmt.Sscanf(err.Error(), "line %d: ", &line); n != 1 {
		return err
	}
	_, rest, _ = strings.Cut(err.Error(), ": ")
	if rest != cannotStart {
		return err
	}
	lines := strings.Split(string(text), "\n")
	if line < 1 || line > len(lines) {
		return err
	}
	column := strings.IndexByte(lines[line-1], '\t')
	if column < 0 {
		return err
	}
	return fmt.Errorf("line %d: a tab (column %d) where YAML takes only spaces: indent with spaces (%s)", line, column+1, cannotStart)
}

// Resolve is the node an alias stands for, or node.
func Resolve(node *yaml.Node) *yaml.Node {
	for node.Kind == yaml.AliasNode && node.Alias != nil {
		node = node.Alias
	}
	return node
}

// Field is a key of a mapping, the line it is on, and its value (aliases resolved).
type Field struct {
	Key   string
	Line  int
	Value *yaml.Node
}

// Fields are a mapping's fields in the order they are written.
type Fields []Field

// Get is the value of key, nil when the mapping does not have it.
func (fs Fields) Get(key string) *yaml.Node {
	for _, f := range fs {
		if f.Key == key {
			return f.Value
		}
	}
	return nil
}

// Mapping checks that node is a mapping whose keys are strings among known (any string when known
// is nil), each given once, and returns its fields. what names the mapping in messages ("the
// policy", "a case").
func Mapping(node *yaml.Node, what string, known []string) (Fields, error) {
	node = Resolve(node)
	if node.Kind != yaml.MappingNode {
		if known == nil {
			return nil, fmt.Errorf("line %d: %s must be a mapping", node.Line, what)
		}
		return nil, fmt.Errorf("line %d: %s must be a mapping of keys (%s)", node.Line, what, strings.Join(known, ", "))
	}
	fields := make(Fields, 0, len(node.Content)/2)
	lines := make(map[string]int, len(node.Content)/2)
	for i := 0; i+1 < len(node.Content); i += 2 {
		key, value := Resolve(node.Content[i]), Resolve(node.Content[i+1])
		if key.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("line %d: a key of %s must be a string", key.Line, what)
		}
		if first, ok := lines[key.Value]; ok {
			return nil, fmt.Errorf("line %d: key %q is given twice in %s (first at line %d)", key.Line, key.Value, what, first)
		}
		if known != nil && !slices.Contains(known, key.Value) {
			return nil, fmt.Errorf("line %d: unknown key %q in %s (known keys: %s)", key.Line, key.Value, what, strings.Join(known, ", "))
		}
		lines[key.Value] = key.Line
		fields = append(fields, Field{Key: key.Value, Line: key.Line, Value: value})
	}
	return fields, nil
}

// String is a scalar's text: a string, or a number or word written without quotes (an ID such as
// 107867). Anything else, null included, is an error naming what.
func String(node *yaml.Node, what string) (string, error) {
	node = Resolve(node)
	if node.Kind != yaml.ScalarNode || node.Tag == "!!null" {
		return "", fmt.Errorf("line %d: %s must be a string", node.Line, what)
	}
	return node.Value, nil
}

// Int is a whole number written as one.
func Int(node *yaml.Node, what string) (int, error) {
	node = Resolve(node)
	var n int
	if node.Kind != yaml.ScalarNode || node.Tag != "!!int" || node.Decode(&n) != nil {
		return 0, fmt.Errorf("line %d: %s must be a whole number", node.Line, what)
	}
	return n, nil
}
