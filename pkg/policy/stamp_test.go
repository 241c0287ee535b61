//go:build unix

package policy

import (
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStampsAreEvenSecondsInThePast(t *testing.T) {
	seen := map[time.Time]bool{}
	for size := int64(0); size < 200; size++ {
		for _, sum := range []uint32{0, 1, 0xffffffff, uint32(size) * 2654435761} {
			s := stamp(size, sum)
			assert.True(t, s.After(stampEpoch), "%d %d: %s", size, sum, s)
			assert.True(t, s.Before(time.Date(1998, 1, 1, 0, 0, 0, 0, time.UTC)), "%d %d: %s", size, sum, s)
			assert.Zero(t, s.Unix()%2, "a zip's MS-DOS time keeps even seconds")
			assert.Equal(t, s, stamp(size, sum))
			seen[s] = true
		}
	}
	assert.Greater(t, len(seen), 790, "stamps of different files differ")

	index, err := Prepare(copyPolicy(t))
	require.NoError(t, err)
	assert.Equal(t, stamp(int64(len(index)), crc32.ChecksumIEEE(index[:len(index)-4])), IndexModTime(index))
	cut := index[:len(index)-1]
	assert.Equal(t, ModTime(cut), IndexModTime(cut), "what is not an index is stamped as a file")
	assert.Equal(t, stamp(5, crc32.ChecksumIEEE([]byte("jared"))), ModTime([]byte("jared")))
}

// writeLarge writes a policy whose list file and index are large enough to be mapped (and so to
// be taken on their stamps), and returns its path and its list file's path.
func writeLarge(t *testing.T) (path, list string) {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	for i := range 20_000 {
		fmt.Fprintf(&b, "banned%06d\n", i)
	}
	list = filepath.Join(dir, "deny.txt")
	require.NoError(t, os.WriteFile(list, []byte(b.String()), 0o644))
	path = filepath.Join(dir, "policy.yaml")
	require.NoError(t, os.WriteFile(path, []byte("deny_file: deny.txt\n"), 0o644))
	writeIndex(t, path)
	return path, list
}

// stampAll gives the policy's files the times deploy/pack gives them.
func stampAll(t *testing.T, path string, lists ...string) {
	t.Helper()
	for _, file := range append([]string{path}, lists...) {
		require.NoError(t, os.Chtimes(file, ModTime(mustRead(t, file)), ModTime(mustRead(t, file))))
	}
	index := path + IndexSuffix
	require.NoError(t, os.Chtimes(index, IndexModTime(mustRead(t, index)), IndexModTime(mustRead(t, index))))
}

func TestStampedFilesAreNotRead(t *testing.T) {
	path, list := writeLarge(t)
	parsed, err := Parse(mustRead(t, path), path, filepath.Dir(path))
	require.NoError(t, err)

	unstamped, err := Load(path)
	require.NoError(t, err)
	require.True(t, unstamped.Info().Indexed)
	assert.Zero(t, unstamped.Info().Stamped, "files written otherwise are checked by reading them")

	stampAll(t, path, list)
	stamped, err := Load(path)
	require.NoError(t, err)
	require.True(t, stamped.Info().Indexed)
	assert.Equal(t, 2, stamped.Info().Stamped, "the index and the list file; the policy file is small, and always read")
	ids := []string{"banned000000", "banned019999", "banned020000", "fine", ""}
	for _, id := range ids {
		assert.Equal(t, parsed.Decide("@TOA#_x", "op", []string{id}), stamped.Decide("@TOA#_x", "op", []string{id}), id)
	}
}

func TestStampedFileEditedIsChecked(t *testing.T) {
	for _, tc := range []struct {
		name string
		// touch dates the list file once it has been rewritten (same size, other content)
		touch func(t *testing.T, list string)
	}{
		{"NewTime", func(t *testing.T, list string) {}},
		{"DatedLikeAReproducibleZip", func(t *testing.T, list string) {
			require.NoError(t, os.Chtimes(list, stampEpoch, stampEpoch))
		}},
		{"DatedSOURCE_DATE_EPOCH", func(t *testing.T, list string) {
			at := time.Unix(1700000000, 0)
			require.NoError(t, os.Chtimes(list, at, at))
		}},
		{"DatedAsAnotherStampedFile", func(t *testing.T, list string) {
			other := ModTime([]byte("another list\n"))
			require.NoError(t, os.Chtimes(list, other, other))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, list := writeLarge(t)
			stampAll(t, path, list)
			data := mustRead(t, list)
			edited := strings.Replace(string(data), "banned000007\n", "newban00007\n\n", 1)
			require.Len(t, edited, len(data))
			require.NoError(t, os.WriteFile(list, []byte(edited), 0o644))
			tc.touch(t, list)

			p, err := Load(path)
			require.NoError(t, err)
			assert.False(t, p.Info().Indexed)
			assert.EqualError(t, p.Info().IndexIgnored, "the prepared index is stale: list file deny.txt has changed (its checksum differs)")
			assert.Equal(t, []string{"newban00007"}, p.Decide("@TOA#_x", "op", []string{"newban00007", "banned000007"}).Refused)
		})
	}
}

// TestStampCannotSeeAnEditWhoseTimeIsPutBack pins the limit ModTime documents: a large file
// rewritten with the same size and given back its stamped time is taken on its stamp. Removing the
// index (or touching the file) has it checked.
func TestStampCannotSeeAnEditWhoseTimeIsPutBack(t *testing.T) {
	path, list := writeLarge(t)
	stampAll(t, path, list)
	info, err := os.Stat(list)
	require.NoError(t, err)
	data := mustRead(t, list)
	require.NoError(t, os.WriteFile(list, []byte(strings.Replace(string(data), "banned000007", "newban000007", 1)), 0o644))
	require.NoError(t, os.Chtimes(list, info.ModTime(), info.ModTime()))
	p, err := Load(path)
	require.NoError(t, err)
	assert.True(t, p.Info().Indexed, "taken on its stamp")

	now := time.Now()
	require.NoError(t, os.Chtimes(list, now, now))
	p, err = Load(path)
	require.NoError(t, err)
	assert.ErrorIs(t, p.Info().IndexIgnored, ErrIndexStale)
	assert.Equal(t, []string{"newban000007"}, p.Decide("@TOA#_x", "op", []string{"newban000007", "banned000007"}).Refused)
}

func TestSmallFilesAreReadWhateverTheirTime(t *testing.T) {
	path, list := writeLarge(t)
	stampAll(t, path, list)
	info, err := os.Stat(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, []byte("deny_file: deny.txx\n"), 0o644)) // the same size
	require.NoError(t, os.Chtimes(path, info.ModTime(), info.ModTime()))
	_, ignored := loadIndex(Dir(filepath.Dir(path)), filepath.Base(path))
	assert.EqualError(t, ignored, "the prepared index is stale: policy file policy.yaml has changed (its checksum differs)")
}

func TestStampedIndexDamagedIsIgnored(t *testing.T) {
	path, list := writeLarge(t)
	stampAll(t, path, list)
	index := path + IndexSuffix
	info, err := os.Stat(index)
	require.NoError(t, err)
	data := mustRead(t, index)
	data[len(data)/2] ^= 0x5a
	require.NoError(t, os.WriteFile(index, data, 0o644))
	require.NotEqual(t, info.ModTime(), mustStat(t, index).ModTime())
	p, err := Load(path)
	require.NoError(t, err)
	assert.ErrorIs(t, p.Info().IndexIgnored, ErrIndexDamaged, "written again, it is checked")
}

func mustStat(t *testing.T, path string) os.FileInfo {
	t.Helper()
	info, err := os.Stat(path)
	require.NoError(t, err)
	return info
}

// TestUnstampedFilesAreReadWhole: a file that is not stamped has the checksum of all of it, whatever
// its size, and is read onto the heap: a later edit of the file in place, or cutting it short, does
// not reach the policy that was loaded from it.
func TestUnstampedFilesAreReadWhole(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{mapAtLeast - 1, mapAtLeast, 4<<20 - 1, 4 << 20, 4<<20 + 1, 8<<20 + 4099} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(i*31 + i>>13)
		}
		path := filepath.Join(dir, fmt.Sprint(size))
		require.NoError(t, os.WriteFile(path, data, 0o644))
		for _, tail := range []int{0, 4} {
			got, sum, stamped, release, err := mapFile(path, tail, func([]byte) uint32 { return 0 })
			require.NoError(t, err)
			assert.Equal(t, data, got)
			assert.Equal(t, crc32.ChecksumIEEE(data[:size-tail]), sum, "size %d tail %d", size, tail)
			assert.False(t, stamped)
			require.NoError(t, os.WriteFile(path, make([]byte, 10), 0o644)) // in place, and shorter
			assert.Equal(t, data, got, "what was read does not change with the file")
			require.NoError(t, os.WriteFile(path, data, 0o644))
			release()
		}
	}
}

// TestUnchangeableFilesAreMappedAndChecked: on a read-only file system (a Lambda or SCF code folder), a
// large file that is not stamped is used where it lies, its checksum computed a window at a time: all
// of it, whatever its size against the window.
func TestUnchangeableFilesAreMappedAndChecked(t *testing.T) {
	defer func(was func(string) bool) { canChange = was }(canChange)
	canChange = func(string) bool { return false }
	dir := t.TempDir()
	for _, size := range []int{mapAtLeast, sumWindow - 1, sumWindow, sumWindow + 1, 2*sumWindow + 4099} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(i*31 + i>>13)
		}
		path := filepath.Join(dir, fmt.Sprint(size))
		require.NoError(t, os.WriteFile(path, data, 0o644))
		for _, tail := range []int{0, 4} {
			got, sum, stamped, release, err := mapFile(path, tail, func([]byte) uint32 { return 0 })
			require.NoError(t, err)
			assert.Equal(t, data, got)
			assert.Equal(t, crc32.ChecksumIEEE(data[:size-tail]), sum, "size %d tail %d", size, tail)
			assert.False(t, stamped)
			release()
		}
	}
}
