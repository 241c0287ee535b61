//go:build unix

package policy

import (
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// patterned is size bytes that differ from window to window.
func patterned(size int) []byte {
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i*31 + i>>13)
	}
	return data
}

// TestWritableFilesAreReadWhole: a file that can change is read onto the heap and has the checksum
// of all of it, whatever its size: a later edit of the file in place, or cutting it short, does not
// reach what was read.
func TestWritableFilesAreReadWhole(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{mapAtLeast - 1, mapAtLeast, 4<<20 - 1, 4 << 20, 4<<20 + 1, 8<<20 + 4099} {
		data := patterned(size)
		path := filepath.Join(dir, fmt.Sprint(size))
		require.NoError(t, os.WriteFile(path, data, 0o644))
		for _, tail := range []int{0, 4} {
			got, sum, release, err := mapFile(path, tail)
			require.NoError(t, err)
			assert.Equal(t, data, got)
			assert.Equal(t, crc32.ChecksumIEEE(data[:size-tail]), sum, "size %d tail %d", size, tail)
			require.NoError(t, os.WriteFile(path, make([]byte, 10), 0o644)) // in place, and shorter
			assert.Equal(t, data, got, "what was read does not change with the file")
			require.NoError(t, os.WriteFile(path, data, 0o644))
			release()
		}
	}
}

// TestUnchangeableFilesAreMappedAndChecked: on a read-only file system (a Lambda or SCF code
// folder), a large file is used where it lies, its checksum computed a window at a time: all of it,
// whatever its size against the window. (This test's folder is writable, so an edit made behind
// canChange's back shows through the mapping: that is how the test sees the file is mapped.)
func TestUnchangeableFilesAreMappedAndChecked(t *testing.T) {
	defer func(was func(string) bool) { canChange = was }(canChange)
	canChange = func(string) bool { return false }
	dir := t.TempDir()
	for _, size := range []int{mapAtLeast, sumWindow - 1, sumWindow, sumWindow + 1, 2*sumWindow + 4099} {
		data := patterned(size)
		path := filepath.Join(dir, fmt.Sprint(size))
		require.NoError(t, os.WriteFile(path, data, 0o644))
		for _, tail := range []int{0, 4} {
			got, sum, release, err := mapFile(path, tail)
			require.NoError(t, err)
			assert.Equal(t, data, got)
			assert.Equal(t, crc32.ChecksumIEEE(data[:size-tail]), sum, "size %d tail %d", size, tail)
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			require.NoError(t, err)
			_, err = f.WriteAt([]byte("edited"), 0)
			require.NoError(t, err)
			require.NoError(t, f.Close())
			assert.Equal(t, "edited", string(got[:6]), "mapped, not read")
			release()
			require.NoError(t, os.WriteFile(path, data, 0o644))
		}
	}
}

// TestIndexedListCutShortInPlace: an indexed policy loaded from a writable folder (an HTTP server
// run from dist/) keeps deciding as it did when its list file and index are cut short and
// overwritten in place, the same inodes: neither was mapped, so nothing ends with SIGBUS and no
// decision changes.
func TestIndexedListCutShortInPlace(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	ids := []string{"fine", "banned", ""}
	for i := range 50_000 {
		fmt.Fprintf(&b, "banned%06d\n", i)
		if i%997 == 0 {
			ids = append(ids, fmt.Sprintf("banned%06d", i))
		}
	}
	ids = append(ids, "banned049999", "banned050000")
	list := filepath.Join(dir, "deny.txt")
	require.NoError(t, os.WriteFile(list, []byte(b.String()), 0o644))
	path := filepath.Join(dir, "policy.yaml")
	require.NoError(t, os.WriteFile(path, []byte("deny_file: deny.txt\n"), 0o644))
	writeIndex(t, path)
	require.Greater(t, len(mustRead(t, path+IndexSuffix)), mapAtLeast)
	parsed, err := Parse(mustRead(t, path), path, dir)
	require.NoError(t, err)

	loaded, err := Load(path)
	require.NoError(t, err)
	require.True(t, loaded.Info().Indexed)
	for _, file := range []string{list, path + IndexSuffix} {
		f, err := os.OpenFile(file, os.O_WRONLY, 0)
		require.NoError(t, err)
		_, err = f.WriteAt(make([]byte, 4096), 0)
		require.NoError(t, err)
		require.NoError(t, f.Truncate(100))
		require.NoError(t, f.Close())
	}
	for _, id := range ids {
		w, g := parsed.Decide("@TOA#_x", "op", []string{id}), loaded.Decide("@TOA#_x", "op", []string{id})
		assert.Equal(t, w, g, id)
		assert.Equal(t, words(w), words(g), id)
	}
	assert.Equal(t, []string{"banned000000", "banned049999"}, loaded.Decide("@TOA#_x", "op", []string{"banned000000", "fine", "banned049999"}).Refused)
}
