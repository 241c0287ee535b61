package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/subgate/subgate/internal/strictyaml"
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
	root, err := strictyaml.Parse(text)
	if err != nil {
		return nil, err
	}
	if root == nil {
		return nil, errors.New("the file is empty: it needs a list of cases under the key cases")
	}
	fields, err := strictyaml.Mapping(root, "the cases file", fileKeys)
	if err != nil {
		return nil, err
	}
	list := fields.Get("cases")
	switch {
	case list == nil:
		return nil, fmt.Errorf("line %d: the key cases is missing", root.Line)
	case list.Kind != yaml.SequenceNode:
		return nil, fmt.Errorf("line %d: cases must be a list of cases", list.Line)
	case len(list.Content) == 0:
		return nil, fmt.Errorf("line %d: cases is empty: a file that tests nothing would always pass", list.Line)
	}
	var cases []testCase
	names := map[string]int{}
	for _, node := range list.Content {
		tc, err := readCase(strictyaml.Resolve(node))
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
	fields, err := strictyaml.Mapping(node, "a case", caseKeys)
	if err != nil {
		return tc, err
	}
	for _, key := range []string{"name", "channel", "want"} {
		if fields.Get(key) == nil {
			return tc, fmt.Errorf("line %d: a case needs %s", node.Line, key)
		}
	}
	if tc.name, err = strictyaml.String(fields.Get("name"), "name"); err != nil {
		return tc, err
	}
	if tc.name == "" {
		return tc, fmt.Errorf("line %d: a case's name must not be empty", fields.Get("name").Line)
	}
	if tc.channel, err = strictyaml.String(fields.Get("channel"), "channel"); err != nil {
		return tc, err
	}
	if !strings.HasPrefix(tc.channel, policy.ChannelPrefix) {
		return tc, fmt.Errorf("line %d: channel is an Official Channel ID, starting %s, not %q", fields.Get("channel").Line, policy.ChannelPrefix, tc.channel)
	}
	if n := fields.Get("operator"); n != nil {
		if tc.operator, err = strictyaml.String(n, "operator"); err != nil {
			return tc, err
		}
	}
	if n := fields.Get("subscribers"); n != nil {
		if tc.subscribers, err = strList(n, "subscribers"); err != nil {
			return tc, err
		}
	}
	if n := fields.Get("subscriber_count"); n != nil {
		count, err := strictyaml.Int(n, "subscriber_count")
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
	if n := fields.Get("at"); n != nil {
		s, err := strictyaml.String(n, "at")
		if err != nil {
			return tc, err
		}
		if tc.at, err = time.Parse(time.RFC3339, s); err != nil {
			return tc, fmt.Errorf("line %d: at %q is not an RFC 3339 time like 2026-12-01T00:00:00Z", n.Line, s)
		}
	}
	tc.want, err = readWant(fields.Get("want"), tc.subscribers)
	return tc, err
}

func readWant(node *yaml.Node, subscribers []string) (caseWant, error) {
	var w caseWant
	fields, err := strictyaml.Mapping(node, "want", wantKeys)
	if err != nil {
		return w, err
	}
	if n := fields.Get("error_code"); n != nil {
		if w.errorCode, err = strictyaml.Int(n, "error_code"); err != nil {
			return w, err
		}
		if w.errorCode != 0 && w.errorCode != 1 {
			return w, fmt.Errorf("line %d: error_code is 0 (go on) or 1 (the request is rejected), not %d", n.Line, w.errorCode)
		}
	}
	if n := fields.Get("error_info"); n != nil {
		info, err := strictyaml.String(n, "error_info")
		if err != nil {
			return w, err
		}
		w.errorInfo = &info
	}
	if n := fields.Get("refused"); n != nil {
		if w.refused, err = strList(n, "refused"); err != nil {
			return w, err
		}
	}
	if n := fields.Get("would_refuse"); n != nil {
		if w.wouldRefuse, err = strList(n, "would_refuse"); err != nil {
			return w, err
		}
		w.hasWould = true
	}
	if n := fields.Get("rules"); n != nil {
		if n.Kind != yaml.MappingNode {
			return w, fmt.Errorf("line %d: rules must be a mapping of subscribers to the words of the rule that decides each", n.Line)
		}
		ruleFields, err := strictyaml.Mapping(n, "rules", nil)
		if err != nil {
			return w, err
		}
		for _, f := range ruleFields {
			if !slices.Contains(subscribers, f.Key) {
				return w, fmt.Errorf("line %d: rules names %q, which is not among the case's subscribers", f.Line, f.Key)
			}
			rule, err := strictyaml.String(f.Value, "the rule of "+f.Key)
			if err != nil {
				return w, err
			}
			w.rules = append(w.rules, idRule{f.Key, rule})
		}
	}
	return w, nil
}

func strList(node *yaml.Node, key string) ([]string, error) {
	if node.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("line %d: %s must be a list of IDs, such as [jared, leckie]", node.Line, key)
	}
	list := make([]string, 0, len(node.Content))
	for _, item := range node.Content {
		s, err := strictyaml.String(item, "each of "+key)
		if err != nil {
			return nil, err
		}
		list = append(list, s)
	}
	return list, nil
}
