package policy

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var checkedAt = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func TestCheck(t *testing.T) {
	r, err := Check("testdata/check.yaml", checkedAt)
	require.NoError(t, err)
	assert.Equal(t, documentedRevision(t, "testdata", "check.yaml", "lists/check.txt"), r.Revision)
	assert.Equal(t, []ListSummary{
		{Name: "deny", File: "lists/check.txt", ExactIDs: 7, Patterns: 5, Expired: 2},
		{Name: "allow", ExactIDs: 1, Patterns: 2},
		{Name: `channels."@TOA#_staff".deny`, Patterns: 1},
		{Name: `channels."@TOA#_staff".allow`, ExactIDs: 2},
		{Name: `channels."@TOA#_shut".deny`, ExactIDs: 1},
		{Name: `channels."@TOA#_shut".allow`, ExactIDs: 1},
	}, r.Lists)
	assert.Equal(t, 2, r.Channels)
	assert.Equal(t, 2, r.TrustedOperators)
	assert.Equal(t, "enforce", r.Mode)

	var got []string
	for _, w := range r.Warnings {
		got = append(got, fmt.Sprintf("%d %s [%s]", w.Kind, w, w.List))
	}
	assert.Equal(t, []string{
		fmt.Sprintf(`%d testdata/check.yaml:1: trusted operator "mod_1" is also denied by deny "mod_*" (testdata/check.yaml line 7): its requests are allowed in full, but it is refused as a subscriber [trusted_operators]`, WarnTrustedDenied),
		fmt.Sprintf(`%d testdata/check.yaml:3: "spammer42" is already covered by the pattern "spam*" (lists/check.txt line 5): it changes nothing [deny]`, WarnRedundant),
		fmt.Sprintf(`%d testdata/check.yaml:4: "spammer42" is listed twice in the deny list (first at testdata/check.yaml line 3) [deny]`, WarnRepeated),
		fmt.Sprintf(`%d testdata/check.yaml:6: "old" expired at 2026-01-01T00:00:00Z (reason "spam wave"); it no longer applies: remove it [deny]`, WarnExpired),
		fmt.Sprintf(`%d testdata/check.yaml:9: allow "spammer42" is also denied by deny "spammer42" (testdata/check.yaml line 3): deny wins, so it is refused [allow]`, WarnAllowedAndDenied),
		fmt.Sprintf(`%d testdata/check.yaml:9: allow "spam_vip*" is also denied by deny "spam*" (lists/check.txt line 5): deny wins, so it is refused [allow]`, WarnAllowedAndDenied),
		fmt.Sprintf(`%d testdata/check.yaml:12: channels."@TOA#_staff".allow "staff_1" is also denied by channels."@TOA#_staff".deny "staff_*" (testdata/check.yaml line 13): deny wins, so it is refused [channels."@TOA#_staff".allow]`, WarnAllowedAndDenied),
		fmt.Sprintf(`%d testdata/check.yaml:12: channels."@TOA#_staff".allow "staff_2" is also denied by channels."@TOA#_staff".deny "staff_*" (testdata/check.yaml line 13): deny wins, so it is refused [channels."@TOA#_staff".allow]`, WarnAllowedAndDenied),
		fmt.Sprintf(`%d testdata/check.yaml:12: every entry of the channels."@TOA#_staff".allow list is denied or has expired: nobody can subscribe on channel @TOA#_staff [channels."@TOA#_staff".allow]`, WarnAllowListEmptied),
		fmt.Sprintf(`%d lists/check.txt:3: "banned_1" is already covered by the pattern "banned_*" (lists/check.txt line 2): it changes nothing [deny]`, WarnRedundant),
		fmt.Sprintf(`%d lists/check.txt:4: the pattern "banned_2?" is already covered by the broader "banned_*" (lists/check.txt line 2): it changes nothing [deny]`, WarnRedundant),
		fmt.Sprintf(`%d lists/check.txt:6: "spam*" is listed twice in the deny list (first at lists/check.txt line 5) [deny]`, WarnRepeated),
		fmt.Sprintf(`%d lists/check.txt:8: "troll" is listed twice in the deny list (first at lists/check.txt line 7) [deny]`, WarnRepeated),
		fmt.Sprintf(`%d lists/check.txt:10: "gone" expired at 2026-01-01T00:00:00Z; it no longer applies: remove it [deny]`, WarnExpired),
	}, got)
}

func TestCheckWarnings(t *testing.T) {
	tests := []struct {
		name   string
		policy string
		want   []string
	}{
		{"Clean", "deny: [a, \"b*\"]\nallow: [c, \"d*\"]\ntrusted_operators: [e]\n", nil},
		{"ExactCoveredByLongerLastingPattern", "deny: [{id: \"b*\", until: \"2030-01-01T00:00:00Z\"}, {id: b1, until: \"2029-01-01T00:00:00Z\"}]\n",
			[]string{`p.yaml:1: "b1" is already covered by the pattern "b*" (p.yaml line 1): it changes nothing`}},
		{"ExactOutlastsThePattern", "deny: [{id: \"b*\", until: \"2029-01-01T00:00:00Z\"}, b1]\n", nil},
		{"PatternCoveredByStar", "deny:\n  - \"*\"\n  - \"a?c\"\n  - \"*x*\"\n", []string{
			`p.yaml:3: the pattern "a?c" is already covered by the broader "*" (p.yaml line 2): it changes nothing`,
			`p.yaml:4: the pattern "*x*" is already covered by the broader "*" (p.yaml line 2): it changes nothing`,
		}},
		{"OverlappingPatternsNotCovered", "deny: [\"a*\", \"*b\"]\n", nil},
		{"PatternRepeatedLongerKept", "deny:\n  - {id: \"a*\", until: \"2027-01-01T00:00:00Z\"}\n  - \"a*\"\n",
			[]string{`p.yaml:3: "a*" is listed twice in the deny list (first at p.yaml line 2)`}},
		{"AllowedPatternUnderDeniedPattern", "deny: [\"*\"]\nallow: [\"v*\"]\n", []string{
			`p.yaml:2: allow "v*" is also denied by deny "*" (p.yaml line 1): deny wins, so it is refused`,
			`p.yaml:2: every entry of the allow list is denied or has expired: nobody can subscribe where it applies (channels without an allow list of their own)`,
		}},
		{"ExpiredDenyIsNotADenial", "deny: [{id: a, until: \"2026-01-01T00:00:00Z\"}]\nallow: [a]\n",
			[]string{`p.yaml:1: "a" expired at 2026-01-01T00:00:00Z; it no longer applies: remove it`}},
		{"AllowListWhollyExpired", "allow:\n  - {id: a, until: \"2026-01-01T00:00:00Z\"}\n", []string{
			`p.yaml:1: every entry of the allow list is denied or has expired: nobody can subscribe where it applies (channels without an allow list of their own)`,
			`p.yaml:2: "a" expired at 2026-01-01T00:00:00Z; it no longer applies: remove it`,
		}},
		{"ChannelDenyEmptiesTheGlobalAllowList", "allow: [a]\nchannels:\n  \"@TOA#_c\":\n    deny: [a]\n  \"@TOA#_d\":\n    default: refuse\n", []string{
			`p.yaml:1: allow "a" is also denied by channels."@TOA#_c".deny "a" (p.yaml line 4): deny wins, so it is refused`,
			`p.yaml:1: every entry of the allow list is denied or has expired: nobody can subscribe on channel @TOA#_c`,
		}},
		{"AllowFromFileOnly", "allow_file: lists/news-allow.txt\ndeny: [\"*\"]\n", []string{
			`p.yaml:1: every entry of the allow list is denied or has expired: nobody can subscribe where it applies (channels without an allow list of their own)`,
			`lists/news-allow.txt:1: allow "reader_*" is also denied by deny "*" (p.yaml line 2): deny wins, so it is refused`,
		}},
		{"TrustedOperatorDeniedOnAChannel", "trusted_operators: [\"boss\"]\nchannels:\n  \"@TOA#_c\":\n    deny_file: lists/banned.txt\n    deny: [boss]\n",
			[]string{`p.yaml:1: trusted operator "boss" is also denied by channels."@TOA#_c".deny "boss" (p.yaml line 5): its requests are allowed in full, but it is refused as a subscriber`}},
		{"GroupDenyEmptiesTheGlobalAllowList", "allow: [a]\ngroups:\n  g:\n    deny: [a]\n  h:\n    default: refuse\n", []string{
			`p.yaml:1: allow "a" is also denied by groups."g".deny "a" (p.yaml line 4): deny wins, so it is refused`,
			`p.yaml:1: every entry of the allow list is denied or has expired: nobody can join group g`,
		}},
		{"GroupAllowListEmptiedByTheTopLevel", "deny: [\"*\"]\ngroups:\n  \"@TGS#a\":\n    allow: [v]\n", []string{
			`p.yaml:4: groups."@TGS#a".allow "v" is also denied by deny "*" (p.yaml line 1): deny wins, so it is refused`,
			`p.yaml:4: every entry of the groups."@TGS#a".allow list is denied or has expired: nobody can join group @TGS#a`,
		}},
		{"TopLevelAllowListOfAPolicyThatDecidesGroups", "deny: [\"*\"]\nallow: [v]\ngroups: {}\n", []string{
			`p.yaml:2: allow "v" is also denied by deny "*" (p.yaml line 1): deny wins, so it is refused`,
			`p.yaml:2: every entry of the allow list is denied or has expired: nobody can subscribe or join where it applies (channels and groups without an allow list of their own)`,
		}},
		{"ClosedGroupIsNotChecked", "allow: [a]\ngroups:\n  g:\n    closed: true\n    deny: [a]\n", nil},
		{"TrustedOperatorDeniedOnAGroup", "trusted_operators: [\"boss\"]\ngroups:\n  g:\n    deny: [boss]\n",
			[]string{`p.yaml:1: trusted operator "boss" is also denied by groups."g".deny "boss" (p.yaml line 4): its requests are allowed in full, but it is refused as a member`}},
		{"TrustedOperatorDeniedEverywhere", "trusted_operators: [\"boss\"]\ndeny: [boss]\ngroups: {}\n",
			[]string{`p.yaml:1: trusted operator "boss" is also denied by deny "boss" (p.yaml line 2): its requests are allowed in full, but it is refused as a subscriber or member`}},
		{"GroupListEntries", "groups:\n  g:\n    deny:\n      - troll\n      - {id: old, until: \"2026-01-01T00:00:00Z\"}\n      - \"t*\"\n    deny_file: lists/banned.txt\n", []string{
			`p.yaml:4: "troll" is already covered by the pattern "t*" (p.yaml line 6): it changes nothing`,
			`p.yaml:5: "old" expired at 2026-01-01T00:00:00Z; it no longer applies: remove it`,
			`lists/banned.txt:2: "troll" is listed twice in the groups."g".deny list (first at p.yaml line 4)`,
		}},
		{"InlineAndFileRepeat", "deny: [troll]\ndeny_file: lists/banned.txt\n",
			[]string{`lists/banned.txt:2: "troll" is listed twice in the deny list (first at p.yaml line 1)`}},
		{"ShadowPolicy", "deny: [a]\nmode: shadow\n",
			[]string{`p.yaml:2: mode: shadow: the rules only log whom they would refuse, and everyone may subscribe`}},
		{"ShadowPolicyButAChannel", "mode: shadow\nchannels:\n  \"@TOA#_c\":\n    mode: enforce\n  \"@TOA#_d\":\n    mode: shadow\n",
			[]string{`p.yaml:1: mode: shadow: the rules only log whom they would refuse, and everyone may subscribe (except on the 1 channel in enforce mode)`}},
		{"ShadowChannels", "mode: enforce\nchannels:\n  \"@TOA#_c\":\n    mode: shadow\n  \"@TOA#_d\":\n    deny: [a]\n  \"@TOA#_e\":\n    mode: shadow\n", []string{
			`p.yaml:4: channel "@TOA#_c" is in shadow mode: its rules only log whom they would refuse, and everyone may subscribe to it`,
			`p.yaml:8: channel "@TOA#_e" is in shadow mode: its rules only log whom they would refuse, and everyone may subscribe to it`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := memFiles{"p.yaml": []byte(tt.policy)}
			for _, name := range []string{"lists/banned.txt", "lists/news-allow.txt"} {
				files[name] = mustRead(t, filepath.Join("testdata", name))
			}
			r, err := CheckFrom(files, "p.yaml", checkedAt)
			require.NoError(t, err)
			var got []string
			for _, w := range r.Warnings {
				got = append(got, w.String())
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestCheckLeavesOutMoreThanMaxWarningsEach(t *testing.T) {
	var list strings.Builder
	list.WriteString("user_*\n")
	for i := range MaxWarningsEach + 50 {
		fmt.Fprintf(&list, "user_%d\n", i)
	}
	files := memFiles{"p.yaml": []byte("deny_file: deny.txt\n"), "deny.txt": []byte(list.String())}
	r, err := CheckFrom(files, "p.yaml", checkedAt)
	require.NoError(t, err)
	require.Len(t, r.Warnings, MaxWarningsEach+1)
	assert.Equal(t, `deny.txt:2: "user_0" is already covered by the pattern "user_*" (deny.txt line 1): it changes nothing`, r.Warnings[0].String())
	assert.Equal(t, Warning{Kind: WarnRedundant, File: "p.yaml", List: "deny", Message: "50 more warnings like these about deny are left out"}, r.Warnings[MaxWarningsEach])
}

func TestCheckInvalidPolicy(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.yaml")
	require.NoError(t, os.WriteFile(path, []byte("deny:\n  - {id: a, until: soon}\n"), 0o644))
	_, err := Check(path, checkedAt)
	_, loadErr := Load(path)
	require.Error(t, err)
	assert.Equal(t, loadErr.Error(), err.Error())
	assert.Equal(t, "policy "+path+`: line 2: until "soon" is not an RFC 3339 time like 2026-12-01T00:00:00Z`, err.Error())
	_, err = Check(filepath.Join(dir, "none.yaml"), checkedAt)
	assert.ErrorContains(t, err, "policy file: open ")
}

func TestCovers(t *testing.T) {
	tests := []struct {
		p, q string
		want bool
	}{
		{"*", "anything*", true},
		{"*", "", true},
		{"a*", "ab*", true},
		{"ab*", "a*", false},
		{"a?c", "abc", true},
		{"a?c", "a?c", true},
		{"a?c", "a*c", false}, // * may be no character or several
		{"a*c", "a?c", true},
		{"a*c", "a*b*c", true},
		{"*b", "a*", false},
		{"?", "界", true},
		{"??", "界", false},
		{"*x*", "ax*", true},
		{"user_?", "user_*", false},
	}
	for _, tt := range tests {
		t.Run(tt.p+"~"+tt.q, func(t *testing.T) {
			assert.Equal(t, tt.want, covers(tt.p, tt.q))
		})
	}
}

// TestCoversIsSound: when covers says p covers q, every ID q matches, p matches too.
func TestCoversIsSound(t *testing.T) {
	r := newRand(7)
	for range 20_000 {
		p, q := randomString(r, true), randomString(r, true)
		if !covers(p, q) {
			continue
		}
		for range 20 {
			id := expand(r, q)
			require.True(t, matchGlob(q, id), "%q does not match its own expansion %q", q, id)
			require.True(t, matchGlob(p, id), "covers(%q, %q) but %q matches only the second", p, q, id)
		}
	}
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed)) }

// expand returns an ID that pattern q matches: each '*' a few random characters, each '?' one.
func expand(r *rand.Rand, q string) string {
	var b strings.Builder
	for _, c := range []byte(q) {
		switch c {
		case '*':
			for range r.IntN(3) {
				b.WriteString(pieces[r.IntN(len(pieces)-2)])
			}
		case '?':
			b.WriteString(pieces[r.IntN(len(pieces)-2)])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
