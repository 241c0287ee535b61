package main

// make package, run in a copy of the repository: a failure (a broken policy, a build that does not
// compile) leaves the dist/ of the last good run as it was, and a good run replaces each folder
// whole.

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/internal/testkit"
)

func TestFailedPackageLeavesDistAlone(t *testing.T) {
	repo := testkit.CopyRepo(t, filepath.Join("..", ".."))
	dist := filepath.Join(repo, "dist")

	out, err := runMake(repo, "package-scf", "VERSION=v0.0.0-old")
	require.NoError(t, err, "%s", out)
	require.NoError(t, os.WriteFile(filepath.Join(dist, "scf", "stale.txt"), []byte("from an older package\n"), 0o644))
	before := snapshot(t, dist)

	t.Run("BrokenPolicy", func(t *testing.T) {
		broken := filepath.Join(t.TempDir(), "policy.yaml")
		require.NoError(t, os.WriteFile(broken, []byte("denny: [x]\n"), 0o644))
		out, err := runMake(repo, "package", "POLICY="+broken, "VERSION=v0.0.0-new")
		require.Error(t, err, "%s", out)
		assert.Contains(t, out, `line 1: unknown key "denny"`)
		assert.NotContains(t, out, "go build", "nothing is compiled for a broken policy")
		assert.Equal(t, before, snapshot(t, dist), "dist/ is as the last good run left it")
	})

	t.Run("BuildFails", func(t *testing.T) {
		main := filepath.Join(repo, "functions", "http", "main.go")
		good, err := os.ReadFile(main)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(main, append(good, []byte("\nthis does not compile\n")...), 0o644))
		t.Cleanup(func() { require.NoError(t, os.WriteFile(main, good, 0o644)) })
		out, err := runMake(repo, "package-scf", "VERSION=v0.0.0-new")
		require.Error(t, err, "%s", out)
		assert.Contains(t, out, "functions/http/main.go")
		assert.Equal(t, before, snapshot(t, dist), "dist/ is as the last good run left it")
	})

	t.Run("GoodRunReplacesEachFolderWhole", func(t *testing.T) {
		out, err := runMake(repo, "package-scf", "VERSION=v0.0.0-new")
		require.NoError(t, err, "%s", out)
		after := snapshot(t, dist)
		var top []string
		for name := range after {
			if !strings.Contains(name, "/") {
				top = append(top, name)
			}
		}
		slices.Sort(top)
		assert.Equal(t, []string{"scf", "scf-web", "scf-web.zip", "scf.zip"}, top, "nothing else, nothing half written, in dist/")
		assert.NotContains(t, after, "scf/stale.txt", "the folder is replaced whole")
		assert.NotEqual(t, before["scf/main"], after["scf/main"])

		zipped := zipSnapshot(t, filepath.Join(dist, "scf.zip"))
		laid := map[string]string{}
		for name, sum := range after {
			if rest, ok := strings.CutPrefix(name, "scf/"); ok && !strings.HasSuffix(sum, "/") {
				laid[rest] = sum
			}
		}
		assert.Equal(t, zipped, laid, "dist/scf/ holds what dist/scf.zip holds")

		if runtime.GOOS == "linux" && runtime.GOARCH == "amd64" { // the SCF binary runs here
			version, err := exec.Command(filepath.Join(dist, "scf", "main"), "-version").Output()
			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(string(version), "subgate v0.0.0-new ("), "%s", version)
		}
	})
}

// runMake runs make with args in repo.
func runMake(repo string, args ...string) (string, error) {
	cmd := exec.Command("make", append([]string{"--no-print-directory"}, args...)...)
	cmd.Dir = repo
	cmd.Env = testkit.Environ()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// snapshot is every file and folder under dir (hidden ones too): a file's SHA-256 and mode, a
// folder's mode and "/".
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			files[filepath.ToSlash(rel)] = info.Mode().String() + "/"
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		files[filepath.ToSlash(rel)] = hex.EncodeToString(sum[:]) + " " + info.Mode().String()
		return nil
	}))
	return files
}

// zipSnapshot is every file of a zip, as snapshot gives it.
func zipSnapshot(t *testing.T, archive string) map[string]string {
	t.Helper()
	zr, err := zip.OpenReader(archive)
	require.NoError(t, err)
	defer zr.Close()
	files := map[string]string{}
	for _, f := range zr.File {
		r, err := f.Open()
		require.NoError(t, err)
		data, err := io.ReadAll(r)
		r.Close()
		require.NoError(t, err)
		sum := sha256.Sum256(data)
		files[f.Name] = hex.EncodeToString(sum[:]) + " " + f.Mode().String()
	}
	return files
}
