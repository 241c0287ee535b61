package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// documentedRevision computes a revision as docs/policy.md defines it: in the policy's folder,
// `sha256sum policy.yaml lists/... | sha256sum`, the policy file named policy.yaml and the lists sorted.
func documentedRevision(t *testing.T, dir, policy string, lists ...string) string {
	t.Helper()
	var lines strings.Builder
	for i, name := range append([]string{policy}, lists...) {
		data, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		if i == 0 {
			name = "policy.yaml"
		}
		fmt.Fprintf(&lines, "%x  %s\n", sha256.Sum256(data), name)
	}
	sum := sha256.Sum256([]byte(lines.String()))
	return hex.EncodeToString(sum[:])[:12]
}

func TestInfo(t *testing.T) {
	path := copyPolicy(t)
	dir := filepath.Dir(path)
	want := documentedRevision(t, dir, "full.yaml", "lists/banned.txt", "lists/news-allow.txt")

	parsed, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, Info{
		Revision:     want,
		IndexIgnored: parsed.Info().IndexIgnored,
		Counts:       Counts{ExactIDs: 3, Patterns: 5, Channels: 4, TrustedOperators: 1},
	}, parsed.Info())
	assert.EqualError(t, parsed.Info().IndexIgnored, "no prepared index: full.yaml.index")

	writeIndex(t, path)
	indexed, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, Info{Revision: want, Indexed: true, Counts: parsed.Info().Counts}, indexed.Info())

	// The same files elsewhere, or in memory, have the same revision; a policy parsed from text
	// looked for no index.
	files := memFiles{}
	for _, name := range []string{"full.yaml", "lists/banned.txt", "lists/news-allow.txt"} {
		files[name] = mustRead(t, filepath.Join(dir, name))
	}
	fromMemory, err := ParseFrom(files["full.yaml"], "full.yaml", files)
	require.NoError(t, err)
	assert.Equal(t, want, fromMemory.Info().Revision)
	assert.NoError(t, fromMemory.Info().IndexIgnored)
	assert.False(t, fromMemory.Info().Indexed)

	// One byte of a list file changes it.
	files["lists/news-allow.txt"] = []byte("reader_?\n")
	edited, err := ParseFrom(files["full.yaml"], "full.yaml", files)
	require.NoError(t, err)
	assert.NotEqual(t, want, edited.Info().Revision)
	assert.Len(t, edited.Info().Revision, 12)

	assert.Equal(t, Info{}, AllowAll().Info())
}

func TestIndexIgnoredBecause(t *testing.T) {
	tests := []struct {
		name  string
		index func(good []byte) []byte
		is    error
		want  string
	}{
		{"OtherFormat", func(good []byte) []byte {
			return append([]byte("subgate policy index 2\n"), good[len(indexMagic):]...)
		}, ErrIndexFormat, `the prepared index is of another format: format "2"; this build reads format 4 (prepare it again)`},
		{"NotAnIndex", func([]byte) []byte { return []byte("deny: [x]\n") }, ErrIndexDamaged, "the prepared index is damaged: it does not start as an index does"},
		{"Empty", func([]byte) []byte { return nil }, ErrIndexDamaged, "the prepared index is damaged: it does not start as an index does"},
		{"Truncated", func(good []byte) []byte { return good[:len(good)-9] }, ErrIndexDamaged, "the prepared index is damaged: its checksum does not match"},
		{"ByteChanged", func(good []byte) []byte {
			bad := append([]byte(nil), good...)
			bad[len(bad)/2] ^= 1
			return bad
		}, ErrIndexDamaged, "the prepared index is damaged: its checksum does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := copyPolicy(t)
			good, err := Prepare(path)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(path+IndexSuffix, tt.index(good), 0o644))
			p, err := Load(path)
			require.NoError(t, err)
			assert.False(t, p.Info().Indexed)
			assert.ErrorIs(t, p.Info().IndexIgnored, tt.is)
			assert.EqualError(t, p.Info().IndexIgnored, tt.want)
		})
	}
}

// TestIndexStartIsFreeOfEntries: a policy read from its index costs the same allocations whatever
// the size of its lists, so a start does no work per entry.
func TestIndexStartIsFreeOfEntries(t *testing.T) {
	allocs := func(entries int) float64 {
		dir := t.TempDir()
		var list strings.Builder
		for i := range entries {
			if i%100 == 0 {
				list.WriteString("#@ until=2030-01-01T00:00:00Z reason=\"wave\"\n")
			}
			fmt.Fprintf(&list, "user%08d\n", i)
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, "deny.txt"), []byte(list.String()), 0o644))
		path := filepath.Join(dir, "policy.yaml")
		require.NoError(t, os.WriteFile(path, []byte("deny_file: deny.txt\ndeny: [\"bot_*\"]\n"), 0o644))
		writeIndex(t, path)
		p, err := Load(path)
		require.NoError(t, err)
		require.True(t, p.Info().Indexed)
		require.Equal(t, entries, p.Info().Counts.ExactIDs)
		// Enough runs that the growth of syscall's table of mappings (a used index stays mapped)
		// counts for nothing in the average.
		return testing.AllocsPerRun(50, func() {
			if _, err := Load(path); err != nil {
				t.Fatal(err)
			}
		})
	}
	assert.Equal(t, allocs(10_000), allocs(200_000)) // both large enough to be mapped
}

// TestIndexDoesNotCopyTheIDs: the index of a list file holds its table, not its IDs again.
func TestIndexDoesNotCopyTheIDs(t *testing.T) {
	dir := t.TempDir()
	var list strings.Builder
	for i := range 10_000 {
		fmt.Fprintf(&list, "a-rather-long-user-id-%08d\n", i)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "deny.txt"), []byte(list.String()), 0o644))
	path := filepath.Join(dir, "policy.yaml")
	require.NoError(t, os.WriteFile(path, []byte("deny_file: deny.txt\n"), 0o644))
	index, err := Prepare(path)
	require.NoError(t, err)
	// 8 bytes of span an entry, and 4 bytes a slot, with 2 to 4 slots an entry.
	assert.Less(t, len(index), 10_000*(8+4*4)+4096)
	assert.NotContains(t, string(index), "a-rather-long-user-id-00000042")
}

func TestIndexMatters(t *testing.T) {
	assert.False(t, Info{Counts: Counts{ExactIDs: IndexWorthEntries - 2, Patterns: 1}}.IndexMatters())
	assert.True(t, Info{Counts: Counts{ExactIDs: IndexWorthEntries - 1, Patterns: 1}}.IndexMatters())
	assert.False(t, AllowAll().Info().IndexMatters())
}
