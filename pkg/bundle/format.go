package bundle

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/subgate/subgate/pkg/policy"
)

const (
	// PolicyName is the policy's name in a bundle: policy.LoadFrom(b.Files(), PolicyName) loads it.
	PolicyName = "policy.yaml"
	// ManifestName is the manifest's name. Make writes it first; Read finds it by its name.
	ManifestName = "bundle.json"
	// Format is the name the manifest gives the format.
	Format = "subgate policy bundle"
	// Version is the format version this package writes and the only one it reads.
	Version = 1
	// MaxSize is the largest bundle Read accepts and Make writes: 256 MiB.
	MaxSize = 256 << 20
	// MaxFiles is the most entries a bundle's zip holds: the manifest, the files and any folders.
	MaxFiles = 10_000
)

// indexName is the prepared index's name in a bundle.
const indexName = PolicyName + ".index"

// maxManifest bounds the manifest: about 150 bytes a file, so MaxFiles fit with room to spare.
const maxManifest = 4 << 20

// manifest is bundle.json. Make writes it with encoding/json, with two-space indents; Read takes any
// JSON object of these keys (an unknown key is an error), however it is laid out.
type manifest struct {
	Format   string      `json:"format"`
	Version  int         `json:"version"`
	Revision string      `json:"revision"`
	Created  string      `json:"created"` // RFC 3339, UTC, whole seconds
	Files    []fileEntry `json:"files"`   // policy.yaml, policy.yaml.index, then the list files by name
}

type fileEntry struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// content is what a bundle holds: the manifest, its encoding and the files it lists, in its order.
type content struct {
	manifest manifest
	encoded  []byte
	created  time.Time
	files    [][]byte
}

// newContent describes files (names in manifest order, the policy first, then the index, then the
// lists by name) made at created.
func newContent(names []string, files [][]byte, created time.Time) (*content, error) {
	created = created.UTC().Truncate(time.Second)
	m := manifest{Format: Format, Version: Version, Created: created.Format(time.RFC3339)}
	for i, name := range names {
		m.Files = append(m.Files, entryOf(name, files[i]))
	}
	m.Revision, _ = revision(m.Files) // the SHA-256s were just computed
	encoded, err := encodeManifest(m)
	if err != nil {
		return nil, err
	}
	return &content{manifest: m, encoded: encoded, created: created, files: files}, nil
}

func encodeManifest(m manifest) ([]byte, error) {
	encoded, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(encoded, '\n'), nil
}

func entryOf(name string, data []byte) fileEntry {
	sum := sha256.Sum256(data)
	return fileEntry{Name: name, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
}

// revision is the revision of the policy and list files listed (policy.RevisionOf): every file but
// the index, by the SHA-256 the manifest gives it; false when a SHA-256 is not 64 hex digits.
func revision(files []fileEntry) (string, bool) {
	var policySum [sha256.Size]byte
	lists := make(map[string][sha256.Size]byte, len(files))
	for _, f := range files {
		var sum [sha256.Size]byte
		if n, err := hex.Decode(sum[:], []byte(f.SHA256)); err != nil || n != sha256.Size || len(f.SHA256) != 2*sha256.Size {
			return "", false
		}
		switch f.Name {
		case PolicyName:
			policySum = sum
		case indexName:
		default:
			lists[f.Name] = sum
		}
	}
	return policy.RevisionOf(policySum, lists), true
}

// write writes the bundle as Make makes it: the manifest, then each file, stored, with the creation
// time and mode 0644.
func (c *content) write(w io.Writer) error {
	zw := zip.NewWriter(w)
	entries := append([][]byte{c.encoded}, c.files...)
	for i, data := range entries {
		name := ManifestName
		if i > 0 {
			name = c.manifest.Files[i-1].Name
		}
		h := &zip.FileHeader{Name: name, Method: zip.Store, Modified: c.created}
		h.SetMode(0o644)
		fw, err := zw.CreateHeader(h)
		if err == nil {
			_, err = fw.Write(data)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return zw.Close()
}
