package policy

import (
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
		{name: "UnknownKey", text: "default: allow\ndenny: [x]\n", want: `policy p.yaml: line 2: unknown key "denny" in the policy (known keys: default, mode, trusted_operators, deny, deny_file, allow, allow_file, max_subscribers, channels)`},
		{name: "UnknownChannelKey", text: "channels:\n  \"@TOA#_a\":\n    closd: true\n", want: `policy p.yaml: line 3: unknown key "closd" in channel "@TOA#_a"`},
		{name: "RepeatedKey", text: "deny: [a]\ndeny: [b]\n", want: `policy p.yaml: line 2: key "deny" is given twice (first at line 1)`},
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.text), "p.yaml", "testdata")
			require.Error(t, err)
			assert.Nil(t, p)
			assert.Contains(t, err.Error(), tt.want)
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
