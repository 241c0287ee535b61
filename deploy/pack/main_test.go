package main

import (
	"archive/zip"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

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

	// Laying a file onto itself (the binary is built into the folder) keeps it and sets its mode.
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

func TestLayReplacesFilesWhole(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "dir")
	old := []entry{{name: "policy.yaml.index", data: []byte("old index"), mode: 0o600}}
	require.NoError(t, lay(dir, old))
	held, err := os.Open(filepath.Join(dir, "policy.yaml.index"))
	require.NoError(t, err)
	defer held.Close()

	require.NoError(t, lay(dir, []entry{{name: "policy.yaml.index", data: []byte("new"), mode: 0o644}}))
	got, err := os.ReadFile(filepath.Join(dir, "policy.yaml.index"))
	require.NoError(t, err)
	assert.Equal(t, "new", string(got))
	info, err := os.Stat(filepath.Join(dir, "policy.yaml.index"))
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o644), info.Mode().Perm())
	// A reader of the old file still reads it whole; no temporary file is left behind.
	stillOld, err := io.ReadAll(held)
	require.NoError(t, err)
	assert.Equal(t, "old index", string(stillOld))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1)
}
