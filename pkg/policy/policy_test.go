package policy

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecide(t *testing.T) {
	full, err := Load("testdata/full.yaml")
	require.NoError(t, err)
	globalAllow, err := Load("testdata/global-allow.json")
	require.NoError(t, err)

	tests := []struct {
		name        string
		policy      *Policy
		channel     string
		operator    string
		subscribers []string
		want        Decision
	}{
		{name: "AllowAllPolicy", policy: AllowAll(), channel: "@TOA#_x", subscribers: []string{"jared", "leckie"}, want: Decision{}},
		{name: "AllowAllStillRefusesEmptyID", policy: AllowAll(), channel: "@TOA#_x", subscribers: []string{"a", ""}, want: Decision{Refused: []string{""}}},
		{name: "NobodyRefused", policy: full, channel: "@TOA#_x", subscribers: []string{"alice", "bob"}, want: Decision{}},
		{name: "ExactDeny", policy: full, channel: "@TOA#_x", subscribers: []string{"alice", "spammer42"}, want: Decision{Refused: []string{"spammer42"}}},
		{name: "GlobDeny", policy: full, channel: "@TOA#_x", subscribers: []string{"banned_bob"}, want: Decision{Refused: []string{"banned_bob"}}},
		{name: "DenyFileExactTrimmed", policy: full, channel: "@TOA#_x", subscribers: []string{"troll"}, want: Decision{Refused: []string{"troll"}}},
		{name: "DenyFileIDWithHash", policy: full, channel: "@TOA#_x", subscribers: []string{"user#7", "user"}, want: Decision{Refused: []string{"user#7"}}},
		{name: "DenyFileGlob", policy: full, channel: "@TOA#_x", subscribers: []string{"scam_1", "scam_12"}, want: Decision{Refused: []string{"scam_1"}}},
		{name: "DenyFileCommentIsNotAnID", policy: full, channel: "@TOA#_x", subscribers: []string{"# banned users", "# indented comment"}, want: Decision{}},
		{name: "CaseSensitive", policy: full, channel: "@TOA#_x", subscribers: []string{"Spammer42"}, want: Decision{}},
		{name: "EmptyIDRefused", policy: full, channel: "@TOA#_x", subscribers: []string{""}, want: Decision{Refused: []string{""}}},
		{name: "RefusedOnceInRequestOrder", policy: full, channel: "@TOA#_x", subscribers: []string{"troll", "spammer42", "troll"}, want: Decision{Refused: []string{"troll", "spammer42"}}},
		{name: "TrustedOperatorBypassesAll", policy: full, channel: "@TOA#_closed", operator: "administrator", subscribers: []string{"spammer42", "a", "b", "c"}, want: Decision{Trusted: true}},
		{name: "OperatorIsCaseSensitive", policy: full, channel: "@TOA#_x", operator: "Administrator", subscribers: []string{"spammer42"}, want: Decision{Refused: []string{"spammer42"}}},
		{name: "ClosedWithReason", policy: full, channel: "@TOA#_closed", subscribers: []string{"alice"}, want: Decision{Rejected: true, Reason: "not accepting subscribers"}},
		{name: "ClosedDefaultReason", policy: full, channel: "@TOA#_shut", subscribers: []string{"alice"}, want: Decision{Rejected: true, Reason: "Official Channel @TOA#_shut is not accepting subscribers"}},
		{name: "ClosedBeforeMaxSubscribers", policy: full, channel: "@TOA#_closed", subscribers: []string{"a", "b", "c", "d"}, want: Decision{Rejected: true, Reason: "not accepting subscribers"}},
		{name: "AtMaxSubscribers", policy: full, channel: "@TOA#_x", subscribers: []string{"a", "b", "c"}, want: Decision{}},
		{name: "OverMaxSubscribers", policy: full, channel: "@TOA#_x", subscribers: []string{"a", "b", "c", "d"}, want: Decision{Rejected: true, Reason: "request has 4 subscribers; this app accepts at most 3 per request"}},
		{name: "ChannelAllowList", policy: full, channel: "@TOA#_premium", subscribers: []string{"vip_1", "alice"}, want: Decision{Refused: []string{"alice"}}},
		{name: "DenyWinsOverChannelAllow", policy: full, channel: "@TOA#_premium", subscribers: []string{"vip_1", "spammer42"}, want: Decision{Refused: []string{"spammer42"}}},
		{name: "ChannelDenyAddsToGlobal", policy: full, channel: "@TOA#_news", subscribers: []string{"bot_1", "spammer42", "reader_1"}, want: Decision{Refused: []string{"bot_1", "spammer42"}}},
		{name: "ChannelDenyOnlyOnItsChannel", policy: full, channel: "@TOA#_x", subscribers: []string{"bot_1"}, want: Decision{}},
		{name: "ChannelDefaultRefuse", policy: full, channel: "@TOA#_news", subscribers: []string{"alice"}, want: Decision{Refused: []string{"alice"}}},
		{name: "AllowMatchBeatsDefaultRefuse", policy: full, channel: "@TOA#_news", subscribers: []string{"reader_9"}, want: Decision{}},
		{name: "GlobalAllowList", policy: globalAllow, channel: "@TOA#_x", subscribers: []string{"member_1", "guest"}, want: Decision{Refused: []string{"guest"}}},
		{name: "ChannelAllowReplacesGlobal", policy: globalAllow, channel: "@TOA#_open", subscribers: []string{"member_1", "guest"}, want: Decision{Refused: []string{"member_1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.policy.Decide(tt.channel, tt.operator, tt.subscribers))
		})
	}
}

func TestDecideManyRefusedStaysOrderedAndUnique(t *testing.T) {
	p, err := Parse([]byte(`default: refuse`), "inline", ".")
	require.NoError(t, err)
	var subscribers, want []string
	for i := range 200 {
		id := fmt.Sprintf("u%d", i)
		subscribers = append(subscribers, id, id)
		want = append(want, id)
	}
	assert.Equal(t, Decision{Refused: want}, p.Decide("@TOA#_x", "", subscribers))
}

func TestLargeDenyFile(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 100_000 {
		fmt.Fprintf(&b, "banned%06d\n", i)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "deny.txt"), []byte(b.String()), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "policy.yaml"), []byte("deny_file: deny.txt\n"), 0o644))

	p, err := Load(filepath.Join(dir, "policy.yaml"))
	require.NoError(t, err)
	assert.Equal(t, 100_000, p.global.deny[0].Len())
	assert.Equal(t, []string{"deny.txt"}, p.Files())
	got := p.Decide("@TOA#_x", "op", []string{"banned000000", "fine", "banned099999", "banned100000"})
	assert.Equal(t, Decision{Refused: []string{"banned000000", "banned099999"}}, got)
}

func TestInlineJSONPolicy(t *testing.T) {
	p, err := Parse([]byte(`{"deny": ["jared"]}`), "SUBGATE_POLICY", ".")
	require.NoError(t, err)
	assert.Equal(t, Decision{Refused: []string{"jared"}}, p.Decide("@TOA#_test_for_penn", "107867", []string{"jared", "leckie"}))
}

func TestFiles(t *testing.T) {
	p, err := Load("testdata/full.yaml")
	require.NoError(t, err)
	assert.Equal(t, []string{"lists/banned.txt", "lists/news-allow.txt"}, p.Files())
}

func TestParseList(t *testing.T) {
	got := parseList("a\n  b  \r\n\n# c\n   # d\ne#f\n\t g\t\nlast")
	assert.Equal(t, []string{"a", "b", "e#f", "g", "last"}, got)
}
