package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/subgate/subgate/pkg/policy"
)

// A cases file (subgate test) lists requests and what the policy must answer to each:
//
//	cases:
//	  - name: banned user is refused
//	    channel: "@TOA#_test_for_penn"
//	    operator: "107867"          # optional
//	    subscribers: [jared, leckie]
//	    at: "2026-12-01T00:00:00Z"  # optional: decide as of this time, not now
//	    want: {error_code: 0, refused: [jared]}
//
// Like the policy, it is read strictly: an unknown key, a key given twice or a value of the wrong
// kind is an error naming its line, so a typo cannot turn a check off.

// The keys the file, a case and a case's want may have.
var (
	fileKeys = []string{"cases"}
	caseKeys = []string{"name", "channel", "operator", "subscribers", "subscriber_count", "at", "want"}
	wantKeys = []string{"error_code", "error_info", "refused", "would_refuse", "rules"}
)

// maxSubscriberCount bounds subscriber_count: a REST call carries at most 100 subscribers, and
// max_subscribers is tested with one more than the limit.
const maxSubscriberCount = 100_000

// testCase is one case of a cases file.
type testCase struct {
	name string
	line int
	request
	at   time.Time // zero: now
	want caseWant
}

// caseWant is what a case must get.
type caseWant struct {
	errorCode   int
	errorInfo   *string  // compared when given
	refused     []string // the answer's RefusedSubscribers_Account, in any order; none when not given
	wouldRefuse []string // who the policy's rules refuse, shadow mode or not; compared when given
	hasWould    bool
	rules       []idRule // the rule that decides each named subscriber; compared when given
}

// idRule is a subscriber and the words of the rule that must decide it.
type idRule struct{ id, rule string }

// readCases reads the cases file at path.
func readCases(path string) ([]testCase, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cases file: %w", err)
	}
	cases, err := parseCases(text)
	if err != nil {
		return nil, fmt.Errorf("cases %s: %w", path, err)
	}
	return cases, nil
}

func parseCases(text []byte) ([]testCase, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(doc.Content) == 0 {
		return nil, errors.New("the file is empty: it needs a list of cases under the key cases")
	}
	fields, err := mapping(doc.Content[0], "the cases file", fileKeys)
	if err != nil {
		return nil, err
	}
	list := fields["cases"]
	switch {
	case list == nil:
		return nil, fmt.Errorf("line %d: the key cases is missing", doc.Content[0].Line)
	case list.Kind != yaml.SequenceNode:
		return nil, fmt.Errorf("line %d: cases must be a list of cases", list.Line)
	case len(list.Content) == 0:
		return nil, fmt.Errorf("line %d: cases is empty: a file that tests nothing would always pass", list.Line)
	}
	var cases []testCase
	names := map[string]int{}
	for _, node := range list.Content {
		tc, err := readCase(resolve(node))
		if err != nil {
			return nil, err
		}
		if first, ok := names[tc.name]; ok {
			return nil, fmt.Errorf("line %d: the case name %q is given twice (first at line %d)", tc.line, tc.name, first)
		}
		names[tc.name] = tc.line
		cases = append(cases, tc)
	}
	return cases, nil
}

func readCase(node *yaml.Node) (testCase, error) {
	tc := testCase{line: node.Line}
	fields, err := mapping(node, "a case", caseKeys)
	if err != nil {
		return tc, err
	}
	for _, key := range []string{"name", "channel", "want"} {
		if fields[key] == nil {
			return tc, fmt.Errorf("line %d: a case needs %s", node.Line, key)
		}
	}
	if tc.name, err = str(fields["name"], "name"); err != nil {
		return tc, err
	}
	if tc.name == "" {
		return tc, fmt.Errorf("line %d: a case's name must not be empty", fields["name"].Line)
	}
	if tc.channel, err = str(fields["channel"], "channel"); err != nil {
		return tc, err
	}
	if !strings.HasPrefix(tc.channel, policy.ChannelPrefix) {
		return tc, fmt.Errorf("line %d: channel is an Official Channel ID, starting %s, not %q", fields["channel"].Line, policy.ChannelPrefix, tc.channel)
	}
	if n := fields["operator"]; n != nil {
		if tc.operator, err = str(n, "operator"); err != nil {
			return tc, err
		}
	}
	if n := fields["subscribers"]; n != nil {
		if tc.subscribers, err = strList(n, "subscribers"); err != nil {
			return tc, err
		}
	}
	if n := fields["subscriber_count"]; n != nil {
		count, err := integer(n, "subscriber_count")
		if err != nil {
			return tc, err
		}
		if count < len(tc.subscribers) || count > maxSubscriberCount {
			return tc, fmt.Errorf("line %d: subscriber_count must be from the number of subscribers listed (%d) to %d, not %d",
				n.Line, len(tc.subscribers), maxSubscriberCount, count)
		}
		for i := 1; len(tc.subscribers) < count; i++ {
			tc.subscribers = append(tc.subscribers, fmt.Sprintf("user_%d", i))
		}
	}
	if len(tc.subscribers) == 0 {
		return tc, fmt.Errorf("line %d: a case needs subscribers (or subscriber_count)", node.Line)
	}
	if n := fields["at"]; n != nil {
		s, err := str(n, "at")
		if err != nil {
			return tc, err
		}
		if tc.at, err = time.Parse(time.RFC3339, s); err != nil {
			return tc, fmt.Errorf("line %d: at %q is not an RFC 3339 time like 2026-12-01T00:00:00Z", n.Line, s)
		}
	}
	tc.want, err = readWant(resolve(fields["want"]), tc.subscribers)
	return tc, err
}

func readWant(node *yaml.Node, subscribers []string) (caseWant, error) {
	var w caseWant
	fields, err := mapping(node, "want", wantKeys)
	if err != nil {
		return w, err
	}
	if n := fields["error_code"]; n != nil {
		if w.errorCode, err = integer(n, "error_code"); err != nil {
			return w, err
		}
		if w.errorCode != 0 && w.errorCode != 1 {
			return w, fmt.Errorf("line %d: error_code is 0 (go on) or 1 (the request is rejected), not %d", n.Line, w.errorCode)
		}
	}
	if n := fields["error_info"]; n != nil {
		info, err := str(n, "error_info")
		if err != nil {
			return w, err
		}
		w.errorInfo = &info
	}
	if n := fields["refused"]; n != nil {
		if w.refused, err = strList(n, "refused"); err != nil {
			return w, err
		}
	}
	if n := fields["would_refuse"]; n != nil {
		if w.wouldRefuse, err = strList(n, "would_refuse"); err != nil {
			return w, err
		}
		w.hasWould = true
	}
	if n := fields["rules"]; n != nil {
		if n.Kind != yaml.MappingNode {
			return w, fmt.Errorf("line %d: rules must be a mapping of subscribers to the words of the rule that decides each", n.Line)
		}
		ruleFields, err := mapping(n, "rules", nil)
		if err != nil {
			return w, err
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			id := n.Content[i].Value
			if !slices.Contains(subscribers, id) {
				return w, fmt.Errorf("line %d: rules names %q, which is not among the case's subscribers", n.Content[i].Line, id)
			}
			rule, err := str(ruleFields[id], "the rule of "+id)
			if err != nil {
				return w, err
			}
			w.rules = append(w.rules, idRule{id, rule})
		}
	}
	return w, nil
}

// mapping checks that node is a mapping whose keys are among known (any key when known is nil),
// each once, and returns the value of each key.
func mapping(node *yaml.Node, what string, known []string) (map[string]*yaml.Node, error) {
	node = resolve(node)
	if node.Kind != yaml.MappingNode {
		if known == nil {
			return nil, fmt.Errorf("line %d: %s must be a mapping", node.Line, what)
		}
		return nil, fmt.Errorf("line %d: %s must be a mapping of keys (%s)", node.Line, what, strings.Join(known, ", "))
	}
	fields := make(map[string]*yaml.Node, len(node.Content)/2)
	lines := make(map[string]int, len(node.Content)/2)
	for i := 0; i+1 < len(node.Content); i += 2 {
		key, value := resolve(node.Content[i]), resolve(node.Content[i+1])
		if key.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("line %d: a key of %s must be a string", key.Line, what)
		}
		if first, ok := lines[key.Value]; ok {
			return nil, fmt.Errorf("line %d: key %q is given twice in %s (first at line %d)", key.Line, key.Value, what, first)
		}
		if known != nil && !slices.Contains(known, key.Value) {
			return nil, fmt.Errorf("line %d: unknown key %q in %s (known keys: %s)", key.Line, key.Value, what, strings.Join(known, ", "))
		}
		fields[key.Value], lines[key.Value] = value, key.Line
	}
	return fields, nil
}

// resolve is the node an alias stands for, or node.
func resolve(node *yaml.Node) *yaml.Node {
	for node.Kind == yaml.AliasNode && node.Alias != nil {
		node = node.Alias
	}
	return node
}

// str is a scalar's text: a string, or a number or word written without quotes (an ID such as
// 107867).
func str(node *yaml.Node, key string) (string, error) {
	if node.Kind != yaml.ScalarNode || node.Tag == "!!null" {
		return "", fmt.Errorf("line %d: %s must be a string", node.Line, key)
	}
	return node.Value, nil
}

func strList(node *yaml.Node, key string) ([]string, error) {
	if node.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("line %d: %s must be a list of IDs, such as [jared, leckie]", node.Line, key)
	}
	list := make([]string, 0, len(node.Content))
	for _, item := range node.Content {
		s, err := str(resolve(item), "each of "+key)
		if err != nil {
			return nil, err
		}
		list = append(list, s)
	}
	return list, nil
}

func integer(node *yaml.Node, key string) (int, error) {
	var n int
	if node.Kind != yaml.ScalarNode || node.Tag != "!!int" || node.Decode(&n) != nil {
		return 0, fmt.Errorf("line %d: %s must be a whole number", node.Line, key)
	}
	return n, nil
}
