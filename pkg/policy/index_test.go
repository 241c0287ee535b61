package policy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testPolicies are testdata's policies with their list files.
var testPolicies = map[string][]string{
	"full.yaml":      {"lists/banned.txt", "lists/news-allow.txt"},
	"annotated.yaml": {"lists/expiring.txt"},
}

// copyPolicy copies testdata's full policy and its lists into a fresh folder and returns its path.
func copyPolicy(t *testing.T) string {
	t.Helper()
	return copyTestPolicy(t, "full.yaml")
}

// copyTestPolicy copies one of testPolicies into a fresh folder and returns its path.
func copyTestPolicy(t *testing.T, name string) string {
	t.Helper()
	dir := t.TempDir()
	for _, file := range append([]string{name}, testPolicies[name]...) {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(file)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, file), data, 0o644))
	}
	return filepath.Join(dir, name)
}

func writeIndex(t *testing.T, path string) {
	t.Helper()
	index, err := Prepare(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path+IndexSuffix, index, 0o644))
}

// probes are requests whose decisions a policy read from its index must share with the parsed one.
var probes = []struct{ channel, operator string }{
	{"@TOA#_x", "107867"}, {"@TOA#_x", "administrator"}, {"@TOA#_premium", "u"}, {"@TOA#_news", "u"},
	{"@TOA#_closed", "u"}, {"@TOA#_shut", "u"}, {"@TOA#_shut", "administrator"}, {"@TOA#_vip", "u"}, {"@TOA#_trial", "u"},
}

func probeIDs(t *testing.T, path string) []string {
	t.Helper()
	ids := []string{"", "jared", "spammer42", "banned_x", "vip_1", "bot_2", "news_fan", "fine", "a", "b", "guest1", "spam_1", "troll", "scam_1"}
	for _, name := range testPolicies[filepath.Base(path)] {
		data, err := os.ReadFile(filepath.Join(filepath.Dir(path), name))
		require.NoError(t, err)
		for _, line := range strings.Split(string(data), "\n") {
			ids = append(ids, strings.TrimSpace(line), strings.TrimSpace(line)+"x")
		}
	}
	return ids
}

// probeTimes are the times the probes are decided at: around the expiries in testdata.
var probeTimes = []time.Time{
	time.Date(2026, 11, 30, 23, 59, 59, 0, time.UTC),
	time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
	time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
}

// assertSameDecisions checks got against want on every probe, one subscriber at a time and all
// together (max_subscribers applies then): the same decisions, attributed to the same rules (the
// Decisions are deeply equal, and so are their rules' words).
func assertSameDecisions(t *testing.T, want, got *Policy, ids []string) {
	t.Helper()
	assert.Equal(t, want.Files(), got.Files())
	assert.Equal(t, want.Info().Revision, got.Info().Revision)
	assert.Equal(t, want.Info().Counts, got.Info().Counts)
	for _, at := range probeTimes {
		for _, p := range probes {
			for _, id := range ids {
				w, g := want.DecideAt(at, p.channel, p.operator, []string{id}), got.DecideAt(at, p.channel, p.operator, []string{id})
				assert.Equal(t, w, g, "%s %s %q", p.channel, p.operator, id)
				assert.Equal(t, words(w), words(g), "%s %s %q", p.channel, p.operator, id)
			}
			assert.Equal(t, want.DecideAt(at, p.channel, p.operator, ids[:3]), got.DecideAt(at, p.channel, p.operator, ids[:3]))
			w, g := want.DecideAt(at, p.channel, p.operator, ids), got.DecideAt(at, p.channel, p.operator, ids)
			assert.Equal(t, w, g)
			assert.Equal(t, words(w), words(g))
		}
	}
}

func TestIndexDecidesAsTheParsedPolicy(t *testing.T) {
	for name := range testPolicies {
		t.Run(name, func(t *testing.T) {
			path := copyTestPolicy(t, name)
			parsed, err := Load(path)
			require.NoError(t, err)
			writeIndex(t, path)

			indexed, err := Load(path)
			require.NoError(t, err)
			require.True(t, indexed.Info().Indexed, "the policy is read from its index")
			require.NoError(t, indexed.Info().IndexIgnored)
			assert.False(t, parsed.Info().Indexed)
			assert.EqualError(t, parsed.Info().IndexIgnored, "no prepared index: "+name+IndexSuffix)
			assert.ErrorIs(t, parsed.Info().IndexIgnored, ErrIndexMissing)
			assertSameDecisions(t, parsed, indexed, probeIDs(t, path))
			// Every list is the same, byte for byte, read from the index or parsed.
			assert.Equal(t, parsed.lists, indexed.lists)
			assert.Equal(t, parsed.global, indexed.global)
		})
	}
}

func TestIndexIsTheSameEachTime(t *testing.T) {
	path := copyPolicy(t)
	first, err := Prepare(path)
	require.NoError(t, err)
	second, err := Prepare(path)
	require.NoError(t, err)
	assert.Equal(t, first, second)
}

func TestStaleIndexIsIgnored(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, path string)
		why    string
	}{
		{"ListFileEdited", func(t *testing.T, path string) {
			list := filepath.Join(filepath.Dir(path), "lists", "banned.txt")
			require.NoError(t, os.WriteFile(list, []byte("fine\n"), 0o644))
		}, "the prepared index is stale: list file lists/banned.txt has changed size (5 bytes, indexed at 120)"},
		{"ListFileSameSizeOtherContent", func(t *testing.T, path string) {
			list := filepath.Join(filepath.Dir(path), "lists", "banned.txt")
			data, err := os.ReadFile(list)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(list, append([]byte("fine\n"), data[5:]...), 0o644))
		}, "the prepared index is stale: list file lists/banned.txt has changed (its checksum differs)"},
		{"PolicyEdited", func(t *testing.T, path string) {
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(path, append(data, []byte("\n# edited\n")...), 0o644))
		}, "the prepared index is stale: policy file full.yaml has changed size (415 bytes, indexed at 405)"},
		{"PolicySameSizeOtherContent", func(t *testing.T, path string) {
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(data), "max_subscribers: 3", "max_subscribers: 4", 1)), 0o644))
		}, "the prepared index is stale: policy file full.yaml has changed (its checksum differs)"},
		{"ListFileRemoved", func(t *testing.T, path string) {
			require.NoError(t, os.Remove(filepath.Join(filepath.Dir(path), "lists", "news-allow.txt")))
		}, "the prepared index is stale: list file lists/news-allow.txt cannot be read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := copyPolicy(t)
			writeIndex(t, path)
			tc.change(t, path)
			want, wantErr := Parse(mustRead(t, path), path, filepath.Dir(path))
			got, err := Load(path)
			if wantErr != nil {
				assert.EqualError(t, err, wantErr.Error())
				_, ignored := loadIndex(Dir(filepath.Dir(path)), filepath.Base(path))
				assert.EqualError(t, ignored, tc.why)
				return
			}
			require.NoError(t, err)
			assert.False(t, got.Info().Indexed, "parsed, not read from the stale index")
			assert.ErrorIs(t, got.Info().IndexIgnored, ErrIndexStale)
			assert.EqualError(t, got.Info().IndexIgnored, tc.why)
			assertSameDecisions(t, want, got, append(probeIDs(t, copyPolicy(t)), "fine"))
		})
	}
}

func TestDamagedIndexIsIgnored(t *testing.T) {
	path := copyPolicy(t)
	parsed, err := Load(path)
	require.NoError(t, err)
	index, err := Prepare(path)
	require.NoError(t, err)
	// Truncations and single-byte changes throughout are ignored: the policy is parsed instead.
	for cut := 0; cut < len(index); cut += 11 {
		require.NoError(t, os.WriteFile(path+IndexSuffix, index[:cut], 0o644))
		got, err := Load(path)
		require.NoError(t, err)
		assert.False(t, got.Info().Indexed, "cut at %d", cut)
		assert.ErrorIs(t, got.Info().IndexIgnored, ErrIndexDamaged, "cut at %d", cut)
	}
	for at := 0; at < len(index); at += 5 {
		damaged := append([]byte(nil), index...)
		damaged[at] ^= 0xa5
		require.NoError(t, os.WriteFile(path+IndexSuffix, damaged, 0o644))
		got, err := Load(path)
		require.NoError(t, err, "byte %d", at)
		assert.False(t, got.Info().Indexed, "byte %d", at)
		assert.True(t, errors.Is(got.Info().IndexIgnored, ErrIndexDamaged) || errors.Is(got.Info().IndexIgnored, ErrIndexFormat), "byte %d: %v", at, got.Info().IndexIgnored)
	}
	require.NoError(t, os.WriteFile(path+IndexSuffix, index, 0o644))
	got, err := Load(path)
	require.NoError(t, err)
	assertSameDecisions(t, parsed, got, probeIDs(t, path))
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return data
}

// memFiles is Files held in memory, as a bundle holds them.
type memFiles map[string][]byte

func (m memFiles) ReadFile(name string) ([]byte, error) {
	if data, ok := m[name]; ok {
		return data, nil
	}
	return nil, &os.PathError{Op: "open", Path: name, Err: os.ErrNotExist}
}

func TestLoadFromMemoryDecidesAsFromDisk(t *testing.T) {
	path := copyPolicy(t)
	fromDisk, err := Load(path)
	require.NoError(t, err)
	files := memFiles{}
	for _, name := range append([]string{"full.yaml"}, fromDisk.Files()...) {
		data, err := os.ReadFile(filepath.Join(filepath.Dir(path), name))
		require.NoError(t, err)
		files[name] = data
	}
	parsed, err := LoadFrom(files, "full.yaml")
	require.NoError(t, err)
	assertSameDecisions(t, fromDisk, parsed, probeIDs(t, path))

	index, err := Prepare(path)
	require.NoError(t, err)
	files["full.yaml"+IndexSuffix] = index
	indexed, err := LoadFrom(files, "full.yaml")
	require.NoError(t, err)
	assert.True(t, indexed.Info().Indexed, "the index in memory was used")
	assertSameDecisions(t, fromDisk, indexed, probeIDs(t, path))

	delete(files, "lists/banned.txt")
	_, err = LoadFrom(files, "full.yaml")
	assert.ErrorContains(t, err, "lists/banned.txt", "a missing list file is an error, index or not")
}
