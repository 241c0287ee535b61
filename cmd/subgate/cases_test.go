package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseCases(t *testing.T) {
	cases, err := parseCases([]byte(`cases:
  - name: first
    channel: "@TOA#_a"
    operator: 107867
    subscribers: [jared, 42, ""]
    at: "2026-12-01T08:00:00+08:00"
    want:
      error_code: 1
      error_info: closed
      refused: [jared]
      would_refuse: []
      rules: {jared: deny "jared", 42: "default: allow"}
  - name: second
    channel: "@TOA#_a"
    subscribers: [x]
    subscriber_count: 3
    want: {}
`))
	require.NoError(t, err)
	require.Len(t, cases, 2)
	info := "closed"
	assert.Equal(t, testCase{name: "first", line: 2,
		request: request{channel: "@TOA#_a", operator: "107867", users: []string{"jared", "42", ""}},
		at:      time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).In(cases[0].at.Location()),
		want: caseWant{errorCode: 1, errorInfo: &info, refused: []string{"jared"}, wouldRefuse: []string{}, hasWould: true,
			rules: []idRule{{"jared", `deny "jared"`}, {"42", "default: allow"}}},
	}, cases[0])
	assert.True(t, cases[0].at.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)))
	assert.Equal(t, testCase{name: "second", line: 13, request: request{channel: "@TOA#_a", users: []string{"x", "user_1", "user_2"}}},
		cases[1], "subscriber_count adds user_1, user_2, ...; want: {} wants OK, 0 and no refusals")
}

// A cases file is read as strictly as a policy: each mistake is an error naming its line.
func TestParseCasesErrors(t *testing.T) {
	const good = "    channel: \"@TOA#_a\"\n    subscribers: [a]\n    want: {refused: []}\n"
	tests := []struct {
		name, text, want string
	}{
		{"Empty", "", "the file is empty: it needs a list of cases under the key cases"},
		{"NotYAML", "cases: [", "line 1: did not find expected node content"},
		{"IndentedWithATab", "cases:\n\t- name: a\n", "line 2: a tab (column 1) where YAML takes only spaces: indent with spaces (found character that cannot start any token)"},
		{"NotAMapping", "- a\n", "line 1: the cases file must be a mapping of keys (cases)"},
		{"UnknownTopKey", "case: []\n", `line 1: unknown key "case" in the cases file (known keys: cases)`},
		{"NoCasesKey", "{}\n", "line 1: the key cases is missing"},
		{"CasesNotAList", "cases: {a: b}\n", "line 1: cases must be a list of cases"},
		{"NoCases", "cases: []\n", "line 1: cases is empty: a file that tests nothing would always pass"},
		{"CaseNotAMapping", "cases:\n  - just a name\n", "line 2: a case must be a mapping of keys (name, channel, group, operator, subscribers, subscriber_count, members, member_count, requestor, at, want)"},
		{"UnknownCaseKey", "cases:\n  - name: a\n" + good + "    subscriber: [b]\n", `line 6: unknown key "subscriber" in a case (known keys: name, channel, group, operator, subscribers, subscriber_count, members, member_count, requestor, at, want)`},
		{"RepeatedKey", "cases:\n  - name: a\n" + good + "    name: b\n", `line 6: key "name" is given twice in a case (first at line 2)`},
		{"NoName", "cases:\n  -\n" + good, "line 3: a case needs name"},
		{"EmptyName", "cases:\n  - name: \"\"\n" + good, "line 2: a case's name must not be empty"},
		{"NameTwice", "cases:\n  - name: a\n" + good + "  - name: a\n" + good, `line 6: the case name "a" is given twice (first at line 2)`},
		{"NoChannel", "cases:\n  - name: a\n    subscribers: [a]\n    want: {}\n", "line 2: a case needs channel (or group)"},
		{"NotAChannel", "cases:\n  - name: a\n    channel: news\n    subscribers: [a]\n    want: {}\n", `line 3: channel is an Official Channel ID, starting @TOA#_, not "news"`},
		{"ChannelNotAString", "cases:\n  - name: a\n    channel: [x]\n    subscribers: [a]\n    want: {}\n", "line 3: channel must be a string"},
		{"NoWant", "cases:\n  - name: a\n    channel: \"@TOA#_a\"\n    subscribers: [a]\n", "line 2: a case needs want"},
		{"NoSubscribers", "cases:\n  - name: a\n    channel: \"@TOA#_a\"\n    want: {}\n", "line 2: a case needs subscribers (or subscriber_count)"},
		{"SubscribersNotAList", "cases:\n  - name: a\n    channel: \"@TOA#_a\"\n    subscribers: jared\n    want: {}\n", "line 4: subscribers must be a list of IDs, such as [jared, leckie]"},
		{"NullSubscriber", "cases:\n  - name: a\n    channel: \"@TOA#_a\"\n    subscribers: [a, null]\n    want: {}\n", "line 4: each of subscribers must be a string"},
		{"CountTooSmall", "cases:\n  - name: a\n    channel: \"@TOA#_a\"\n    subscribers: [a, b]\n    subscriber_count: 1\n    want: {}\n",
			"line 5: subscriber_count must be from the number of subscribers listed (2) to 100000, not 1"},
		{"CountNotANumber", "cases:\n  - name: a\n    channel: \"@TOA#_a\"\n    subscriber_count: many\n    want: {}\n", "line 4: subscriber_count must be a whole number"},
		{"BadAt", "cases:\n  - name: a\n" + good + "    at: next week\n", `line 6: at "next week" is not an RFC 3339 time like 2026-12-01T00:00:00Z`},
		{"UnknownWantKey", "cases:\n  - name: a\n    channel: \"@TOA#_a\"\n    subscribers: [a]\n    want: {refuse: [a]}\n",
			`line 5: unknown key "refuse" in want (known keys: error_code, error_info, refused, would_refuse, rules)`},
		{"WantNotAMapping", "cases:\n  - name: a\n    channel: \"@TOA#_a\"\n    subscribers: [a]\n    want: [a]\n", "line 5: want must be a mapping of keys (error_code, error_info, refused, would_refuse, rules)"},
		{"BadErrorCode", "cases:\n  - name: a\n    channel: \"@TOA#_a\"\n    subscribers: [a]\n    want: {error_code: 2}\n",
			"line 5: error_code is 0 (go on) or 1 (the request is rejected), not 2"},
		{"ErrorCodeNotANumber", "cases:\n  - name: a\n    channel: \"@TOA#_a\"\n    subscribers: [a]\n    want: {error_code: \"0\"}\n", "line 5: error_code must be a whole number"},
		{"RulesNotAMapping", "cases:\n  - name: a\n    channel: \"@TOA#_a\"\n    subscribers: [a]\n    want: {rules: [a]}\n",
			"line 5: rules must be a mapping of subscribers (members) to the words of the rule that decides each"},
		{"RuleOfAStranger", "cases:\n  - name: a\n    channel: \"@TOA#_a\"\n    subscribers: [a]\n    want:\n      rules: {b: deny \"b\"}\n",
			`line 6: rules names "b", which is not among the case's subscribers (members)`},
		{"RuleNotAString", "cases:\n  - name: a\n    channel: \"@TOA#_a\"\n    subscribers: [a]\n    want:\n      rules: {a: [x]}\n", "line 6: the rule of a must be a string"},
		{"RuleTwice", "cases:\n  - name: a\n    channel: \"@TOA#_a\"\n    subscribers: [a]\n    want:\n      rules:\n        a: x\n        a: y\n",
			`line 8: key "a" is given twice in rules (first at line 7)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseCases([]byte(tt.text))
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}

// Anchors and aliases read as what they stand for, so cases can share a list.
func TestParseCasesWithAliases(t *testing.T) {
	cases, err := parseCases([]byte(`cases:
  - name: a
    channel: "@TOA#_a"
    subscribers: &many [x, y]
    want: {refused: *many}
`))
	require.NoError(t, err)
	assert.Equal(t, []string{"x", "y"}, cases[0].want.refused)
}
