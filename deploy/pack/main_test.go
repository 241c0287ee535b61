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
	require.NoError(t, write(out, files))
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
	require.NoError(t, write(filepath.Join(tmp, "out.zip"), files))
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
	require.NoError(t, write(out, good))
	oldZip, err := os.ReadFile(out)
	require.NoError(t, err)

	missing := append(good, entry{name: "policy.yaml", src: filepath.Join(tmp, "missing.yaml"), mode: 0o644})
	assert.ErrorIs(t, lay(dir, missing), fs.ErrNotExist)
	assert.ErrorIs(t, write(out, missing), fs.ErrNotExist)

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

// The same inputs give the same zip, byte for byte, whenever and wherever it is made, whatever the
// files' dates: every entry is dated 2000-01-01 00:00 UTC (MS-DOS date: day 1, month 1, year 20).
func TestZipsAreReproducible(t *testing.T) {
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "main")
	require.NoError(t, os.WriteFile(bin, []byte("binary"), 0o755))
	src := filepath.Join(tmp, "src")
	require.NoError(t, os.MkdirAll(filepath.Join(src, "lists"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(src, "policy.yaml"), []byte("deny_file: lists/deny.txt\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(src, "lists", "deny.txt"), []byte("spammer42\n"), 0o644))
	pack := func(out string) []byte {
		files := []entry{{name: "main", src: bin, mode: 0o755}}
		withPolicy, err := policyEntries(filepath.Join(src, "policy.yaml"))
		require.NoError(t, err)
		index, err := indexEntry(filepath.Join(src, "policy.yaml"))
		require.NoError(t, err)
		require.NoError(t, write(out, append(append(files, withPolicy...), index)))
		data, err := os.ReadFile(out)
		require.NoError(t, err)
		return data
	}
	first := pack(filepath.Join(tmp, "a.zip"))
	later := time.Now().Add(time.Hour)
	for _, file := range []string{bin, filepath.Join(src, "policy.yaml"), filepath.Join(src, "lists", "deny.txt")} {
		require.NoError(t, os.Chtimes(file, later, later))
	}
	second := pack(filepath.Join(tmp, "b.zip"))
	assert.Equal(t, first, second)

	zr, err := zip.OpenReader(filepath.Join(tmp, "a.zip"))
	require.NoError(t, err)
	defer zr.Close()
	var entries []string
	for _, f := range zr.File {
		entries = append(entries, f.Name)
		assert.Equal(t, uint16(20<<9|1<<5|1), f.ModifiedDate, "%s: MS-DOS date 2000-01-01", f.Name)
		assert.Equal(t, uint16(0), f.ModifiedTime, "%s: 00:00:00", f.Name)
		assert.True(t, f.Modified.Equal(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)), "%s: %s", f.Name, f.Modified)
	}
	assert.Equal(t, []string{"main", "policy.yaml", "lists/deny.txt", "policy.yaml.index"}, entries)
}

// TestUnpackedZipIsReadFromItsIndex: laid out, or unzipped by any tool (its dates kept or not), a
// large list is read from its index at start; edited after make package, it is found changed.
func TestUnpackedZipIsReadFromItsIndex(t *testing.T) {
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
	require.NoError(t, write(out, files))

	// What a platform does with the zip: unpack it, each file dated now.
	unpacked := filepath.Join(tmp, "unpacked")
	zr, err := zip.OpenReader(out)
	require.NoError(t, err)
	defer zr.Close()
	for _, f := range zr.File {
		path := filepath.Join(unpacked, filepath.FromSlash(f.Name))
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, unzipped(t, f), 0o644))
	}

	for _, folder := range []string{dir, unpacked} {
		p, err := policy.Load(filepath.Join(folder, "policy.yaml"))
		require.NoError(t, err)
		assert.True(t, p.Info().Indexed, folder)
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
