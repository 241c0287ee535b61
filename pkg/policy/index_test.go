package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// copyPolicy copies testdata's full policy and its lists into a fresh folder and returns its path.
func copyPolicy(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"full.yaml", "lists/banned.txt", "lists/news-allow.txt"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o644))
	}
	return filepath.Join(dir, "full.yaml")
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
	{"@TOA#_closed", "u"}, {"@TOA#_shut", "u"}, {"@TOA#_shut", "administrator"},
}

func probeIDs(t *testing.T, path string) []string {
	t.Helper()
	ids := []string{"", "jared", "spammer42", "banned_x", "vip_1", "bot_2", "news_fan", "fine", "a", "b"}
	for _, name := range []string{"lists/banned.txt", "lists/news-allow.txt"} {
		data, err := os.ReadFile(filepath.Join(filepath.Dir(path), name))
		require.NoError(t, err)
		for _, line := range strings.Split(string(data), "\n") {
			ids = append(ids, strings.TrimSpace(line), strings.TrimSpace(line)+"x")
		}
	}
	return ids
}

// assertSameDecisions checks got against want on every probe, one subscriber at a time and all
// together (max_subscribers applies then).
func assertSameDecisions(t *testing.T, want, got *Policy, ids []string) {
	t.Helper()
	assert.Equal(t, want.Files(), got.Files())
	for _, p := range probes {
		for _, id := range ids {
			assert.Equal(t, want.Decide(p.channel, p.operator, []string{id}), got.Decide(p.channel, p.operator, []string{id}), "%s %s %q", p.channel, p.operator, id)
		}
		assert.Equal(t, want.Decide(p.channel, p.operator, ids[:3]), got.Decide(p.channel, p.operator, ids[:3]))
		assert.Equal(t, want.Decide(p.channel, p.operator, ids), got.Decide(p.channel, p.operator, ids))
	}
}

func TestIndexDecidesAsTheParsedPolicy(t *testing.T) {
	path := copyPolicy(t)
	parsed, err := Load(path)
	require.NoError(t, err)
	writeIndex(t, path)

	indexed, err := Load(path)
	require.NoError(t, err)
	require.NotNil(t, indexed.global.deny[0].table, "the policy is read from its index")
	assert.Nil(t, indexed.global.deny[0].exact)
	assert.Equal(t, parsed.global.deny[0].Len(), indexed.global.deny[0].Len())
	assertSameDecisions(t, parsed, indexed, probeIDs(t, path))
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
	}{
		{"ListFileEdited", func(t *testing.T, path string) {
			list := filepath.Join(filepath.Dir(path), "lists", "banned.txt")
			require.NoError(t, os.WriteFile(list, []byte("fine\n"), 0o644))
		}},
		{"ListFileSameSizeOtherContent", func(t *testing.T, path string) {
			list := filepath.Join(filepath.Dir(path), "lists", "banned.txt")
			data, err := os.ReadFile(list)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(list, append([]byte("fine\n"), data[5:]...), 0o644))
		}},
		{"PolicyEdited", func(t *testing.T, path string) {
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(path, append(data, []byte("\n# edited\n")...), 0o644))
		}},
		{"ListFileRemoved", func(t *testing.T, path string) {
			require.NoError(t, os.Remove(filepath.Join(filepath.Dir(path), "lists", "news-allow.txt")))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := copyPolicy(t)
			writeIndex(t, path)
			tc.change(t, path)
			want, wantErr := Parse(mustRead(t, path), path, filepath.Dir(path))
			got, err := Load(path)
			if wantErr != nil {
				assert.EqualError(t, err, wantErr.Error())
				return
			}
			require.NoError(t, err)
			assert.Nil(t, got.global.deny[0].table, "parsed, not read from the stale index")
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
		assert.Nil(t, got.global.deny[0].table, "cut at %d", cut)
	}
	for at := 0; at < len(index); at += 5 {
		damaged := append([]byte(nil), index...)
		damaged[at] ^= 0xa5
		require.NoError(t, os.WriteFile(path+IndexSuffix, damaged, 0o644))
		got, err := Load(path)
		require.NoError(t, err, "byte %d", at)
		assert.Nil(t, got.global.deny[0].table, "byte %d", at)
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
	assert.NotNil(t, indexed.global.deny[0].table, "the index in memory was used")
	assertSameDecisions(t, fromDisk, indexed, probeIDs(t, path))

	delete(files, "lists/banned.txt")
	_, err = LoadFrom(files, "full.yaml")
	assert.ErrorContains(t, err, "lists/banned.txt", "a missing list file is an error, index or not")
}
