package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/pkg/bundle"
	"github.com/subgate/subgate/pkg/policy"
)

func TestBundle(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "policy.bundle")
	r := subgate(t, nil, "bundle", "testdata/policy.yaml", "-o", file)
	require.Equal(t, exitOK, r.exit, r.stderr)
	golden(t, "bundle", result{stdout: strings.ReplaceAll(r.stdout, dir, "TMP"), stderr: r.stderr})

	data, err := os.ReadFile(file)
	require.NoError(t, err)
	b, err := bundle.Read(data)
	require.NoError(t, err, "the file is a bundle, verified whole")
	assert.Equal(t, testNow, b.Created(), "made at the command's time")
	fromBundle, err := b.Load()
	require.NoError(t, err)
	fromFile, err := policy.Load("testdata/policy.yaml")
	require.NoError(t, err)
	assert.Equal(t, fromFile.Info().Revision, fromBundle.Info().Revision)
	assert.Contains(t, r.stdout, "wrote "+file+": revision "+fromFile.Info().Revision+", ")
	info, err := os.Stat(file)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), info.Mode().Perm())

	r = subgate(t, nil, "bundle", "testdata/policy.yaml", "-o", file, "-json")
	require.Equal(t, exitOK, r.exit, r.stderr)
	assert.JSONEq(t, `{"file":"`+file+`","revision":"`+b.Revision()+`","policy":"`+fromFile.Info().Revision+`","size":`+
		strconv.FormatInt(info.Size(), 10)+`,"created":"2026-11-26T12:00:00Z","counts":{"exact_ids":3,"patterns":4,"channels":4,"groups":0,"trusted_operators":1},"list_files":["lists/banned.txt"]}`,
		r.stdout)
}

// A policy the loader refuses is refused with its message (file and line), exit status 1, and no
// file is written: an existing bundle stays as it was.
func TestBundleRefusesAnInvalidPolicy(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "policy.bundle")
	r := subgate(t, nil, "bundle", "testdata/invalid.yaml", "-o", file)
	assert.Equal(t, exitFail, r.exit)
	assert.Empty(t, r.stdout)
	assert.Equal(t, "subgate bundle: policy testdata/invalid.yaml: line 2: unknown key \"denny\" in the policy (known keys: default, mode, trusted_operators, deny, deny_file, allow, allow_file, max_subscribers, max_members, channels, groups)\n", r.stderr)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "no file is written, not even a temporary one")

	require.Equal(t, exitOK, subgate(t, nil, "bundle", "testdata/policy.yaml", "-o", file).exit)
	before, err := os.ReadFile(file)
	require.NoError(t, err)
	r = subgate(t, nil, "bundle", "testdata/invalid.yaml", "-o", file)
	assert.Equal(t, exitFail, r.exit)
	after, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, before, after, "the last good bundle is left as it was")

	r = subgate(t, nil, "bundle", file, "-o", filepath.Join(dir, "again.bundle"))
	assert.Equal(t, exitFail, r.exit)
	assert.Equal(t, "subgate bundle: "+file+" is a bundle already: give the policy file it was made from\n", r.stderr)

	r = subgate(t, nil, "bundle", "testdata/policy.yaml", "-o", filepath.Join(dir, "no-such-folder", "p.bundle"))
	assert.Equal(t, exitFail, r.exit)
	assert.Contains(t, r.stderr, "subgate bundle: ")
}

// writeDamaged writes the bundle at src to dst with one byte of its policy changed.
func writeDamaged(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	require.NoError(t, err)
	i := strings.Index(string(data), "trusted_operators")
	require.Positive(t, i)
	data[i] = 'T'
	require.NoError(t, os.WriteFile(dst, data, 0o644))
}
