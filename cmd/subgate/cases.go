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
//	  - name: banned user is not invited into a group
//	    group: "@TGS#2J4SZEAEL"
//	    members: [jared, leckie]    # an invitation; requestor: jared is an application instead
//	    want: {refused: [jared]}
//
// A case names a channel with its subscribers, or a group with its members (an invitation) or its
// requestor (an application). Like the policy, it is read strictly: an unknown key, a key given
// twice or a value of the wrong kind is an error naming its line, so a typo cannot turn a check off.

// The keys the file, a case and a case's want may have.
var (
	fileKeys = []string{"cases"}
	caseKeys = []string{"name", "channel", "group", "operator", "subscribers", "subscriber_count", "members", "member_count", "requestor", "at", "want"}
	wantKeys = []string{"error_code", "error_info", "refused", "would_refuse", "rules"}
)

// maxSubscriberCount bounds subscriber_count and member_count: a REST call carries at most 100
// subscribers (300 members), and a limit is tested with one more than it.
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
	refused     []string // the answer's RefusedSubscribers_Account (RefusedMembers_Account), in any order; none when not given
	wouldRefuse []string // who the policy's rules refuse, shadow mode or not; compared when given
	hasWould    bool
	rules       []idRule // the rule that decides each named subscriber (member); compared when given
}

// idRule is a subscriber (member) and the words of the rule that must decide it.
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
	for _, key := range []string{"name", "want"} {
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
	switch channel, group := fields.Get("channel"), fields.Get("group"); {
	case channel == nil && group == nil:
		return tc, fmt.Errorf("line %d: a case needs channel (or group)", node.Line)
	case channel != nil && group != nil:
		return tc, fmt.Errorf("line %d: a case names a channel or a group, not both", group.Line)
	case channel != nil:
		err = readSubscription(&tc, fields)
	default:
		err = readGroupRequest(&tc, fields)
	}
	if err != nil {
		return tc, err
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
	tc.want, err = readWant(fields.Get("want"), tc.users)
	return tc, err
}

// readSubscription reads a case that names a channel: its subscribers (and subscriber_count) and
// operator.
func readSubscription(tc *testCase, fields strictyaml.Fields) error {
	if err := notWith(fields, "channel", "members", "member_count", "requestor"); err != nil {
		return err
	}
	var err error
	if tc.channel, err = strictyaml.String(fields.Get("channel"), "channel"); err != nil {
		return err
	}
	if !strings.HasPrefix(tc.channel, policy.ChannelPrefix) {
		return fmt.Errorf("line %d: channel is an Official Channel ID, starting %s, not %q", fields.Get("channel").Line, policy.ChannelPrefix, tc.channel)
	}
	if tc.operator, err = optionalString(fields, "operator"); err != nil {
		return err
	}
	if tc.users, err = readUsers(fields, "subscribers", "subscriber_count"); err != nil {
		return err
	}
	if len(tc.users) == 0 {
		return fmt.Errorf("line %d: a case needs subscribers (or subscriber_count)", tc.line)
	}
	return nil
}

// readGroupRequest reads a case that names a group: an invitation of its members (and
// member_count) by its operator, or the application of its requestor.
func readGroupRequest(tc *testCase, fields strictyaml.Fields) error {
	if err := notWith(fields, "group", "subscribers", "subscriber_count"); err != nil {
		return err
	}
	var err error
	if tc.group, err = strictyaml.String(fields.Get("group"), "group"); err != nil {
		return err
	}
	if tc.group == "" || strings.HasPrefix(tc.group, policy.ChannelPrefix) {
		return fmt.Errorf("line %d: group is a group ID, such as @TGS#2J4SZEAEL, not %q", fields.Get("group").Line, tc.group)
	}
	if n := fields.Get("requestor"); n != nil {
		if err := notWith(fields, "requestor", "members", "member_count", "operator"); err != nil {
			return err
		}
		requestor, err := strictyaml.String(n, "requestor")
		if err != nil {
			return err
		}
		tc.users, tc.application = []string{requestor}, true
		return nil
	}
	if tc.operator, err = optionalString(fields, "operator"); err != nil {
		return err
	}
	if tc.users, err = readUsers(fields, "members", "member_count"); err != nil {
		return err
	}
	if len(tc.users) == 0 {
		return fmt.Errorf("line %d: a case needs members (or member_count, or requestor for an application)", tc.line)
	}
	return nil
}

// notWith refuses the keys others in a case that has key: they belong to another kind of request.
func notWith(fields strictyaml.Fields, key string, others ...string) error {
	for _, other := range others {
		if n := fields.Get(other); n != nil {
			return fmt.Errorf("line %d: a case with %s does not take %s", n.Line, key, other)
		}
	}
	return nil
}

func optionalString(fields strictyaml.Fields, key string) (string, error) {
	n := fields.Get(key)
	if n == nil {
		return "", nil
	}
	return strictyaml.String(n, key)
}

// readUsers reads the users a case lists under key, then, with countKey, makes up more of them
// (user_1, user_2, ...) up to its count.
func readUsers(fields strictyaml.Fields, key, countKey string) ([]string, error) {
	var users []string
	if n := fields.Get(key); n != nil {
		var err error
		if users, err = strList(n, key); err != nil {
			return nil, err
		}
	}
	if n := fields.Get(countKey); n != nil {
		count, err := strictyaml.Int(n, countKey)
		if err != nil {
			return nil, err
		}
		if count < len(users) || count > maxSubscriberCount {
			return nil, fmt.Errorf("line %d: %s must be from the number of %s listed (%d) to %d, not %d",
				n.Line, countKey, key, len(users), maxSubscriberCount, count)
		}
		for i := 1; len(users) < count; i++ {
			users = append(users, fmt.Sprintf("user_%d", i))
		}
	}
	return users, nil
}

func readWant(node *yaml.Node, users []string) (caseWant, error) {
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
			return w, fmt.Errorf("line %d: rules must be a mapping of subscribers (members) to the words of the rule that decides each", n.Line)
		}
		ruleFields, err := strictyaml.Mapping(n, "rules", nil)
		if err != nil {
			return w, err
		}
		for _, f := range ruleFields {
			if !slices.Contains(users, f.Key) {
				return w, fmt.Errorf("line %d: rules names %q, which is not among the case's subscribers (members)", f.Line, f.Key)
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
