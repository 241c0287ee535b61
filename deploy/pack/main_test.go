package main

import (
	"archive/zip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/pkg/policy"
)

func TestPackZipAndDir(t *testing.T) {
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "main")
	require.NoError(t, os.WriteFile(bin, []byte("binary"), 0o600))

	files := []entry{{name: "main", src: bin, mode: 0o755}}
	withPolicy, err := policyEntries("../policy.example.yaml")
	require.NoError(t, err)
	files = append(files, withPolicy...)
	out, dir := filepath.Join(tmp, "out.zip"), filepath.Join(tmp, "dir")
	require.NoError(t, write(out, files, zipEpoch))
	require.NoError(t, lay(dir, files))

	zr, err := zip.OpenReader(out)
	require.NoError(t, err)
	defer zr.Close()
	modes := map[string]fs.FileMode{}
	for _, f := range zr.File {
		modes[f.Name] = f.Mode()
	}
	want := map[string]fs.FileMode{"main": 0o755, "policy.yaml": 0o644, "lists/banned.txt": 0o644}
	assert.Equal(t, want, modes)

	for name, mode := range want {
		info, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err, name)
		assert.Equal(t, mode, info.Mode().Perm(), name)
	}
	got, err := os.ReadFile(filepath.Join(dir, "lists/banned.txt"))
	require.NoError(t, err)
	listed, err := os.ReadFile("../lists/banned.txt")
	require.NoError(t, err)
	assert.Equal(t, listed, got)

	// Laying a file onto itself (a binary built into the folder) keeps it and sets its mode.
	require.NoError(t, lay(dir, []entry{{name: "main", src: filepath.Join(dir, "main"), mode: 0o755}}))
	got, err = os.ReadFile(filepath.Join(dir, "main"))
	require.NoError(t, err)
	assert.Equal(t, "binary", string(got))
}

func TestPackRefusesPolicies(t *testing.T) {
	tmp := t.TempDir()
	outside := filepath.Join(tmp, "p", "policy.yaml")
	require.NoError(t, os.MkdirAll(filepath.Dir(outside), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(tmp, "up.txt"), []byte("x\n"), 0o644))
	require.NoError(t, os.WriteFile(outside, []byte("deny_file: ../up.txt\n"), 0o644))
	_, err := policyEntries(outside)
	assert.EqualError(t, err, "policy "+outside+": list file ../up.txt must be in the policy's folder or below it to be packaged")

	broken := filepath.Join(tmp, "broken.yaml")
	require.NoError(t, os.WriteFile(broken, []byte("denny: [x]\n"), 0o644))
	_, err = policyEntries(broken)
	assert.ErrorContains(t, err, `unknown key "denny"`)
}

func TestPackPreparesTheIndex(t *testing.T) {
	tmp := t.TempDir()
	files, err := policyEntries("../policy.example.yaml")
	require.NoError(t, err)
	index, err := indexEntry("../policy.example.yaml")
	require.NoError(t, err)
	assert.Equal(t, "policy.yaml.index", index.name)
	files = append(files, index)
	dir := filepath.Join(tmp, "dir")
	require.NoError(t, write(filepath.Join(tmp, "out.zip"), files, zipEpoch))
	require.NoError(t, lay(dir, files))

	// The laid-out policy is read from its index, and decides as the example policy does.
	want, err := policy.Load("../policy.example.yaml")
	require.NoError(t, err)
	got, err := policy.Load(filepath.Join(dir, "policy.yaml"))
	require.NoError(t, err)
	for _, ids := range [][]string{{"jared", "leckie"}, {"spammer42", "scam_1", "banned_x", "fine"}} {
		assert.Equal(t, want.Decide("@TOA#_test_for_penn", "107867", ids), got.Decide("@TOA#_test_for_penn", "107867", ids))
	}
	prepared, err := os.ReadFile(filepath.Join(dir, "policy.yaml.index"))
	require.NoError(t, err)
	assert.Equal(t, index.data, prepared)
}

func TestLayReplacesTheFolderWhole(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "dir")
	require.NoError(t, lay(dir, []entry{
		{name: "policy.yaml.index", data: []byte("old index"), mode: 0o600},
		{name: "lists/stale.txt", data: []byte("x\n"), mode: 0o644},
	}))
	held, err := os.Open(filepath.Join(dir, "policy.yaml.index"))
	require.NoError(t, err)
	defer held.Close()

	require.NoError(t, lay(dir, []entry{{name: "policy.yaml.index", data: []byte("new"), mode: 0o644}}))
	assert.Equal(t, []string{"policy.yaml.index"}, names(t, dir), "the folder holds exactly the new files")
	got, err := os.ReadFile(filepath.Join(dir, "policy.yaml.index"))
	require.NoError(t, err)
	assert.Equal(t, "new", string(got))
	info, err := os.Stat(filepath.Join(dir, "policy.yaml.index"))
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o644), info.Mode().Perm())
	info, err = os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o755), info.Mode().Perm())
	// A reader of the old file still reads it whole; nothing temporary is left beside the folder.
	stillOld, err := io.ReadAll(held)
	require.NoError(t, err)
	assert.Equal(t, "old index", string(stillOld))
	assert.Equal(t, []string{"dir"}, names(t, tmp))
}

func TestFailedPackLeavesTheOldZipAndFolder(t *testing.T) {
	tmp := t.TempDir()
	dir, out := filepath.Join(tmp, "dir"), filepath.Join(tmp, "out.zip")
	good := []entry{{name: "main", data: []byte("old binary"), mode: 0o755}}
	require.NoError(t, lay(dir, good))
	require.NoError(t, write(out, good, zipEpoch))
	oldZip, err := os.ReadFile(out)
	require.NoError(t, err)

	missing := append(good, entry{name: "policy.yaml", src: filepath.Join(tmp, "missing.yaml"), mode: 0o644})
	assert.ErrorIs(t, lay(dir, missing), fs.ErrNotExist)
	assert.ErrorIs(t, write(out, missing, zipEpoch), fs.ErrNotExist)

	assert.Equal(t, []string{"main"}, names(t, dir))
	got, err := os.ReadFile(filepath.Join(dir, "main"))
	require.NoError(t, err)
	assert.Equal(t, "old binary", string(got))
	gotZip, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, oldZip, gotZip)
	assert.Equal(t, []string{"dir", "out.zip"}, names(t, tmp), "nothing half written is left beside them")

	file := filepath.Join(tmp, "out.zip")
	assert.EqualError(t, lay(file, good), file+" is not a folder")
}

// The same inputs give the same zip, byte for byte, whenever and wherever it is made; the
// executables are dated 1980-01-01 00:00 (MS-DOS date 1980-01-01: day 1, month 1, year 0), the
// policy's files by their stamps.
func TestZipsAreReproducible(t *testing.T) {
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "main")
	require.NoError(t, os.WriteFile(bin, []byte("binary"), 0o755))
	pack := func(out string) []byte {
		files := []entry{{name: "main", src: bin, mode: 0o755}}
		withPolicy, err := policyEntries("../policy.example.yaml")
		require.NoError(t, err)
		index, err := indexEntry("../policy.example.yaml")
		require.NoError(t, err)
		require.NoError(t, write(out, append(append(files, withPolicy...), index), zipEpoch))
		data, err := os.ReadFile(out)
		require.NoError(t, err)
		return data
	}
	first := pack(filepath.Join(tmp, "a.zip"))
	later := time.Now().Add(time.Hour)
	require.NoError(t, os.Chtimes(bin, later, later))
	second := pack(filepath.Join(tmp, "b.zip"))
	assert.Equal(t, first, second)

	zr, err := zip.OpenReader(filepath.Join(tmp, "a.zip"))
	require.NoError(t, err)
	defer zr.Close()
	require.Len(t, zr.File, 4)
	for _, f := range zr.File {
		if f.Name == "main" {
			assert.Equal(t, uint16(1<<5|1), f.ModifiedDate, "%s: MS-DOS date 1980-01-01", f.Name)
			assert.Equal(t, uint16(0), f.ModifiedTime, "%s: 00:00:00", f.Name)
			assert.True(t, f.Modified.Equal(time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)), "%s: %s", f.Name, f.Modified)
			continue
		}
		data := unzipped(t, f)
		want := policy.ModTime(data)
		if f.Name == "policy.yaml.index" {
			want = policy.IndexModTime(data)
		}
		assert.True(t, f.Modified.Equal(want), "%s: %s, stamped %s", f.Name, f.Modified, want)
	}
}

// TestPolicyFilesAreStamped: laid out, or unzipped by a tool that keeps the zip's dates, a large
// list and its index are taken on their stamps at start, without being read.
func TestPolicyFilesAreStamped(t *testing.T) {
	tmp := t.TempDir()
	src := filepath.Join(tmp, "src")
	require.NoError(t, os.MkdirAll(filepath.Join(src, "lists"), 0o755))
	var list strings.Builder
	for i := range 20_000 {
		fmt.Fprintf(&list, "banned%06d\n", i)
	}
	require.NoError(t, os.WriteFile(filepath.Join(src, "lists", "deny.txt"), []byte(list.String()), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(src, "policy.yaml"), []byte("deny_file: lists/deny.txt\n"), 0o644))
	files, err := policyEntries(filepath.Join(src, "policy.yaml"))
	require.NoError(t, err)
	index, err := indexEntry(filepath.Join(src, "policy.yaml"))
	require.NoError(t, err)
	files = append(files, index)
	dir, out := filepath.Join(tmp, "dir"), filepath.Join(tmp, "out.zip")
	require.NoError(t, lay(dir, files))
	require.NoError(t, write(out, files, zipEpoch))

	// What a platform does with the zip: unpack it, dating each file as the zip does.
	unpacked := filepath.Join(tmp, "unpacked")
	zr, err := zip.OpenReader(out)
	require.NoError(t, err)
	defer zr.Close()
	for _, f := range zr.File {
		path := filepath.Join(unpacked, filepath.FromSlash(f.Name))
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, unzipped(t, f), 0o644))
		require.NoError(t, os.Chtimes(path, f.Modified, f.Modified))
	}

	for _, folder := range []string{dir, unpacked} {
		p, err := policy.Load(filepath.Join(folder, "policy.yaml"))
		require.NoError(t, err)
		assert.True(t, p.Info().Indexed, folder)
		assert.Equal(t, 2, p.Info().Stamped, "%s: the list file and the index (policy.yaml is small and always read)", folder)
		assert.Equal(t, []string{"banned000042"}, p.Decide("@TOA#_x", "op", []string{"fine", "banned000042"}).Refused)
	}

	// Edited after make package, the list is read, found changed, and decides.
	edited := filepath.Join(dir, "lists", "deny.txt")
	data, err := os.ReadFile(edited)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(edited, []byte(strings.Replace(string(data), "banned000042", "newban000042", 1)), 0o644))
	p, err := policy.Load(filepath.Join(dir, "policy.yaml"))
	require.NoError(t, err)
	assert.ErrorIs(t, p.Info().IndexIgnored, policy.ErrIndexStale)
	assert.Equal(t, []string{"newban000042"}, p.Decide("@TOA#_x", "op", []string{"banned000042", "newban000042"}).Refused)
}

func unzipped(t *testing.T, f *zip.File) []byte {
	t.Helper()
	r, err := f.Open()
	require.NoError(t, err)
	defer r.Close()
	data, err := io.ReadAll(r)
	require.NoError(t, err)
	return data
}

func TestZipTime(t *testing.T) {
	tests := []struct {
		name, epoch string
		want        time.Time
		err         string
	}{
		{name: "Unset", want: time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)},
		{name: "SourceDateEpoch", epoch: "1700000000", want: time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC)},
		{name: "BeforeZipsBegin", epoch: "0", want: time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)},
		{name: "NotANumber", epoch: "yesterday", err: `SOURCE_DATE_EPOCH="yesterday": want Unix seconds, such as $(git log -1 --format=%ct)`},
		{name: "Negative", epoch: "-1", err: `SOURCE_DATE_EPOCH="-1": want Unix seconds, such as $(git log -1 --format=%ct)`},
		{name: "AfterZipsEnd", epoch: "4354819200", err: "SOURCE_DATE_EPOCH=4354819200 is after 2107, the last year a zip can hold"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := zipTime(tt.epoch)
			if tt.err != "" {
				assert.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.True(t, tt.want.Equal(got), "%s", got)
		})
	}

	// A SOURCE_DATE_EPOCH date is the entries' date, to the second (MS-DOS dates count in 2 s).
	out := filepath.Join(t.TempDir(), "out.zip")
	when := time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC)
	require.NoError(t, write(out, []entry{{name: "main", data: []byte("x"), mode: 0o755}}, when))
	zr, err := zip.OpenReader(out)
	require.NoError(t, err)
	defer zr.Close()
	assert.True(t, when.Equal(zr.File[0].Modified), "%s", zr.File[0].Modified)
	assert.Equal(t, uint16((2023-1980)<<9|11<<5|14), zr.File[0].ModifiedDate)
}

// names lists a folder's entries.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var list []string
	for _, e := range entries {
		list = append(list, e.Name())
	}
	return list
}
