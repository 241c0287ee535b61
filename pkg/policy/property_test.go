package policy

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// referenceGlob is the obvious implementation: the pattern as a regular expression.
func referenceGlob(pattern, id string) bool {
	var re strings.Builder
	re.WriteString(`^(?s:`)
	for _, r := range pattern {
		switch r {
		case '*':
			re.WriteString(`.*`)
		case '?':
			re.WriteString(`.`)
		default:
			re.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	re.WriteString(`)$`)
	return regexp.MustCompile(re.String()).MatchString(id)
}

// pieces that random IDs and patterns are made of: ASCII, multi-byte characters, and an invalid byte.
var pieces = []string{"a", "b", "_", "é", "界", "\xff", "*", "?"}

func randomString(r *rand.Rand, wildcards bool) string {
	var b strings.Builder
	for range r.IntN(8) {
		p := pieces[r.IntN(len(pieces))]
		if !wildcards && (p == "*" || p == "?") {
			p = "a"
		}
		b.WriteString(p)
	}
	return b.String()
}

func TestGlobAgreesWithReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20_000 {
		pattern, id := randomString(r, true), randomString(r, false)
		if !utf8.ValidString(pattern) {
			continue // patterns come from YAML, which is valid UTF-8
		}
		require.Equal(t, referenceGlob(pattern, id), matchGlob(pattern, id), "pattern %q id %q", pattern, id)
	}
}

func FuzzMatchGlob(f *testing.F) {
	f.Add("banned_*", "banned_bob")
	f.Add("u?er", "u界er")
	f.Add("a*a*a*a*b", strings.Repeat("a", 100))
	f.Add("*?", "\xff")
	f.Fuzz(func(t *testing.T, pattern, id string) {
		if !utf8.ValidString(pattern) || len(pattern) > 64 || len(id) > 256 {
			return
		}
		if got, want := matchGlob(pattern, id), referenceGlob(pattern, id); got != want {
			t.Fatalf("matchGlob(%q, %q) = %v, reference says %v", pattern, id, got, want)
		}
	})
}

// randomPolicy writes a random policy over a small alphabet of IDs, so rules and requests overlap.
func randomPolicy(r *rand.Rand) (text string, deny, chDeny []string, closed bool) {
	ids := []string{"u1", "u2", "u3", "bad_1", "bad_2", "vip_1", "vip_2", "bad_*", "vip_*", "u?", "*"}
	pick := func() []string {
		var list []string
		for range r.IntN(4) {
			list = append(list, ids[r.IntN(len(ids))])
		}
		return list
	}
	deny, chDeny = pick(), pick()
	allow, chAllow := pick(), pick()
	closed = r.IntN(5) == 0
	defaults := []string{"allow", "refuse"}
	text = fmt.Sprintf("default: %s\ntrusted_operators: [admin]\ndeny: %s\nallow: %s\nchannels:\n  \"@TOA#_c\":\n    default: %s\n    deny: %s\n    allow: %s\n    closed: %v\n",
		defaults[r.IntN(2)], yamlList(deny), yamlList(allow), defaults[r.IntN(2)], yamlList(chDeny), yamlList(chAllow), closed)
	return text, deny, chDeny, closed
}

func yamlList(list []string) string {
	quoted := make([]string, len(list))
	for i, s := range list {
		quoted[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

func matchesAny(list []string, id string) bool {
	return slices.ContainsFunc(list, func(p string) bool { return referenceGlob(p, id) })
}

func TestPolicyProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	subscribers := []string{"u1", "u2", "u9", "bad_1", "vip_1", "vip_9", "x", ""}
	for i := range 2_000 {
		text, deny, chDeny, closed := randomPolicy(r)
		p, err := Parse([]byte(text), "random", ".")
		require.NoError(t, err, text)
		request := make([]string, 1+r.IntN(6))
		for j := range request {
			request[j] = subscribers[r.IntN(len(subscribers))]
		}
		for _, ch := range []string{"@TOA#_c", "@TOA#_other"} {
			d := p.Decide(ch, "someone", request)
			applicable := deny
			if ch == "@TOA#_c" {
				applicable = append(slices.Clone(deny), chDeny...)
				if closed {
					// A closed channel never lets an untrusted operator's request go on.
					require.True(t, d.Rejected, "case %d: closed channel answered ErrorCode 0\n%s", i, text)
					continue
				}
			}
			for _, id := range request {
				if id == "" || matchesAny(applicable, id) {
					// Deny wins: whatever else matches, a denied subscriber is refused.
					require.Contains(t, d.Refused, id, "case %d, channel %s\n%s", i, ch, text)
				}
			}
			// Refused IDs are from the request, each once.
			for k, id := range d.Refused {
				require.Contains(t, request, id)
				require.NotContains(t, d.Refused[k+1:], id)
			}
			// Each subscriber has a verdict, refused exactly when its rule refuses; and the refused
			// IDs are those of the refused verdicts.
			require.Len(t, d.Subscribers, len(request))
			var refusedIDs []string
			for k, v := range d.Subscribers {
				require.Equal(t, request[k], v.ID)
				require.Equal(t, v.Rule.Refuses(), v.Refused, "%s", v.Rule)
				require.NotEmpty(t, v.Rule.String())
				if v.Refused && !slices.Contains(refusedIDs, v.ID) {
					refusedIDs = append(refusedIDs, v.ID)
				}
			}
			require.Equal(t, refusedIDs, d.Refused)
			// Duplicates in the request change nothing.
			doubled := append(slices.Clone(request), request...)
			again := p.Decide(ch, "someone", doubled)
			require.Equal(t, d.Refused, again.Refused)
			require.Equal(t, d.Subscribers, again.Subscribers[:len(request)])
			require.Equal(t, d.Subscribers, again.Subscribers[len(request):])
			// A trusted operator is never refused.
			trusted := p.Decide(ch, "admin", request)
			require.True(t, trusted.Trusted)
			require.Empty(t, trusted.Refused)
		}
	}
}

func TestDecisionIndependentOfRuleOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	ids := []string{"u1", "u2", "bad_1", "vip_1", "x", "bad_*", "vip_*", "u?"}
	request := []string{"u1", "u2", "u3", "bad_1", "bad_9", "vip_1", "x", "y"}
	for range 500 {
		var deny, allow []string
		for range 1 + r.IntN(5) {
			deny = append(deny, ids[r.IntN(len(ids))])
		}
		for range r.IntN(4) {
			allow = append(allow, ids[r.IntN(len(ids))])
		}
		forward := fmt.Sprintf("deny: %s\nallow: %s\n", yamlList(deny), yamlList(allow))
		r.Shuffle(len(deny), func(i, j int) { deny[i], deny[j] = deny[j], deny[i] })
		r.Shuffle(len(allow), func(i, j int) { allow[i], allow[j] = allow[j], allow[i] })
		shuffled := fmt.Sprintf("allow: %s\ndeny: %s\n", yamlList(allow), yamlList(deny))
		p1, err := Parse([]byte(forward), "a", ".")
		require.NoError(t, err)
		p2, err := Parse([]byte(shuffled), "b", ".")
		require.NoError(t, err)
		assert.Equal(t, p1.Decide("@TOA#_c", "op", request).Refused, p2.Decide("@TOA#_c", "op", request).Refused, "%s\n%s", forward, shuffled)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("default: allow\ndeny: [jared]\n"))
	f.Add([]byte(`{"deny": ["banned_*"], "channels": {"@TOA#_a": {"closed": true}}}`))
	f.Add([]byte("channels:\n  \"@TOA#_a\":\n    allow: [\"vip_*\"]\n    default: refuse\n"))
	f.Add([]byte("max_subscribers: -1"))
	f.Add([]byte("deny: &a [x]\nallow: *a\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		p, err := Parse(text, "fuzz", t.TempDir())
		if err != nil {
			if !strings.HasPrefix(err.Error(), "policy fuzz: ") {
				t.Fatalf("error does not name the policy: %v", err)
			}
			return
		}
		for _, d := range []Decision{
			p.Decide("@TOA#_a", "op", []string{"jared", "", "jared"}),
			p.DecideGroupAt(time.Now(), "g", "op", []string{"jared", "", "jared"}),
			p.DecideApplicationAt(time.Now(), "g", ""),
		} {
			if d.Rejected || d.Trusted {
				continue
			}
			if !slices.Contains(d.Refused, "") {
				t.Fatalf("an empty subscriber was not refused: %+v", d)
			}
			if len(d.Refused) > 2 {
				t.Fatalf("refused more IDs than the request had: %+v", d)
			}
		}
	})
}

// FuzzParseList: a list file without annotations means exactly what it meant before they existed
// (every trimmed line that is neither blank nor a comment is an entry, in order); one with
// annotations means the same entries or is refused; and each entry's line is right, counted
// directly or through the line index.
func FuzzParseList(f *testing.F) {
	f.Add("a\n  b  \r\n\n# c\n   # d\ne#f\n")
	f.Add("\xef\xbb\xbfbom\n")
	f.Add("")
	f.Add("#@ until=2026-12-01T00:00:00Z reason=\"spam wave\"\nspammer42\n#@ reason=x\n")
	f.Add("\u00a0x\u0085\n\v#@\n")
	f.Fuzz(func(t *testing.T, text string) {
		var entries []string
		lines, err := readList([]byte(text), func(e listEntry) {
			entries = append(entries, text[e.start:e.end])
			if want := 1 + strings.Count(text[:e.start], "\n"); e.line != want {
				t.Fatalf("entry %q from %q on line %d, want %d", text[e.start:e.end], text, e.line, want)
			}
		})
		var want []string
		annotated := false
		for line := range strings.Lines(text) {
			line = strings.TrimSpace(line)
			annotated = annotated || strings.HasPrefix(line, "#@")
			if line != "" && line[0] != '#' {
				want = append(want, line)
			}
		}
		if err != nil {
			if !annotated {
				t.Fatalf("a list without annotations is refused: %v", err)
			}
			return
		}
		if !slices.Equal(entries, want) {
			t.Fatalf("entries %q from %q, want %q", entries, text, want)
		}
		for offset := range len(text) + 1 {
			if got, want := lineOf([]byte(text), lines, uint32(offset)), 1+strings.Count(text[:offset], "\n"); got != want {
				t.Fatalf("offset %d of %q is on line %d, lineOf says %d", offset, text, want, got)
			}
		}
	})
}

// FuzzIndexDecidesAsParsed: a policy read from its prepared index decides each subscriber as the
// parsed policy does, by the same rule, at any time.
func FuzzIndexDecidesAsParsed(f *testing.F) {
	f.Add("deny_file: l.txt\ndeny: [a, {id: \"b*\", until: \"2026-12-01T00:00:00Z\"}]\n", "#@ reason=x\nc\nd*\n\n# e\n  f  \n", "c")
	f.Add("allow_file: l.txt\nchannels:\n  \"@TOA#_a\":\n    mode: shadow\n    deny_file: l.txt\n", "#@ until=2026-12-01T00:00:00Z\nx\nx\n", "x")
	f.Add("deny: [a, a, \"a*\", {id: a, reason: r}]\n", "", "a")
	f.Add("max_members: 2\ngroups:\n  g:\n    allow_file: l.txt\n    default: refuse\n  \"@TGS#a\": {closed: true, mode: shadow}\n", "x\n#@ reason=y\nb*\n", "b1")
	f.Add("groups: {}\ntrusted_operators: [op]\n", "", "")
	f.Fuzz(func(t *testing.T, policyText, list, id string) {
		files := memFiles{"p.yaml": []byte(policyText), "l.txt": []byte(list)}
		parsed, err := ParseFrom(files["p.yaml"], "p.yaml", files)
		if err != nil {
			return
		}
		index, err := PrepareFrom(files, "p.yaml")
		if err != nil {
			t.Fatalf("parsed, but not prepared: %v", err)
		}
		files["p.yaml"+IndexSuffix] = index
		indexed, err := LoadFrom(files, "p.yaml")
		if err != nil || !indexed.Info().Indexed {
			t.Fatalf("the index is not used: %v, %v", err, indexed.Info().IndexIgnored)
		}
		ids := []string{id, "", "a", "x"}
		for line := range strings.Lines(list) {
			ids = append(ids, strings.TrimSpace(line))
		}
		for _, at := range []time.Time{time.Date(2026, 11, 30, 23, 59, 59, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)} {
			for _, target := range []string{"@TOA#_a", "@TOA#_b", "g", "@TGS#a"} {
				for _, decide := range []func(*Policy) Decision{
					func(p *Policy) Decision { return p.DecideAt(at, target, "op", ids) },
					func(p *Policy) Decision { return p.DecideGroupAt(at, target, "op", ids) },
					func(p *Policy) Decision { return p.DecideApplicationAt(at, target, id) },
				} {
					want, got := decide(parsed), decide(indexed)
					if !reflect.DeepEqual(want, got) {
						t.Fatalf("index decides %+v, parsed %+v", got, want)
					}
					for i := range want.Subscribers {
						if w, g := want.Subscribers[i].Rule.String(), got.Subscribers[i].Rule.String(); w != g {
							t.Fatalf("index says %s, parsed %s", g, w)
						}
					}
				}
			}
			if parsed.DecidesGroups() != indexed.DecidesGroups() || parsed.Info().Counts != indexed.Info().Counts {
				t.Fatalf("index holds %v, %+v; parsed %v, %+v", indexed.DecidesGroups(), indexed.Info().Counts, parsed.DecidesGroups(), parsed.Info().Counts)
			}
		}
	})
}
