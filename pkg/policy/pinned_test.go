package policy

import (
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests pin, each with its input and its exact answer, rules that the randomized property
// tests check only when their seed happens to draw the case.

// parsedAndIndexed loads a policy (policy.yaml, with list files by name) both ways a function
// does: parsed, and from the index policy.Prepare makes of it, as a bundle holds it.
func parsedAndIndexed(t *testing.T, text string, lists map[string]string) map[string]*Policy {
	t.Helper()
	dir := t.TempDir()
	files := fstest.MapFS{"policy.yaml": {Data: []byte(text)}}
	for name, data := range lists {
		files[name] = &fstest.MapFile{Data: []byte(data)}
		require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644))
	}
	path := filepath.Join(dir, "policy.yaml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	parsed, err := Load(path)
	require.NoError(t, err)
	require.False(t, parsed.Info().Indexed)
	index, err := Prepare(path)
	require.NoError(t, err)
	files["policy.yaml"+IndexSuffix] = &fstest.MapFile{Data: index}
	indexed, err := LoadFrom(files, "policy.yaml")
	require.NoError(t, err)
	require.True(t, indexed.Info().Indexed, "read from its index")
	return map[string]*Policy{"Parsed": parsed, "Indexed": indexed}
}

// verdicts decides ids on ch at the time at, and returns each verdict in words.
func verdicts(p *Policy, at time.Time, ch string, ids ...string) []string {
	return words(p.DecideAt(at, ch, "op", ids)).Verdicts
}

// A channel's own default is named as the channel's, in the rule's words and without the ID; a
// channel without one is decided by the top-level default, named as such.
func TestChannelDefaultIsNamedAsTheChannels(t *testing.T) {
	const text = `default: allow
channels:
  "@TOA#_x":
    default: refuse
  "@TOA#_y":
    deny: [bad]
  "@TOA#_z":
    default: allow
`
	for name, p := range parsedAndIndexed(t, text, nil) {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, []string{`alice refused by channels."@TOA#_x".default: refuse`}, verdicts(p, until, "@TOA#_x", "alice"))
			assert.Equal(t, []string{"alice allowed by default: allow"}, verdicts(p, until, "@TOA#_y", "alice"))
			assert.Equal(t, []string{"alice allowed by default: allow"}, verdicts(p, until, "@TOA#_other", "alice"))
			assert.Equal(t, []string{`alice allowed by channels."@TOA#_z".default: allow`}, verdicts(p, until, "@TOA#_z", "alice"))
			rule := p.DecideAt(until, "@TOA#_x", "op", []string{"alice"}).Subscribers[0].Rule
			assert.Equal(t, RuleDefault, rule.Kind())
			assert.Equal(t, `channels."@TOA#_x".default: refuse`, rule.StringWithoutID())
		})
	}
	refuse := parsedAndIndexed(t, "default: refuse\nchannels:\n  \"@TOA#_y\":\n    deny: [bad]\n", nil)
	for name, p := range refuse {
		t.Run(name+"TopLevelRefuse", func(t *testing.T) {
			assert.Equal(t, []string{"alice refused by default: refuse"}, verdicts(p, until, "@TOA#_y", "alice"))
			assert.Equal(t, []string{"alice refused by default: refuse"}, verdicts(p, until, "@TOA#_other", "alice"))
		})
	}
}

// The deny lists are checked before the allow list: an ID both allowed and denied is refused, by
// the deny rule, whichever list, exact or pattern, and wherever they are set.
func TestDenyDecidesBeforeAllow(t *testing.T) {
	const text = `deny: [both, "bot_*"]
deny_file: lists/banned.txt
allow: [both, "bot_*", listed, member]
channels:
  "@TOA#_c":
    deny: [chan]
    allow: [chan, both, "bot_*", member]
`
	lists := map[string]string{"lists/banned.txt": "# banned\nlisted\n"}
	for name, p := range parsedAndIndexed(t, text, lists) {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, []string{
				`both refused by deny "both"`,
				`bot_1 refused by deny "bot_*"`,
				`listed refused by deny_file lists/banned.txt line 2 "listed"`,
				`member allowed by allow "member"`,
				"nobody refused by allow list (no match)",
			}, verdicts(p, until, "@TOA#_x", "both", "bot_1", "listed", "member", "nobody"))
			assert.Equal(t, []string{
				`chan refused by channels."@TOA#_c".deny "chan"`,
				`both refused by deny "both"`,
				`bot_1 refused by deny "bot_*"`,
				`member allowed by channels."@TOA#_c".allow "member"`,
			}, verdicts(p, until, "@TOA#_c", "chan", "both", "bot_1", "member"))
		})
	}
}

// A pattern with only a literal suffix (filed by its last byte in the glob set) stops applying at
// its until, as every entry does: before it, it refuses; at it and after, it does not.
func TestSuffixPatternExpires(t *testing.T) {
	const text = `deny:
  - {id: "*_bot", until: "2026-12-01T00:00:00Z", reason: "bot wave"}
  - "*_spam"
deny_file: lists/bots.txt
`
	lists := map[string]string{"lists/bots.txt": "#@ until=2026-12-01T00:00:00Z\n*_crawler\n"}
	for name, p := range parsedAndIndexed(t, text, lists) {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, []string{
				`x_bot refused by deny "*_bot" until 2026-12-01T00:00:00Z reason "bot wave"`,
				`x_crawler refused by deny_file lists/bots.txt line 2 "*_crawler" until 2026-12-01T00:00:00Z`,
				`x_spam refused by deny "*_spam"`,
			}, verdicts(p, until.Add(-time.Second), "@TOA#_x", "x_bot", "x_crawler", "x_spam"))
			for _, at := range []time.Time{until, until.Add(time.Second), until.AddDate(1, 0, 0)} {
				assert.Equal(t, []string{
					"x_bot allowed by default: allow",
					"x_crawler allowed by default: allow",
					`x_spam refused by deny "*_spam"`, // a suffix pattern without an until does not expire
				}, verdicts(p, at, "@TOA#_x", "x_bot", "x_crawler", "x_spam"), at)
			}
		})
	}
	// An until already past when the policy is loaded: the pattern never refuses.
	for name, p := range parsedAndIndexed(t, "deny: [{id: \"*_bot\", until: \"2020-01-01T00:00:00Z\"}]\n", nil) {
		t.Run(name+"Past", func(t *testing.T) {
			assert.Equal(t, outcome{Verdicts: []string{"x_bot allowed by default: allow"}}, words(p.Decide("@TOA#_x", "op", []string{"x_bot"})))
		})
	}
}
