package policy

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// until is the expiry most entries of testdata/annotated.yaml have.
var until = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func TestExpiringEntries(t *testing.T) {
	p, err := Load("testdata/annotated.yaml")
	require.NoError(t, err)
	const (
		spammer  = `spammer42 refused by deny_file lists/expiring.txt line 10 "spammer42" until 2027-01-01T00:00:00Z`
		spamWave = `wave1 refused by deny_file lists/expiring.txt line 3 "wave1" until 2026-12-01T00:00:00Z reason "spam wave"`
	)
	tests := []struct {
		name    string
		channel string
		id      string
		at      time.Time
		want    string
	}{
		{"PlainEntry", "@TOA#_x", "jared", until.Add(time.Hour), `jared refused by deny "jared"`},
		{"ReasonWithoutExpiry", "@TOA#_x", "troll", until.AddDate(10, 0, 0), `troll refused by deny "troll" reason "abuse"`},
		{"YAMLPatternSecondBefore", "@TOA#_x", "spam_1", until.Add(-time.Second), `spam_1 refused by deny "spam_*" until 2026-12-01T00:00:00Z`},
		{"YAMLPatternNanosecondBefore", "@TOA#_x", "spam_1", until.Add(-time.Nanosecond), `spam_1 refused by deny "spam_*" until 2026-12-01T00:00:00Z`},
		{"YAMLPatternAtUntil", "@TOA#_x", "spam_1", until, "spam_1 allowed by default: allow"},
		{"YAMLPatternSecondAfter", "@TOA#_x", "spam_1", until.Add(time.Second), "spam_1 allowed by default: allow"},
		{"FileEntrySecondBefore", "@TOA#_x", "wave1", until.Add(-time.Second), spamWave},
		{"FileEntryAtUntil", "@TOA#_x", "wave1", until, "wave1 allowed by default: allow"},
		{"FileEntrySecondAfter", "@TOA#_x", "wave1", until.Add(time.Second), "wave1 allowed by default: allow"},
		{"AnnotationIsForTheNextLineOnly", "@TOA#_x", "wave2", until.Add(time.Second), `wave2 refused by deny_file lists/expiring.txt line 4 "wave2"`},
		{"FileReasonWithoutExpiry", "@TOA#_x", "forever1", until.Add(time.Second), `forever1 refused by deny_file lists/expiring.txt line 6 "forever1" reason "permanent, see ticket 12"`},
		{"FilePatternWithOffsetSecondBefore", "@TOA#_x", "scam_1", until.Add(time.Hour - time.Second), `scam_1 refused by deny_file lists/expiring.txt line 8 "scam_?" until 2026-12-01T01:00:00Z`},
		{"FilePatternWithOffsetAtUntil", "@TOA#_x", "scam_1", until.Add(time.Hour), "scam_1 allowed by default: allow"},
		// spammer42 is in deny (until 2026-12-01) and in deny_file (until 2027-01-01): the entry
		// that applies longer is the one kept.
		{"RepeatedEntryLongerKeptBefore", "@TOA#_x", "spammer42", until.Add(-time.Second), spammer},
		{"RepeatedEntryLongerKeptAfter", "@TOA#_x", "spammer42", until.Add(time.Second), spammer},
		{"RepeatedEntryExpiresAtLast", "@TOA#_x", "spammer42", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), "spammer42 allowed by default: allow"},
		{"AllowEntrySecondBefore", "@TOA#_vip", "guest1", until.Add(-time.Second), `guest1 allowed by channels."@TOA#_vip".allow "guest1" until 2026-12-01T00:00:00Z reason "trial"`},
		{"AllowEntryAtUntil", "@TOA#_vip", "guest1", until, `guest1 refused by channels."@TOA#_vip".allow list (no match)`},
		{"OtherAllowEntryStays", "@TOA#_vip", "vip_1", until, `vip_1 allowed by channels."@TOA#_vip".allow "vip_*"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := p.DecideAt(tt.at, tt.channel, "op", []string{tt.id})
			assert.Equal(t, []string{tt.want}, words(d).Verdicts)
		})
	}
}

// TestAllowListWhollyExpiredStillApplies: an allow list whose entries have all expired still
// applies, and lets nobody in (it does not fall back to the default).
func TestAllowListWhollyExpiredStillApplies(t *testing.T) {
	p := mustParse(t, "default: allow\nallow: [{id: a, until: \"2026-12-01T00:00:00Z\"}]\n")
	assert.Empty(t, p.DecideAt(until.Add(-time.Second), "@TOA#_x", "", []string{"a"}).Refused)
	assert.Equal(t, []string{"a allowed by default: allow"}, words(mustParse(t, "default: allow\n").DecideAt(until, "@TOA#_x", "", []string{"a"})).Verdicts)
	assert.Equal(t, []string{"a refused by allow list (no match)"}, words(p.DecideAt(until, "@TOA#_x", "", []string{"a"})).Verdicts)
}

// TestExpiredExactFallsToPattern: when an exact entry has expired, a pattern of the same list
// that still applies decides; and the first pattern that applies is the one named.
func TestExpiredExactFallsToPattern(t *testing.T) {
	p := mustParse(t, `deny:
  - {id: "bad_1", until: "2026-12-01T00:00:00Z"}
  - {id: "bad_*", until: "2026-12-01T00:00:01Z"}
  - "b*"
`)
	at := func(d time.Duration) []string {
		return words(p.DecideAt(until.Add(d), "@TOA#_x", "", []string{"bad_1"})).Verdicts
	}
	assert.Equal(t, []string{`bad_1 refused by deny "bad_1" until 2026-12-01T00:00:00Z`}, at(-time.Second))
	assert.Equal(t, []string{`bad_1 refused by deny "bad_*" until 2026-12-01T00:00:01Z`}, at(0))
	assert.Equal(t, []string{`bad_1 refused by deny "b*"`}, at(time.Second))
}

func TestShadowMode(t *testing.T) {
	top := mustParse(t, `mode: shadow
deny: [jared]
channels:
  "@TOA#_live":
    mode: enforce
  "@TOA#_quiet":
    deny: [leckie]
  "@TOA#_closed":
    closed: true
`)
	enforced := mustParse(t, "deny: [jared]\nchannels:\n  \"@TOA#_try\":\n    mode: shadow\n    deny: [\"bot_*\"]\n")
	tests := []struct {
		name     string
		policy   *Policy
		channel  string
		operator string
		want     outcome
	}{
		{"TopLevelShadow", top, "@TOA#_x", "", outcome{Shadow: true, Refused: []string{"jared"}, Verdicts: []string{`jared refused by deny "jared"`, "bot_1 allowed by default: allow"}}},
		{"ChannelInheritsShadow", top, "@TOA#_quiet", "", outcome{Shadow: true, Refused: []string{"jared"}, Verdicts: []string{`jared refused by deny "jared"`, "bot_1 allowed by default: allow"}}},
		{"ChannelEnforces", top, "@TOA#_live", "", outcome{Refused: []string{"jared"}, Verdicts: []string{`jared refused by deny "jared"`, "bot_1 allowed by default: allow"}}},
		{"ClosedInShadow", top, "@TOA#_closed", "", outcome{Shadow: true, Rejected: true, Reason: "Official Channel @TOA#_closed is not accepting subscribers", Rule: "closed channel",
			Verdicts: []string{"jared refused by closed channel", "bot_1 refused by closed channel"}}},
		{"TrustedInShadow", mustParse(t, "mode: shadow\ntrusted_operators: [admin]\n"), "@TOA#_x", "admin", outcome{Shadow: true, Trusted: true, Rule: "trusted operator",
			Verdicts: []string{"jared allowed by trusted operator", "bot_1 allowed by trusted operator"}}},
		{"TopLevelEnforce", enforced, "@TOA#_x", "", outcome{Refused: []string{"jared"}, Verdicts: []string{`jared refused by deny "jared"`, "bot_1 allowed by default: allow"}}},
		{"ChannelShadow", enforced, "@TOA#_try", "", outcome{Shadow: true, Refused: []string{"jared", "bot_1"}, Verdicts: []string{`jared refused by deny "jared"`, `bot_1 refused by channels."@TOA#_try".deny "bot_*"`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, words(tt.policy.Decide(tt.channel, tt.operator, []string{"jared", "bot_1"})))
		})
	}
}

func TestAnnotationErrors(t *testing.T) {
	tests := []struct {
		name string
		list string
		want string
	}{
		{"BadUntil", "#@ until=tomorrow\nx\n", `line 1: annotation: until "tomorrow" is not an RFC 3339 time like 2026-12-01T00:00:00Z`},
		{"DateOnly", "a\n#@ until=2026-12-01\nx\n", `line 2: annotation: until "2026-12-01" is not an RFC 3339 time like 2026-12-01T00:00:00Z`},
		{"FractionOfSecond", "#@ until=2026-12-01T00:00:00.5Z\nx\n", `line 1: annotation: until "2026-12-01T00:00:00.5Z": give the time to the second, like 2026-12-01T00:00:00Z`},
		{"UnknownKey", "#@ untill=2026-12-01T00:00:00Z\nx\n", `line 1: annotation: unknown key "untill" (known keys: until, reason)`},
		{"KeyTwice", "#@ reason=a reason=b\nx\n", `line 1: annotation: key "reason" is given twice`},
		{"NotKeyValue", "#@ spam wave\nx\n", `line 1: annotation: expected key=value (keys: until, reason), not "spam"`},
		{"Empty", "#@\nx\n", `line 1: the annotation is empty (write, say, #@ until=2026-12-01T00:00:00Z reason="spam wave")`},
		{"UnendedQuote", "#@ reason=\"spam\nx\n", `line 1: annotation: reason: the quoted value does not end, or has a bad escape`},
		{"NoBlankAfterQuote", "#@ reason=\"spam\"until=2026-12-01T00:00:00Z\nx\n", `line 1: annotation: reason: put a blank after the quoted value`},
		{"FollowedByBlank", "#@ reason=x\n\nx\n", "line 1: the annotation is not followed by an entry on the next line"},
		{"FollowedByComment", "#@ reason=x\n# c\nx\n", "line 1: the annotation is not followed by an entry on the next line"},
		{"FollowedByAnnotation", "#@ reason=x\n#@ reason=y\nx\n", "line 1: the annotation is not followed by an entry on the next line"},
		{"AtTheEnd", "x\n#@ reason=x", "line 2: the annotation is not followed by an entry on the next line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "deny.txt"), []byte(tt.list), 0o644))
			_, err := Parse([]byte("channels:\n  \"@TOA#_a\":\n    deny_file: deny.txt\n"), "p.yaml", dir)
			assert.EqualError(t, err, `policy p.yaml: channels."@TOA#_a".deny_file deny.txt: `+tt.want)
		})
	}
}

func TestAnnotationForms(t *testing.T) {
	tests := []struct {
		name string
		list string
		want string
	}{
		{"BareReason", "#@ reason=spam\nx\n", `deny_file deny.txt line 2 "x" reason "spam"`},
		{"QuotedWithEscapes", "#@ reason=\"say \\\"hi\\\"\\t\"\nx\n", `deny_file deny.txt line 2 "x" reason "say \"hi\"\t"`},
		{"ReasonFirst", "#@ reason=\"a b\" until=2030-01-01T00:00:00Z\nx\n", `deny_file deny.txt line 2 "x" until 2030-01-01T00:00:00Z reason "a b"`},
		{"Indented", "   #@\tuntil=2030-01-01T00:00:00Z\t\n  x  \n", `deny_file deny.txt line 2 "x" until 2030-01-01T00:00:00Z`},
		{"CRLF", "#@ until=2030-01-01T00:00:00Z\r\nx\r\n", `deny_file deny.txt line 2 "x" until 2030-01-01T00:00:00Z`},
		{"HashAtIsAnAnnotationOnlyAtTheStart", "a #@ reason=x\nx\n", `deny_file deny.txt line 2 "x"`},
		{"CommentWithAtLater", "# @ reason=x\nx\n", `deny_file deny.txt line 2 "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "deny.txt"), []byte(tt.list), 0o644))
			p, err := Parse([]byte("deny_file: deny.txt\n"), "p.yaml", dir)
			require.NoError(t, err)
			d := p.DecideAt(until, "@TOA#_x", "", []string{"x"})
			assert.Equal(t, tt.want, d.Subscribers[0].Rule.String())
		})
	}
}
