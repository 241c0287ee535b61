package bundle

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzRead: Read never panics, refuses with one of its errors, and accepts only what verifies:
// when it accepts, archive/zip (checking each CRC-32) reads one bundle.json, each file it lists
// once, matching its SHA-256, nothing else but folders of those files, and the revision is theirs.
func FuzzRead(f *testing.F) {
	data := mustMake(f)
	f.Add(data)
	f.Add(data[:len(data)/2])
	f.Add(withManifest(f, func(m *manifest) { m.Version = 2 }))
	f.Add(withManifest(f, func(m *manifest) { m.Files[3].Name = "lists/other.txt" }))
	files := membersOf(f, data)
	f.Add(zipOf(f, backward(files), func(zw *zip.Writer, m member) { deflate(f, zw, m) }))
	f.Add(zipOf(f, append(files, member{name: "lists/"}), func(zw *zip.Writer, m member) { storeRaw(f, zw, m) }))
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte("PK\x05\x06\x00\x00\x00\x00\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Read(data)
		if err != nil {
			assert.Nil(t, b)
			if !errors.Is(err, ErrDamaged) && !errors.Is(err, ErrNotBundle) && !errors.Is(err, ErrVersion) && !errors.Is(err, ErrTooBig) {
				t.Fatalf("Read refused with an error of no kind: %v", err)
			}
			return
		}
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		require.NoError(t, err)
		byName := map[string][]byte{}
		for _, f := range zr.File {
			_, twice := byName[f.Name]
			require.False(t, twice, f.Name)
			r, err := f.Open()
			require.NoError(t, err, f.Name)
			content, err := io.ReadAll(r)
			require.NoError(t, err, f.Name)
			byName[f.Name] = content
		}
		var m manifest
		require.NoError(t, json.Unmarshal(byName[ManifestName], &m))
		listed := map[string]bool{ManifestName: true}
		for _, entry := range m.Files {
			content, ok := byName[entry.Name]
			require.True(t, ok, entry.Name)
			sum := sha256.Sum256(content)
			assert.Equal(t, entry.SHA256, hex.EncodeToString(sum[:]), entry.Name)
			got, err := b.Files().ReadFile(entry.Name)
			require.NoError(t, err)
			assert.Equal(t, content, got, entry.Name)
			listed[entry.Name] = true
		}
		for name, content := range byName {
			if listed[name] {
				continue
			}
			assert.True(t, strings.HasSuffix(name, "/"), "%s, which the manifest does not list, is a folder", name)
			assert.Empty(t, content, name)
		}
		got, ok := revision(m.Files)
		assert.True(t, ok)
		assert.Equal(t, got, b.Revision())
		_, _ = b.Load() // a bundle that verifies may still hold a policy the loader refuses, never one that panics
	})
}
