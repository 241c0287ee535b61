package bundle

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"time"

	"github.com/subgate/subgate/pkg/policy"
)

// Why Read refuses a file; every error it returns wraps one of these.
var (
	// ErrNotBundle: the file is not a policy bundle (not a zip, or a zip without the manifest).
	ErrNotBundle = errors.New("not a policy bundle")
	// ErrVersion: the bundle is of another format version than Version.
	ErrVersion = errors.New("policy bundle of another format version")
	// ErrTooBig: the bundle is over MaxSize, or holds more than MaxFiles files.
	ErrTooBig = errors.New("policy bundle too big")
	// ErrDamaged: the bundle is truncated or altered: a checksum, a size, the list of files or the
	// zip structure is not what it was written as.
	ErrDamaged = errors.New("damaged policy bundle")
)

// Bundle is a verified bundle. Its files are the bytes Read was given, not copies: they must not
// be modified while the bundle, or a policy loaded from it, is in use.
type Bundle struct {
	revision string
	created  time.Time
	files    files
}

// Revision is the bundle's revision: the SHA-256, hex, of its policy and list files (see the
// package documentation).
func (b *Bundle) Revision() string { return b.revision }

// Created is when the bundle was made, to the second, in UTC.
func (b *Bundle) Created() time.Time { return b.created }

// Files gives the bundle's policy, list files and index to the policy loader by name:
// policy.LoadFrom(b.Files(), PolicyName) loads the policy, reading it from the prepared index
// where it lies in the bundle. Names are cleaned before they are looked up.
func (b *Bundle) Files() policy.Files { return b.files }

// Load loads the bundle's policy: policy.LoadFrom(b.Files(), PolicyName).
func (b *Bundle) Load() (*policy.Policy, error) {
	return policy.LoadFrom(b.files, PolicyName)
}

// files are a bundle's files by their stored (clean) names.
type files map[string][]byte

func (f files) ReadFile(name string) ([]byte, error) {
	if data, ok := f[path.Clean(name)]; ok {
		return data, nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

const (
	localHeaderMagic = "PK\x03\x04" // a zip file starts with a file's local header
	endMagic         = "PK\x05\x06" // the end of central directory record
	endLen           = 22           // its length without a comment; a bundle's has none
)

// Read verifies data as a bundle and returns it. Every check is made before anything is used: the
// size, the format and its version, the manifest, that the bundle holds exactly the files the
// manifest lists, each file's size and SHA-256, the revision, and that data is byte for byte the
// bundle Make writes for that content. Anything else is refused with an error wrapping
// ErrNotBundle, ErrVersion, ErrTooBig or ErrDamaged that says what is wrong.
func Read(data []byte) (*Bundle, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%w: it is %d bytes; a bundle is at most %d (256 MiB)", ErrTooBig, len(data), MaxSize)
	}
	if !bytes.HasPrefix(data, []byte(localHeaderMagic)) {
		return nil, fmt.Errorf("%w: it is not a zip file (make one with subgate bundle)", ErrNotBundle)
	}
	// A bundle ends with the zip directory's end record, without a comment. Its count of files is
	// checked before archive/zip reads the directory, so a file claiming millions of entries costs
	// nothing.
	if len(data) < endLen || string(data[len(data)-endLen:][:4]) != endMagic {
		return nil, fmt.Errorf("%w: it does not end with a zip directory (truncated, or bytes added after it)", ErrDamaged)
	}
	if n := binary.LittleEndian.Uint16(data[len(data)-endLen+10:]); n > MaxFiles {
		return nil, fmt.Errorf("%w: it holds %d files; a bundle holds at most %d", ErrTooBig, n, MaxFiles)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDamaged, err)
	}
	if len(zr.File) == 0 || zr.File[0].Name != ManifestName {
		return nil, fmt.Errorf("%w: it is a zip file, but its first file is not %s", ErrNotBundle, ManifestName)
	}
	m, encoded, err := readManifest(zr.File[0])
	if err != nil {
		return nil, err
	}
	created, err := time.Parse(time.RFC3339, m.Created)
	if err != nil || created.UTC().Format(time.RFC3339) != m.Created {
		return nil, fmt.Errorf("%w: %s: created %q is not an RFC 3339 time in UTC", ErrDamaged, ManifestName, m.Created)
	}
	created = created.UTC()
	if err := sameFiles(m.Files, zr.File[1:]); err != nil {
		return nil, err
	}
	c := &content{manifest: m, encoded: encoded, created: created, files: make([][]byte, len(m.Files))}
	b := &Bundle{revision: m.Revision, created: created, files: make(files, len(m.Files))}
	for i, entry := range m.Files {
		file, err := contentOf(zr.File[i+1], entry, data)
		if err != nil {
			return nil, err
		}
		c.files[i] = file
		b.files[entry.Name] = file
	}
	if got, ok := revision(m.Files); !ok || got != m.Revision {
		return nil, fmt.Errorf("%w: %s: revision %s is not the revision of its files (%s)", ErrDamaged, ManifestName, m.Revision, got)
	}
	if same, at := c.equal(data); !same {
		return nil, fmt.Errorf("%w: its zip structure differs at byte %d from the bundle of its content (altered, or not written by subgate bundle)", ErrDamaged, at)
	}
	return b, nil
}

// readManifest reads and checks bundle.json: the format and version first, so that a bundle of
// another version is named as such whatever else it holds, then the rest strictly.
func readManifest(f *zip.File) (manifest, []byte, error) {
	var m manifest
	if f.Method != zip.Store || f.UncompressedSize64 > maxManifest {
		return m, nil, fmt.Errorf("%w: %s is compressed or over %d bytes", ErrDamaged, ManifestName, maxManifest)
	}
	r, err := f.Open()
	if err != nil {
		return m, nil, fmt.Errorf("%w: %s: %w", ErrDamaged, ManifestName, err)
	}
	defer r.Close()
	encoded, err := io.ReadAll(io.LimitReader(r, maxManifest))
	if err != nil { // archive/zip checks the CRC-32 at the end
		return m, nil, fmt.Errorf("%w: %s: %w", ErrDamaged, ManifestName, err)
	}
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(encoded, &head); err != nil || head.Format != Format {
		return m, nil, fmt.Errorf("%w: %s does not name the format %q", ErrNotBundle, ManifestName, Format)
	}
	if head.Version != Version {
		return m, nil, fmt.Errorf("%w: the bundle is format version %d; this subgate reads version %d (make the bundle with the subgate the function runs)",
			ErrVersion, head.Version, Version)
	}
	dec := json.NewDecoder(bytes.NewReader(encoded))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return m, nil, fmt.Errorf("%w: %s: %w", ErrDamaged, ManifestName, err)
	}
	if again, err := encodeManifest(m); err != nil || !bytes.Equal(again, encoded) {
		return m, nil, fmt.Errorf("%w: %s is not in the form subgate writes it", ErrDamaged, ManifestName)
	}
	if len(m.Files) < 2 || m.Files[0].Name != PolicyName || m.Files[1].Name != indexName {
		return m, nil, fmt.Errorf("%w: %s must list %s and %s first", ErrDamaged, ManifestName, PolicyName, indexName)
	}
	for i, f := range m.Files {
		if i >= 2 && checkName(f.Name) != nil {
			return m, nil, fmt.Errorf("%w: %s lists %q, a name no bundle holds", ErrDamaged, ManifestName, f.Name)
		}
		if len(f.SHA256) != 2*sha256.Size {
			return m, nil, fmt.Errorf("%w: %s: %s: sha256 %q is not a SHA-256", ErrDamaged, ManifestName, f.Name, f.SHA256)
		}
	}
	return m, encoded, nil
}

// sameFiles checks that the zip holds exactly the files the manifest lists, each once, in its
// order.
func sameFiles(listed []fileEntry, held []*zip.File) error {
	inManifest := make(map[string]bool, len(listed))
	for _, f := range listed {
		if inManifest[f.Name] {
			return fmt.Errorf("%w: %s lists %s twice", ErrDamaged, ManifestName, f.Name)
		}
		inManifest[f.Name] = true
	}
	inZip := make(map[string]bool, len(held))
	for _, f := range held {
		if inZip[f.Name] {
			return fmt.Errorf("%w: it holds %s twice", ErrDamaged, f.Name)
		}
		if !inManifest[f.Name] {
			return fmt.Errorf("%w: it holds %s, which %s does not list", ErrDamaged, f.Name, ManifestName)
		}
		inZip[f.Name] = true
	}
	for i, f := range listed {
		if !inZip[f.Name] {
			return fmt.Errorf("%w: %s lists %s, which the bundle does not hold", ErrDamaged, ManifestName, f.Name)
		}
		if held[i].Name != f.Name {
			return fmt.Errorf("%w: its files are not in the order %s lists them", ErrDamaged, ManifestName)
		}
	}
	return nil
}

// contentOf returns the bytes of a stored file where they lie in data, after checking its size
// and SHA-256 against the manifest's entry.
func contentOf(f *zip.File, entry fileEntry, data []byte) ([]byte, error) {
	if f.Method != zip.Store || f.CompressedSize64 != f.UncompressedSize64 || f.UncompressedSize64 != uint64(entry.Size) {
		return nil, fmt.Errorf("%w: %s is compressed, or not the %d bytes %s lists", ErrDamaged, entry.Name, entry.Size, ManifestName)
	}
	start, err := f.DataOffset()
	if err != nil || start < 0 || uint64(start)+f.UncompressedSize64 > uint64(len(data)) {
		return nil, fmt.Errorf("%w: %s lies outside the bundle (truncated?)", ErrDamaged, entry.Name)
	}
	end := start + int64(entry.Size)
	content := data[start:end:end]
	sum := sha256.Sum256(content)
	if hex.EncodeToString(sum[:]) != entry.SHA256 {
		return nil, fmt.Errorf("%w: %s does not match its SHA-256 in %s (altered or truncated)", ErrDamaged, entry.Name, ManifestName)
	}
	return content, nil
}
