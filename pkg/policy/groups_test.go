package policy

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// groupsPolicy decides groups with every rule a group takes, and names a channel whose rules must
// not reach any group.
const groupsPolicy = `trusted_operators: [admin]
max_subscribers: 1
max_members: 3
deny: ["jared", "banned_*"]
channels:
  "@TOA#_news":
    deny: [reader]
    closed: true
groups:
  "@TGS#_team":
    deny: ["bot_*"]
    deny_file: lists/banned.txt
  "@TGS#_vip":
    allow: ["vip_*"]
  "@TGS#_closed":
    closed: true
    reason: "the team is full"
  "@TGS#_shut":
    closed: true
  "@TGS#_beta":
    mode: shadow
    deny: ["bot_*"]
  "custom group #1":
    default: refuse
`

var groupsAt = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// Every rule an invitation takes, in the words of the log, from a parsed and an indexed policy.
func TestDecideGroup(t *testing.T) {
	tests := []struct {
		name     string
		group    string
		operator string
		members  []string
		want     outcome
	}{
		{name: "UnnamedGroupTakesTheTopLevelRules", group: "@TGS#2J4SZEAEL", operator: "leckie", members: []string{"jared", "leckie"},
			want: outcome{Refused: []string{"jared"}, Verdicts: []string{`jared refused by deny "jared"`, "leckie allowed by default: allow"}}},
		{name: "TopLevelPattern", group: "@TGS#x", members: []string{"banned_7", "banner_7"},
			want: outcome{Refused: []string{"banned_7"}, Verdicts: []string{`banned_7 refused by deny "banned_*"`, "banner_7 allowed by default: allow"}}},
		{name: "ChannelRulesDoNotReachGroups", group: "@TGS#x", members: []string{"reader"},
			want: outcome{Verdicts: []string{"reader allowed by default: allow"}}},
		{name: "GroupDenyAddsToTopLevel", group: "@TGS#_team", members: []string{"bot_1", "jared", "troll"},
			want: outcome{Refused: []string{"bot_1", "jared", "troll"}, Verdicts: []string{
				`bot_1 refused by groups."@TGS#_team".deny "bot_*"`, `jared refused by deny "jared"`,
				`troll refused by groups."@TGS#_team".deny_file lists/banned.txt line 2 "troll"`}}},
		{name: "GroupDenyLetsOthersIn", group: "@TGS#_team", members: []string{"alice"},
			want: outcome{Verdicts: []string{"alice allowed by default: allow"}}},
		{name: "GroupDenyOnlyOnItsGroup", group: "@TGS#_vip2", members: []string{"bot_1"},
			want: outcome{Verdicts: []string{"bot_1 allowed by default: allow"}}},
		{name: "GroupAllowList", group: "@TGS#_vip", members: []string{"vip_1", "bob"},
			want: outcome{Refused: []string{"bob"}, Verdicts: []string{`vip_1 allowed by groups."@TGS#_vip".allow "vip_*"`, `bob refused by groups."@TGS#_vip".allow list (no match)`}}},
		{name: "DenyWinsOverGroupAllow", group: "@TGS#_vip", members: []string{"vip_1", "jared"},
			want: outcome{Refused: []string{"jared"}, Verdicts: []string{`vip_1 allowed by groups."@TGS#_vip".allow "vip_*"`, `jared refused by deny "jared"`}}},
		{name: "GroupDefault", group: "custom group #1", members: []string{"alice"},
			want: outcome{Refused: []string{"alice"}, Verdicts: []string{`alice refused by groups."custom group #1".default: refuse`}}},
		{name: "ClosedWithReason", group: "@TGS#_closed", members: []string{"alice"},
			want: outcome{Rejected: true, Reason: "the team is full", Rule: "closed group", Verdicts: []string{"alice refused by closed group"}}},
		{name: "ClosedDefaultReason", group: "@TGS#_shut", members: []string{"alice"},
			want: outcome{Rejected: true, Reason: "Group @TGS#_shut is not accepting members", Rule: "closed group", Verdicts: []string{"alice refused by closed group"}}},
		{name: "ClosedBeforeMaxMembers", group: "@TGS#_closed", members: []string{"a", "b", "c", "d"},
			want: outcome{Rejected: true, Reason: "the team is full", Rule: "closed group", Verdicts: []string{
				"a refused by closed group", "b refused by closed group", "c refused by closed group", "d refused by closed group"}}},
		{name: "TrustedOperatorInFull", group: "@TGS#_closed", operator: "admin", members: []string{"jared", "bob"},
			want: outcome{Trusted: true, Rule: "trusted operator", Verdicts: []string{"jared allowed by trusted operator", "bob allowed by trusted operator"}}},
		{name: "AtMaxMembers", group: "@TGS#x", members: []string{"a", "b", "c"},
			want: outcome{Verdicts: []string{"a allowed by default: allow", "b allowed by default: allow", "c allowed by default: allow"}}},
		{name: "OverMaxMembers", group: "@TGS#x", members: []string{"a", "b", "c", "d"},
			want: outcome{Rejected: true, Reason: "request has 4 members; this app accepts at most 3 per request", Rule: "max_members", Verdicts: []string{
				"a refused by max_members", "b refused by max_members", "c refused by max_members", "d refused by max_members"}}},
		{name: "EmptyMember", group: "@TGS#x", members: []string{"", "a"},
			want: outcome{Refused: []string{""}, Verdicts: []string{" refused by empty Member_Account", "a allowed by default: allow"}}},
		{name: "RefusedOnceInRequestOrder", group: "@TGS#x", members: []string{"jared", "a", "jared"},
			want: outcome{Refused: []string{"jared"}, Verdicts: []string{`jared refused by deny "jared"`, "a allowed by default: allow", `jared refused by deny "jared"`}}},
		{name: "Shadow", group: "@TGS#_beta", members: []string{"bot_1", "a"},
			want: outcome{Shadow: true, Refused: []string{"bot_1"}, Verdicts: []string{`bot_1 refused by groups."@TGS#_beta".deny "bot_*"`, "a allowed by default: allow"}}},
		{name: "NoMembers", group: "@TGS#x", want: outcome{}},
	}
	for name, p := range parsedAndIndexed(t, groupsPolicy, map[string]string{"lists/banned.txt": "spammer42\ntroll\n"}) {
		t.Run(name, func(t *testing.T) {
			assert.True(t, p.DecidesGroups())
			for _, tt := range tests {
				assert.Equal(t, tt.want, words(p.DecideGroupAt(groupsAt, tt.group, tt.operator, tt.members)), tt.name)
			}
			// max_members caps invitations only, max_subscribers subscriptions only.
			d := p.DecideAt(groupsAt, "@TOA#_x", "", []string{"a", "b"})
			assert.Equal(t, "max_subscribers", d.Rule.String())
			assert.Equal(t, "request has 2 subscribers; this app accepts at most 1 per request", d.Reason)
		})
	}
}

// An application is an invitation of the applicant by no operator: a trusted ID applying is decided
// as anyone, and an empty requestor is named as such.
func TestDecideApplication(t *testing.T) {
	tests := []struct {
		name, group, requestor string
		want                   outcome
	}{
		{name: "Allowed", group: "@TGS#2J4SZEAEL", requestor: "leckie", want: outcome{Verdicts: []string{"leckie allowed by default: allow"}}},
		{name: "Denied", group: "@TGS#2J4SZEAEL", requestor: "jared",
			want: outcome{Refused: []string{"jared"}, Verdicts: []string{`jared refused by deny "jared"`}}},
		{name: "GroupDeny", group: "@TGS#_team", requestor: "bot_9",
			want: outcome{Refused: []string{"bot_9"}, Verdicts: []string{`bot_9 refused by groups."@TGS#_team".deny "bot_*"`}}},
		{name: "GroupAllowList", group: "@TGS#_vip", requestor: "bob",
			want: outcome{Refused: []string{"bob"}, Verdicts: []string{`bob refused by groups."@TGS#_vip".allow list (no match)`}}},
		{name: "Empty", group: "@TGS#x", requestor: "",
			want: outcome{Refused: []string{""}, Verdicts: []string{" refused by empty Requestor_Account"}}},
		{name: "Closed", group: "@TGS#_closed", requestor: "alice",
			want: outcome{Rejected: true, Reason: "the team is full", Rule: "closed group", Verdicts: []string{"alice refused by closed group"}}},
		{name: "TrustedOperatorsDoNotApply", group: "@TGS#_closed", requestor: "admin",
			want: outcome{Rejected: true, Reason: "the team is full", Rule: "closed group", Verdicts: []string{"admin refused by closed group"}}},
		{name: "Shadow", group: "@TGS#_beta", requestor: "bot_1",
			want: outcome{Shadow: true, Refused: []string{"bot_1"}, Verdicts: []string{`bot_1 refused by groups."@TGS#_beta".deny "bot_*"`}}},
	}
	for name, p := range parsedAndIndexed(t, groupsPolicy, map[string]string{"lists/banned.txt": "spammer42\ntroll\n"}) {
		t.Run(name, func(t *testing.T) {
			for _, tt := range tests {
				assert.Equal(t, tt.want, words(p.DecideApplicationAt(groupsAt, tt.group, tt.requestor)), tt.name)
			}
		})
	}
}

// The top-level allow list, default and mode apply to every group without its own, as to every
// channel without its own: one meaning for every rule.
func TestGroupsTakeTheTopLevelRules(t *testing.T) {
	const text = `mode: shadow
default: refuse
allow: ["member_*"]
groups:
  "@TGS#_open":
    allow: [guest]
    mode: enforce
  "@TGS#_plain":
    deny: [x]
`
	for name, p := range parsedAndIndexed(t, text, nil) {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, outcome{Shadow: true, Refused: []string{"guest"}, Verdicts: []string{`member_1 allowed by allow "member_*"`, "guest refused by allow list (no match)"}},
				words(p.DecideGroupAt(groupsAt, "@TGS#_plain", "", []string{"member_1", "guest"})))
			assert.Equal(t, outcome{Refused: []string{"member_1"}, Verdicts: []string{`member_1 refused by groups."@TGS#_open".allow list (no match)`, `guest allowed by groups."@TGS#_open".allow "guest"`}},
				words(p.DecideGroupAt(groupsAt, "@TGS#_open", "", []string{"member_1", "guest"})))
		})
	}
}

func TestDecidesGroups(t *testing.T) {
	tests := []struct {
		text   string
		decide bool
		groups int
	}{
		{"deny: [jared]\n", false, 0},
		{"groups: {}\n", true, 0},
		{"groups:\n", true, 0},
		{"groups: ~\n", true, 0},
		{"groups:\n  g1: {}\n  g2: {deny: [x]}\n", true, 2},
		{`{"groups": {"@TGS#a": {"closed": true}}}`, true, 1},
	}
	for _, tt := range tests {
		for name, p := range parsedAndIndexed(t, tt.text, nil) {
			assert.Equal(t, tt.decide, p.DecidesGroups(), "%s: %q", name, tt.text)
			assert.Equal(t, tt.groups, p.Info().Counts.Groups, "%s: %q", name, tt.text)
		}
	}
	assert.False(t, AllowAll().DecidesGroups())
}

func TestGroupParseErrors(t *testing.T) {
	tests := []struct {
		name string
		text string
		want string
	}{
		{name: "NotMapping", text: "groups: [a]\n", want: "policy p.yaml: line 1: groups must be a mapping of group IDs to their rules ({} for none)"},
		{name: "GroupNotMapping", text: "groups:\n  g: closed\n", want: `policy p.yaml: line 2: group "g" must be a mapping of keys`},
		{name: "UnknownKey", text: "groups:\n  g:\n    denny: [x]\n",
			want: `policy p.yaml: line 3: unknown key "denny" in group "g" (known keys: default, mode, deny, deny_file, allow, allow_file, closed, reason)`},
		{name: "GivenTwice", text: "groups:\n  \"@TGS#a\": {closed: true}\n  \"@TGS#a\": {}\n", want: `policy p.yaml: line 3: key "@TGS#a" is given twice in groups (first at line 2)`},
		{name: "ChannelID", text: "groups:\n  \"@TOA#_news\": {closed: true}\n", want: `policy p.yaml: line 2: group "@TOA#_news": this is an Official Channel ID: put it under channels`},
		{name: "TooLong", text: "groups:\n  " + strings.Repeat("g", MaxGroupIDBytes+1) + ": {}\n",
			want: `policy p.yaml: line 2: group "` + strings.Repeat("g", MaxGroupIDBytes+1) + `": group IDs are 1 to 48 characters long`},
		{name: "Empty", text: "groups:\n  \"\": {}\n", want: `policy p.yaml: line 2: group "": group IDs are 1 to 48 characters long`},
		{name: "Tab", text: "groups:\n  \"team\\t1\": {}\n", want: `policy p.yaml: line 2: group "team\t1": group IDs are printable ASCII characters`},
		{name: "NotASCII", text: "groups:\n  équipe: {}\n", want: `policy p.yaml: line 2: group "équipe": group IDs are printable ASCII characters`},
		{name: "BadDefault", text: "groups:\n  g:\n    default: maybe\n", want: `policy p.yaml: line 3: default must be allow or refuse, not "maybe"`},
		{name: "NegativeMaxMembers", text: "max_members: -1\n", want: `policy p.yaml: line 1: max_members must be a whole number, 0 or more, not "-1"`},
		{name: "MaxMembersNotNumber", text: "max_members: [3]\n", want: `policy p.yaml: line 1: max_members must be a whole number, 0 or more`},
		{name: "MissingGroupDenyFile", text: "groups:\n  g:\n    deny_file: nope.txt\n", want: `policy p.yaml: groups."g".deny_file nope.txt: open testdata/nope.txt: no such file or directory`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.text), "p.yaml", "testdata")
			require.Error(t, err)
			assert.Nil(t, p)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	// The longest ID, and one with the characters Chat allows in custom IDs, are fine.
	p := mustParse(t, "groups:\n  "+strings.Repeat("g", MaxGroupIDBytes)+": {}\n  \"my team #1 @home ~!\": {}\n")
	assert.Equal(t, 2, p.Info().Counts.Groups)
}

func TestGroupRuleKinds(t *testing.T) {
	p := mustParse(t, groupsPolicy)
	tests := []struct {
		d       Decision
		kind    RuleKind
		words   string
		refuses bool
	}{
		{p.DecideGroupAt(groupsAt, "@TGS#_closed", "", []string{"a"}), RuleClosedGroup, "closed group", true},
		{p.DecideGroupAt(groupsAt, "@TGS#x", "", []string{"a", "b", "c", "d"}), RuleMaxMembers, "max_members", true},
		{p.DecideGroupAt(groupsAt, "@TGS#x", "", []string{""}), RuleEmptyMember, "empty Member_Account", true},
		{p.DecideApplicationAt(groupsAt, "@TGS#x", ""), RuleEmptyRequestor, "empty Requestor_Account", true},
		{p.DecideGroupAt(groupsAt, "@TGS#_team", "", []string{"bot_1"}), RuleDeny, `groups."@TGS#_team".deny "bot_*"`, true},
		{p.DecideGroupAt(groupsAt, "custom group #1", "", []string{"a"}), RuleDefault, `groups."custom group #1".default: refuse`, true},
	}
	for _, tt := range tests {
		rule := tt.d.Rule
		if rule.Kind() == NoRule {
			rule = tt.d.Subscribers[0].Rule
		}
		assert.Equal(t, tt.kind, rule.Kind(), tt.words)
		assert.Equal(t, tt.words, rule.String())
		assert.Equal(t, tt.words, rule.StringWithoutID(), "a pattern, a default or a whole-request rule names no user")
		assert.Equal(t, tt.refuses, rule.Refuses(), tt.words)
	}
	d := p.DecideGroupAt(groupsAt, "@TGS#x", "", []string{"jared"})
	assert.Equal(t, "deny (an exact ID)", d.Subscribers[0].Rule.StringWithoutID())
}

func TestCheckReportsGroups(t *testing.T) {
	files := memFiles{"p.yaml": []byte(groupsPolicy), "lists/banned.txt": []byte("spammer42\ntroll\n")}
	r, err := CheckFrom(files, "p.yaml", checkedAt)
	require.NoError(t, err)
	assert.True(t, r.DecidesGroups)
	assert.Equal(t, 6, r.Groups)
	assert.Equal(t, 1, r.Channels)
	assert.Equal(t, []ListSummary{
		{Name: "deny", ExactIDs: 1, Patterns: 1},
		{Name: `channels."@TOA#_news".deny`, ExactIDs: 1},
		{Name: `groups."@TGS#_team".deny`, File: "lists/banned.txt", ExactIDs: 2, Patterns: 1},
		{Name: `groups."@TGS#_vip".allow`, Patterns: 1},
		{Name: `groups."@TGS#_beta".deny`, Patterns: 1},
	}, r.Lists)
	require.Len(t, r.Warnings, 1, "a group in shadow mode is reported as a channel in shadow mode is (subgate check shows it with -strict)")
	assert.Equal(t, "p.yaml:21: group \"@TGS#_beta\" is in shadow mode: its rules only log whom they would refuse, and everyone may join it", r.Warnings[0].String())
	assert.Equal(t, WarnShadow, r.Warnings[0].Kind)
	assert.Equal(t, `groups."@TGS#_beta".mode`, r.Warnings[0].List)
	assert.Equal(t, "enforce (shadow on 1 group)", r.Mode)

	r, err = CheckFrom(memFiles{"p.yaml": []byte("deny: [a]\n")}, "p.yaml", checkedAt)
	require.NoError(t, err)
	assert.False(t, r.DecidesGroups)
	assert.Zero(t, r.Groups)
}
