package policy

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// outcome is a Decision in words, as a table test compares it.
type outcome struct {
	Rejected bool
	Reason   string
	Refused  []string
	Trusted  bool
	Shadow   bool
	Rule     string
	Verdicts []string // "id refused by RULE" or "id allowed by RULE", in request order
}

func words(d Decision) outcome {
	o := outcome{Rejected: d.Rejected, Reason: d.Reason, Refused: d.Refused, Trusted: d.Trusted, Shadow: d.Shadow, Rule: d.Rule.String()}
	for _, v := range d.Subscribers {
		verb := "allowed"
		if v.Refused {
			verb = "refused"
		}
		o.Verdicts = append(o.Verdicts, fmt.Sprintf("%s %s by %s", v.ID, verb, v.Rule))
	}
	return o
}

// mustParse parses a policy whose list files are in testdata.
func mustParse(t *testing.T, text string) *Policy {
	t.Helper()
	p, err := Parse([]byte(text), "p.yaml", "testdata")
	require.NoError(t, err)
	return p
}

func TestDecide(t *testing.T) {
	full, err := Load("testdata/full.yaml")
	require.NoError(t, err)
	globalAllow, err := Load("testdata/global-allow.json")
	require.NoError(t, err)
	refuse := mustParse(t, "default: refuse\nchannels:\n  \"@TOA#_a\":\n    default: allow\n  \"@TOA#_b\":\n    deny: [x]\n")

	tests := []struct {
		name        string
		policy      *Policy
		channel     string
		operator    string
		subscribers []string
		want        outcome
	}{
		{name: "AllowAllPolicy", policy: AllowAll(), channel: "@TOA#_x", subscribers: []string{"jared", "leckie"},
			want: outcome{Verdicts: []string{"jared allowed by default: allow", "leckie allowed by default: allow"}}},
		{name: "AllowAllStillRefusesEmptyID", policy: AllowAll(), channel: "@TOA#_x", subscribers: []string{"a", ""},
			want: outcome{Refused: []string{""}, Verdicts: []string{"a allowed by default: allow", " refused by empty Subscriber_Account"}}},
		{name: "NoSubscribers", policy: full, channel: "@TOA#_x", want: outcome{}},
		{name: "NobodyRefused", policy: full, channel: "@TOA#_x", subscribers: []string{"alice", "bob"},
			want: outcome{Verdicts: []string{"alice allowed by default: allow", "bob allowed by default: allow"}}},
		{name: "ExactDeny", policy: full, channel: "@TOA#_x", subscribers: []string{"alice", "spammer42"},
			want: outcome{Refused: []string{"spammer42"}, Verdicts: []string{"alice allowed by default: allow", `spammer42 refused by deny "spammer42"`}}},
		{name: "GlobDeny", policy: full, channel: "@TOA#_x", subscribers: []string{"banned_bob"},
			want: outcome{Refused: []string{"banned_bob"}, Verdicts: []string{`banned_bob refused by deny "banned_*"`}}},
		{name: "DenyFileExactTrimmed", policy: full, channel: "@TOA#_x", subscribers: []string{"troll"},
			want: outcome{Refused: []string{"troll"}, Verdicts: []string{`troll refused by deny_file lists/banned.txt line 2 "troll"`}}},
		{name: "DenyFileIDWithHash", policy: full, channel: "@TOA#_x", subscribers: []string{"user#7", "user"},
			want: outcome{Refused: []string{"user#7"}, Verdicts: []string{`user#7 refused by deny_file lists/banned.txt line 6 "user#7"`, "user allowed by default: allow"}}},
		{name: "DenyFileGlob", policy: full, channel: "@TOA#_x", subscribers: []string{"scam_1", "scam_12"},
			want: outcome{Refused: []string{"scam_1"}, Verdicts: []string{`scam_1 refused by deny_file lists/banned.txt line 7 "scam_?"`, "scam_12 allowed by default: allow"}}},
		{name: "DenyFileCommentIsNotAnID", policy: full, channel: "@TOA#_x", subscribers: []string{"# banned users", "# indented comment"},
			want: outcome{Verdicts: []string{"# banned users allowed by default: allow", "# indented comment allowed by default: allow"}}},
		{name: "CaseSensitive", policy: full, channel: "@TOA#_x", subscribers: []string{"Spammer42"},
			want: outcome{Verdicts: []string{"Spammer42 allowed by default: allow"}}},
		{name: "EmptyIDRefused", policy: full, channel: "@TOA#_x", subscribers: []string{""},
			want: outcome{Refused: []string{""}, Verdicts: []string{" refused by empty Subscriber_Account"}}},
		{name: "RefusedOnceInRequestOrder", policy: full, channel: "@TOA#_x", subscribers: []string{"troll", "spammer42", "troll"},
			want: outcome{Refused: []string{"troll", "spammer42"}, Verdicts: []string{
				`troll refused by deny_file lists/banned.txt line 2 "troll"`, `spammer42 refused by deny "spammer42"`, `troll refused by deny_file lists/banned.txt line 2 "troll"`}}},
		{name: "TrustedOperatorBypassesAll", policy: full, channel: "@TOA#_closed", operator: "administrator", subscribers: []string{"spammer42", "a", "b", "c"},
			want: outcome{Trusted: true, Rule: "trusted operator", Verdicts: []string{
				"spammer42 allowed by trusted operator", "a allowed by trusted operator", "b allowed by trusted operator", "c allowed by trusted operator"}}},
		{name: "OperatorIsCaseSensitive", policy: full, channel: "@TOA#_x", operator: "Administrator", subscribers: []string{"spammer42"},
			want: outcome{Refused: []string{"spammer42"}, Verdicts: []string{`spammer42 refused by deny "spammer42"`}}},
		{name: "ClosedWithReason", policy: full, channel: "@TOA#_closed", subscribers: []string{"alice"},
			want: outcome{Rejected: true, Reason: "not accepting subscribers", Rule: "closed channel", Verdicts: []string{"alice refused by closed channel"}}},
		{name: "ClosedDefaultReason", policy: full, channel: "@TOA#_shut", subscribers: []string{"alice"},
			want: outcome{Rejected: true, Reason: "Official Channel @TOA#_shut is not accepting subscribers", Rule: "closed channel", Verdicts: []string{"alice refused by closed channel"}}},
		{name: "ClosedBeforeMaxSubscribers", policy: full, channel: "@TOA#_closed", subscribers: []string{"a", "b", "c", "d"},
			want: outcome{Rejected: true, Reason: "not accepting subscribers", Rule: "closed channel", Verdicts: []string{
				"a refused by closed channel", "b refused by closed channel", "c refused by closed channel", "d refused by closed channel"}}},
		{name: "AtMaxSubscribers", policy: full, channel: "@TOA#_x", subscribers: []string{"a", "b", "c"},
			want: outcome{Verdicts: []string{"a allowed by default: allow", "b allowed by default: allow", "c allowed by default: allow"}}},
		{name: "OverMaxSubscribers", policy: full, channel: "@TOA#_x", subscribers: []string{"a", "b", "c", "d"},
			want: outcome{Rejected: true, Reason: "request has 4 subscribers; this app accepts at most 3 per request", Rule: "max_subscribers", Verdicts: []string{
				"a refused by max_subscribers", "b refused by max_subscribers", "c refused by max_subscribers", "d refused by max_subscribers"}}},
		{name: "ChannelAllowList", policy: full, channel: "@TOA#_premium", subscribers: []string{"vip_1", "alice"},
			want: outcome{Refused: []string{"alice"}, Verdicts: []string{`vip_1 allowed by channels."@TOA#_premium".allow "vip_*"`, `alice refused by channels."@TOA#_premium".allow list (no match)`}}},
		{name: "DenyWinsOverChannelAllow", policy: full, channel: "@TOA#_premium", subscribers: []string{"vip_1", "spammer42"},
			want: outcome{Refused: []string{"spammer42"}, Verdicts: []string{`vip_1 allowed by channels."@TOA#_premium".allow "vip_*"`, `spammer42 refused by deny "spammer42"`}}},
		{name: "ChannelDenyAddsToGlobal", policy: full, channel: "@TOA#_news", subscribers: []string{"bot_1", "spammer42", "reader_1"},
			want: outcome{Refused: []string{"bot_1", "spammer42"}, Verdicts: []string{
				`bot_1 refused by channels."@TOA#_news".deny "bot_*"`, `spammer42 refused by deny "spammer42"`,
				`reader_1 allowed by channels."@TOA#_news".allow_file lists/news-allow.txt line 1 "reader_*"`}}},
		{name: "ChannelDenyOnlyOnItsChannel", policy: full, channel: "@TOA#_x", subscribers: []string{"bot_1"},
			want: outcome{Verdicts: []string{"bot_1 allowed by default: allow"}}},
		{name: "ChannelAllowListBeforeDefault", policy: full, channel: "@TOA#_news", subscribers: []string{"alice"},
			want: outcome{Refused: []string{"alice"}, Verdicts: []string{`alice refused by channels."@TOA#_news".allow list (no match)`}}},
		{name: "GlobalAllowList", policy: globalAllow, channel: "@TOA#_x", subscribers: []string{"member_1", "guest"},
			want: outcome{Refused: []string{"guest"}, Verdicts: []string{`member_1 allowed by allow "member_*"`, "guest refused by allow list (no match)"}}},
		{name: "ChannelAllowReplacesGlobal", policy: globalAllow, channel: "@TOA#_open", subscribers: []string{"member_1", "guest"},
			want: outcome{Refused: []string{"member_1"}, Verdicts: []string{`member_1 refused by channels."@TOA#_open".allow list (no match)`, `guest allowed by channels."@TOA#_open".allow "guest"`}}},
		{name: "DefaultRefuse", policy: refuse, channel: "@TOA#_x", subscribers: []string{"alice"},
			want: outcome{Refused: []string{"alice"}, Verdicts: []string{"alice refused by default: refuse"}}},
		{name: "ChannelDefault", policy: refuse, channel: "@TOA#_a", subscribers: []string{"alice"},
			want: outcome{Verdicts: []string{`alice allowed by channels."@TOA#_a".default: allow`}}},
		{name: "ChannelInheritsDefault", policy: refuse, channel: "@TOA#_b", subscribers: []string{"alice", "x"},
			want: outcome{Refused: []string{"alice", "x"}, Verdicts: []string{"alice refused by default: refuse", `x refused by channels."@TOA#_b".deny "x"`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, words(tt.policy.Decide(tt.channel, tt.operator, tt.subscribers)))
		})
	}
}

func TestRuleKinds(t *testing.T) {
	p := mustParse(t, `
trusted_operators: [admin]
max_subscribers: 2
deny: ["bad", {id: "gone", until: "2026-12-01T00:00:00Z", reason: "spam wave"}]
channels:
  "@TOA#_vip":
    allow: ["v*"]
  "@TOA#_shut":
    closed: true
`)
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	rule := func(ch, op string, ids ...string) Rule {
		d := p.DecideAt(at, ch, op, ids)
		if d.Rule.Kind() != NoRule {
			return d.Rule
		}
		return d.Subscribers[0].Rule
	}
	tests := []struct {
		rule    Rule
		kind    RuleKind
		refuses bool
		entry   string
		reason  string
		until   string
	}{
		{rule(ChannelPrefix+"x", "admin", "bad"), RuleTrustedOperator, false, "", "", ""},
		{rule(ChannelPrefix+"shut", "", "a"), RuleClosedChannel, true, "", "", ""},
		{rule(ChannelPrefix+"x", "", "a", "b", "c"), RuleMaxSubscribers, true, "", "", ""},
		{rule(ChannelPrefix+"x", "", ""), RuleEmptySubscriber, true, "", "", ""},
		{rule(ChannelPrefix+"x", "", "bad"), RuleDeny, true, "bad", "", ""},
		{rule(ChannelPrefix+"x", "", "gone"), RuleDeny, true, "gone", "spam wave", "2026-12-01T00:00:00Z"},
		{rule(ChannelPrefix+"vip", "", "v1"), RuleAllow, false, "v*", "", ""},
		{rule(ChannelPrefix+"vip", "", "w"), RuleAllowNoMatch, true, "", "", ""},
		{rule(ChannelPrefix+"x", "", "w"), RuleDefault, false, "", "", ""},
		{Rule{}, NoRule, false, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.rule.String(), func(t *testing.T) {
			assert.Equal(t, tt.kind, tt.rule.Kind())
			assert.Equal(t, tt.refuses, tt.rule.Refuses())
			assert.Equal(t, tt.entry, tt.rule.Entry())
			assert.Equal(t, tt.reason, tt.rule.Reason())
			until, ok := tt.rule.Until()
			assert.Equal(t, tt.until != "", ok)
			if ok {
				assert.Equal(t, tt.until, until.Format(time.RFC3339))
			}
		})
	}
	assert.Equal(t, "", Rule{}.String())
	text, err := rule(ChannelPrefix+"x", "", "gone").MarshalText()
	require.NoError(t, err)
	assert.Equal(t, `deny "gone" until 2026-12-01T00:00:00Z reason "spam wave"`, string(text))
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
	d := p.Decide("@TOA#_x", "", subscribers)
	assert.Equal(t, want, d.Refused)
	assert.Len(t, d.Subscribers, 400)
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
	assert.Equal(t, 100_000, p.Info().Counts.ExactIDs)
	assert.Equal(t, []string{"deny.txt"}, p.Files())
	got := p.Decide("@TOA#_x", "op", []string{"banned000000", "fine", "banned099999", "banned100000"})
	assert.Equal(t, outcome{Refused: []string{"banned000000", "banned099999"}, Verdicts: []string{
		`banned000000 refused by deny_file deny.txt line 1 "banned000000"`,
		"fine allowed by default: allow",
		`banned099999 refused by deny_file deny.txt line 100000 "banned099999"`,
		"banned100000 allowed by default: allow",
	}}, words(got))
}

func TestInlineJSONPolicy(t *testing.T) {
	p, err := Parse([]byte(`{"deny": ["jared", {"id": "leckie", "reason": "spam"}]}`), "SUBGATE_POLICY", ".")
	require.NoError(t, err)
	d := p.Decide("@TOA#_test_for_penn", "107867", []string{"jared", "leckie", "penn"})
	assert.Equal(t, []string{"jared", "leckie"}, d.Refused)
	assert.Equal(t, `deny "leckie" reason "spam"`, d.Subscribers[1].Rule.String())
}

func TestFiles(t *testing.T) {
	p, err := Load("testdata/full.yaml")
	require.NoError(t, err)
	assert.Equal(t, []string{"lists/banned.txt", "lists/news-allow.txt"}, p.Files())
	// A list file named twice is read once and listed once.
	twice := mustParse(t, "deny_file: lists/banned.txt\nchannels:\n  \"@TOA#_a\":\n    deny_file: lists/banned.txt\n")
	assert.Equal(t, []string{"lists/banned.txt"}, twice.Files())
}

func TestRuleWithoutID(t *testing.T) {
	full, err := Load("testdata/full.yaml")
	require.NoError(t, err)
	tests := []struct {
		channel, id, want string
	}{
		{"@TOA#_x", "spammer42", `deny (an exact ID)`},
		{"@TOA#_x", "troll", `deny_file lists/banned.txt line 2`},
		{"@TOA#_x", "banned_bob", `deny "banned_*"`},
		{"@TOA#_x", "scam_1", `deny_file lists/banned.txt line 7 "scam_?"`},
		{"@TOA#_premium", "alice", `channels."@TOA#_premium".allow list (no match)`},
		{"@TOA#_x", "alice", `default: allow`},
		{"@TOA#_x", "", `empty Subscriber_Account`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			rule := full.Decide(tt.channel, "", []string{tt.id}).Subscribers[0].Rule
			assert.Equal(t, tt.want, rule.StringWithoutID())
			assert.NotContains(t, rule.StringWithoutID(), `"`+tt.id+`"`)
		})
	}
	p := mustParse(t, `deny: [{id: "gone", until: "2126-12-01T00:00:00Z", reason: "spam wave"}]`)
	assert.Equal(t, `deny (an exact ID) until 2126-12-01T00:00:00Z reason "spam wave"`,
		p.Decide("@TOA#_x", "", []string{"gone"}).Subscribers[0].Rule.StringWithoutID())
}
