package bundle

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzRead: Read never panics, refuses with one of its errors, and accepts only what verifies:
// when it accepts, archive/zip (checking each CRC-32) reads the same files, each matches its
// SHA-256 in the manifest, and the revision is theirs.
func FuzzRead(f *testing.F) {
	data := mustMake(f)
	f.Add(data)
	f.Add(data[:len(data)/2])
	f.Add(withManifest(f, func(m *manifest) { m.Version = 2 }))
	f.Add(withManifest(f, func(m *manifest) { m.Files[3].Name = "lists/other.txt" }))
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
		require.Equal(t, ManifestName, zr.File[0].Name)
		var m manifest
		r, err := zr.File[0].Open()
		require.NoError(t, err)
		require.NoError(t, jsonDecode(r, &m))
		require.Len(t, zr.File, len(m.Files)+1)
		for i, entry := range m.Files {
			r, err := zr.File[i+1].Open()
			require.NoError(t, err)
			content, err := io.ReadAll(r)
			require.NoError(t, err, entry.Name)
			sum := sha256.Sum256(content)
			assert.Equal(t, entry.SHA256, hex.EncodeToString(sum[:]), entry.Name)
			got, err := b.Files().ReadFile(entry.Name)
			require.NoError(t, err)
			assert.Equal(t, content, got, entry.Name)
		}
		got, ok := revision(m.Files)
		assert.True(t, ok)
		assert.Equal(t, got, b.Revision())
		_, _ = b.Load() // a bundle that verifies may still hold a policy the loader refuses, never one that panics
	})
}
