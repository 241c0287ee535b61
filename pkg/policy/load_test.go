package policy

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		text string
		want string
	}{
		{name: "Empty", text: "", want: "policy p.yaml: is empty (write `default: allow` for a policy that allows everyone)"},
		{name: "OnlyComments", text: "# nothing\n", want: "policy p.yaml: is empty"},
		{name: "NotMapping", text: "- deny\n", want: "policy p.yaml: line 1: the policy must be a mapping of keys"},
		{name: "UnknownKey", text: "default: allow\ndenny: [x]\n", want: `policy p.yaml: line 2: unknown key "denny" in the policy (known keys: default, mode, trusted_operators, deny, deny_file, allow, allow_file, max_subscribers, max_members, channels, groups)`},
		{name: "UnknownChannelKey", text: "channels:\n  \"@TOA#_a\":\n    closd: true\n", want: `policy p.yaml: line 3: unknown key "closd" in channel "@TOA#_a"`},
		{name: "RepeatedKey", text: "deny: [a]\ndeny: [b]\n", want: `policy p.yaml: line 2: key "deny" is given twice in the policy (first at line 1)`},
		{name: "RepeatedChannel", text: "channels:\n  \"@TOA#_a\": {closed: true}\n  \"@TOA#_a\": {default: allow}\n",
			want: `policy p.yaml: line 3: key "@TOA#_a" is given twice in channels (first at line 2)`},
		{name: "BadDefault", text: "default: deny\n", want: `policy p.yaml: line 1: default must be allow or refuse, not "deny"`},
		{name: "BadChannelDefault", text: "channels:\n  \"@TOA#_a\":\n    default: maybe\n", want: `policy p.yaml: line 3: default must be allow or refuse, not "maybe"`},
		{name: "ChannelWithoutPrefix", text: "channels:\n  news:\n    closed: true\n", want: `policy p.yaml: line 2: channel "news": Official Channel IDs start with "@TOA#_"`},
		{name: "ChannelsNotMapping", text: "channels: [a]\n", want: "policy p.yaml: line 1: channels must be a mapping"},
		{name: "ChannelNotMapping", text: "channels:\n  \"@TOA#_a\": closed\n", want: `policy p.yaml: line 2: channel "@TOA#_a" must be a mapping of keys`},
		{name: "NegativeMax", text: "max_subscribers: -1\n", want: `policy p.yaml: line 1: max_subscribers must be a whole number, 0 or more, not "-1"`},
		{name: "MaxNotNumber", text: "max_subscribers: lots\n", want: `policy p.yaml: line 1: max_subscribers must be a whole number, 0 or more, not "lots"`},
		{name: "DenyNotList", text: "deny: jared\n", want: "policy p.yaml: line 1: expected a list of IDs"},
		{name: "DenyEmptyEntry", text: "deny:\n  - \"\"\n", want: "policy p.yaml: line 2: each list entry must be a non-empty ID or pattern"},
		{name: "DenyNestedEntry", text: "deny:\n  - [a]\n", want: "policy p.yaml: line 2: each list entry must be a non-empty ID or pattern"},
		{name: "ClosedNotBool", text: "channels:\n  \"@TOA#_a\":\n    closed: sometimes\n", want: "policy p.yaml: line 3: cannot unmarshal !!str `sometimes` into bool"},
		{name: "TrustedPattern", text: "trusted_operators: [\"admin_*\"]\n", want: `policy p.yaml: line 1: trusted_operators: "admin_*": trusted operators are exact IDs, not patterns`},
		{name: "MissingDenyFile", text: "deny_file: nope.txt\n", want: "policy p.yaml: deny_file nope.txt: open testdata/nope.txt: no such file or directory"},
		{name: "MissingChannelAllowFile", text: "channels:\n  \"@TOA#_a\":\n    allow_file: nope.txt\n", want: `policy p.yaml: channels."@TOA#_a".allow_file nope.txt: open testdata/nope.txt: no such file or directory`},
		{name: "BadYAML", text: "deny: [a\n", want: "policy p.yaml: line 1: did not find expected ',' or ']'"},
		{name: "IndentedWithATab", text: "deny:\n\t- jared\n", want: "policy p.yaml: line 2: a tab (column 1) where YAML takes only spaces: indent with spaces (found character that cannot start any token)"},
		{name: "EntryBadUntil", text: "deny:\n  - {id: a, until: \"next week\"}\n", want: `policy p.yaml: line 2: until "next week" is not an RFC 3339 time like 2026-12-01T00:00:00Z`},
		{name: "EntryUntilDateOnly", text: "deny:\n  - id: a\n    until: 2026-12-01\n", want: `policy p.yaml: line 3: until "2026-12-01" is not an RFC 3339 time like 2026-12-01T00:00:00Z`},
		{name: "EntryUntilFraction", text: "allow:\n  - {id: a, until: 2026-12-01T00:00:00.25Z}\n", want: `policy p.yaml: line 2: until "2026-12-01T00:00:00.25Z": give the time to the second, like 2026-12-01T00:00:00Z`},
		{name: "EntryUnknownKey", text: "deny:\n  - a\n  - id: b\n    expires: \"2026-12-01T00:00:00Z\"\n", want: `policy p.yaml: line 4: unknown key "expires" in a list entry (known keys: id, until, reason)`},
		{name: "EntryKeyTwice", text: "deny:\n  - {id: b, reason: x, reason: y}\n", want: `policy p.yaml: line 2: key "reason" is given twice in a list entry (first at line 2)`},
		{name: "EntryWithoutID", text: "deny:\n  - a\n  - {reason: x}\n", want: "policy p.yaml: line 3: a list entry written as a mapping needs a non-empty id"},
		{name: "EntryEmptyID", text: "channels:\n  \"@TOA#_a\":\n    allow:\n      - {id: \"\", reason: x}\n", want: "policy p.yaml: line 4: a list entry written as a mapping needs a non-empty id"},
		{name: "EntryIDNotString", text: "deny:\n  - {id: [a]}\n", want: "policy p.yaml: line 2: id must be a string"},
		{name: "EntryReasonNull", text: "deny:\n  - {id: a, reason: ~}\n", want: "policy p.yaml: line 2: reason must be a string"},
		{name: "TrustedWithUntil", text: "trusted_operators:\n  - {id: a, until: \"2026-12-01T00:00:00Z\"}\n", want: "policy p.yaml: line 2: each trusted operator must be a non-empty ID"},
		{name: "BadMode", text: "mode: audit\n", want: `policy p.yaml: line 1: mode must be enforce or shadow, not "audit"`},
		{name: "BadChannelMode", text: "channels:\n  \"@TOA#_a\":\n    mode: Shadow\n", want: `policy p.yaml: line 3: mode must be enforce or shadow, not "Shadow"`},
		{name: "BadAnnotation", text: "deny_file: lists/bad-annotation.txt\n", want: `policy p.yaml: deny_file lists/bad-annotation.txt: line 4: annotation: unknown key "expires" (known keys: until, reason)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.text), "p.yaml", "testdata")
			require.Error(t, err)
			assert.Nil(t, p)
			assert.Contains(t, err.Error(), tt.want)
			if strings.HasPrefix(tt.name, "Entry") || strings.HasPrefix(tt.name, "Bad") {
				assert.Equal(t, tt.want, err.Error(), "the whole message")
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/does-not-exist.yaml")
	assert.EqualError(t, err, "policy file: open testdata/does-not-exist.yaml: no such file or directory")
}

func TestLoadNullValues(t *testing.T) {
	p, err := Parse([]byte("default: allow\ndeny:\nchannels:\n"), "p.yaml", ".")
	require.NoError(t, err)
	assert.Equal(t, outcome{Verdicts: []string{"x allowed by default: allow"}}, words(p.Decide("@TOA#_a", "", []string{"x"})))
}

// TestAliasedChannel: a channel's rules may be a YAML alias of another's, read as the same rules.
func TestAliasedChannel(t *testing.T) {
	p, err := Parse([]byte("channels:\n  \"@TOA#_a\": &rules {closed: true, reason: maintenance}\n  \"@TOA#_b\": *rules\n"), "p.yaml", ".")
	require.NoError(t, err)
	for _, channel := range []string{"@TOA#_a", "@TOA#_b"} {
		d := p.Decide(channel, "", []string{"x"})
		assert.True(t, d.Rejected, channel)
		assert.Equal(t, "maintenance", d.Reason, channel)
	}
}
