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
	// ErrNotBundle: the file is not a policy bundle (not a zip, a zip64 file, or a zip without a
	// manifest naming the format).
	ErrNotBundle = errors.New("not a policy bundle")
	// ErrVersion: the bundle is of another format version than Version.
	ErrVersion = errors.New("policy bundle of another format version")
	// ErrTooBig: the bundle is over MaxSize, holds more than MaxFiles entries, or files over
	// MaxSize in all, unpacked.
	ErrTooBig = errors.New("policy bundle too big")
	// ErrDamaged: the bundle is truncated or altered: a file does not match its size or SHA-256,
	// the zip holds a file the manifest does not list or misses one it lists, the revision is not
	// its files', or the zip itself is broken.
	ErrDamaged = errors.New("damaged policy bundle")
)

// Bundle is a verified bundle. Its stored files are the bytes Read was given, not copies (deflated
// ones are inflated into memory of their own): those bytes must not be modified while the bundle,
// or a policy loaded from it, is in use.
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
	dirHeaderMagic   = "PK\x01\x02" // a file's header in the zip directory
	dirHeaderLen     = 46           // its length without the name, extra field and comment

	zip64LocatorMagic = "PK\x06\x07" // the zip64 end record's locator, just before the end record
	zip64LocatorLen   = 20
)

// Read verifies data as a bundle and returns it. Every check is made before anything is used: the
// size, the format and its version, the manifest, that the zip holds the files the manifest lists,
// each once, and nothing else, each file's size and SHA-256, and the revision. Which tool wrote the
// zip, in what order and whether it deflated the files does not matter (see the package
// documentation). Anything else is refused with an error wrapping ErrNotBundle, ErrVersion,
// ErrTooBig or ErrDamaged that says what is wrong.
func Read(data []byte) (*Bundle, error) {
	return ReadWithin(data, MaxSize)
}

// ReadWithin is Read with a cap of the caller's on the bundle's size, and on its files' size
// unpacked (at most MaxSize): a function reads a fetched bundle within the memory it may spend on
// one (SUBGATE_POLICY_MAX_BYTES), so that a small bundle of deflated files cannot make it inflate
// more than a large stored one would hold.
func ReadWithin(data []byte, max int64) (*Bundle, error) {
	max = min(max, MaxSize)
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%w: it is %d bytes; %s", ErrTooBig, len(data), limitWords(max))
	}
	if !bytes.HasPrefix(data, []byte(localHeaderMagic)) {
		return nil, fmt.Errorf("%w: it is not a zip file (make one with subgate bundle)", ErrNotBundle)
	}
	if err := checkEnd(data); err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDamaged, err)
	}
	var found *zip.File
	for _, f := range zr.File {
		if f.Name == ManifestName {
			if found != nil {
				return nil, fmt.Errorf("%w: it holds %s twice", ErrDamaged, ManifestName)
			}
			found = f
		}
	}
	if found == nil {
		return nil, fmt.Errorf("%w: it is a zip file, but holds no %s", ErrNotBundle, ManifestName)
	}
	m, err := readManifest(found, max)
	if err != nil {
		return nil, err
	}
	created, err := time.Parse(time.RFC3339, m.Created)
	if err != nil || created.UTC().Format(time.RFC3339) != m.Created {
		return nil, fmt.Errorf("%w: %s: created %q is not an RFC 3339 time in UTC", ErrDamaged, ManifestName, m.Created)
	}
	created = created.UTC()
	held, err := heldFiles(m.Files, zr.File)
	if err != nil {
		return nil, err
	}
	b := &Bundle{revision: m.Revision, created: created, files: make(files, len(m.Files))}
	for _, entry := range m.Files {
		file, err := contentOf(held[entry.Name], entry, data)
		if err != nil {
			return nil, err
		}
		b.files[entry.Name] = file
	}
	if got, ok := revision(m.Files); !ok || got != m.Revision {
		return nil, fmt.Errorf("%w: %s: revision %s is not the revision of its files (%s)", ErrDamaged, ManifestName, m.Revision, got)
	}
	return b, nil
}

// checkEnd checks the zip's end record and directory before archive/zip reads them. The end record
// is where a bundle has it: at the very end of data, with no comment, so nothing follows the zip.
// The directory it points to must end where the record begins, so nothing comes before the zip
// either (archive/zip would read a zip with bytes before it, as in a self-extracting archive,
// shifting every offset). The record's count of entries is checked, and the directory is walked
// header by header against it, so a file claiming or holding millions costs nothing (archive/zip
// reads every header it finds and checks the count only modulo 65,536). A zip64 end record, which
// no bundle needs (it is for zips over 4 GiB or 65,535 entries), is refused, so archive/zip reads
// the very directory walked here.
func checkEnd(data []byte) error {
	le := binary.LittleEndian
	end := len(data) - endLen
	if end < 0 || string(data[end:end+4]) != endMagic {
		return fmt.Errorf("%w: it does not end with a zip directory (truncated, or bytes added after it)", ErrDamaged)
	}
	entries, size, offset := int(le.Uint16(data[end+10:])), le.Uint32(data[end+12:]), le.Uint32(data[end+16:])
	if size == 0xffffffff || offset == 0xffffffff || end >= zip64LocatorLen && string(data[end-zip64LocatorLen:][:4]) == zip64LocatorMagic {
		return fmt.Errorf("%w: it is a zip64 file; a bundle, at most 256 MiB and %d files, is a plain zip", ErrNotBundle, MaxFiles)
	}
	if entries > MaxFiles {
		return fmt.Errorf("%w: it holds %d files; a bundle holds at most %d", ErrTooBig, entries, MaxFiles)
	}
	if uint64(offset)+uint64(size) != uint64(end) {
		return fmt.Errorf("%w: its zip directory is not where its end record says (bytes added before the zip, or a damaged directory)", ErrDamaged)
	}
	held, at := 0, int(offset)
	for ; at < end && held < entries; held++ {
		if end-at < dirHeaderLen || string(data[at:at+4]) != dirHeaderMagic {
			break
		}
		at += dirHeaderLen + int(le.Uint16(data[at+28:])) + int(le.Uint16(data[at+30:])) + int(le.Uint16(data[at+32:]))
	}
	if held != entries || at != end {
		return fmt.Errorf("%w: its zip directory does not hold the %d files its end record says", ErrDamaged, entries)
	}
	return nil
}

// limitWords says what the limit max is: the format's, or the caller's.
func limitWords(max int64) string {
	if max == MaxSize {
		return fmt.Sprintf("a bundle holds at most %d (256 MiB)", MaxSize)
	}
	return fmt.Sprintf("the limit is %d", max)
}

// readManifest reads and checks bundle.json: the format and version first, so that a bundle of
// another version is named as such whatever else it holds, then the rest strictly.
func readManifest(f *zip.File, max int64) (manifest, error) {
	var m manifest
	if f.UncompressedSize64 > maxManifest {
		return m, fmt.Errorf("%w: %s is over %d bytes", ErrDamaged, ManifestName, maxManifest)
	}
	encoded, err := readEntry(f)
	if err != nil {
		return m, fmt.Errorf("%w: %s: %w", ErrDamaged, ManifestName, err)
	}
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(encoded, &head); err != nil || head.Format != Format {
		return m, fmt.Errorf("%w: %s does not name the format %q", ErrNotBundle, ManifestName, Format)
	}
	if head.Version != Version {
		return m, fmt.Errorf("%w: the bundle is format version %d; this subgate reads version %d (make the bundle with the subgate the function runs)",
			ErrVersion, head.Version, Version)
	}
	dec := json.NewDecoder(bytes.NewReader(encoded))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil { // json.Unmarshal above refused anything after the object
		return m, fmt.Errorf("%w: %s: %w", ErrDamaged, ManifestName, err)
	}
	if len(m.Files) < 2 || m.Files[0].Name != PolicyName || m.Files[1].Name != indexName {
		return m, fmt.Errorf("%w: %s must list %s and %s first", ErrDamaged, ManifestName, PolicyName, indexName)
	}
	var total int64
	for i, f := range m.Files {
		if i >= 2 && checkName(f.Name) != nil {
			return m, fmt.Errorf("%w: %s lists %q, a name no bundle holds", ErrDamaged, ManifestName, f.Name)
		}
		if len(f.SHA256) != 2*sha256.Size {
			return m, fmt.Errorf("%w: %s: %s: sha256 %q is not a SHA-256", ErrDamaged, ManifestName, f.Name, f.SHA256)
		}
		if f.Size < 0 || f.Size > MaxSize {
			return m, fmt.Errorf("%w: %s: %s: size %d is not a size a bundle holds", ErrDamaged, ManifestName, f.Name, f.Size)
		}
		total += f.Size
	}
	// Deflated files are inflated into memory: their sizes, which bound what is inflated, are
	// bounded first, so a small bundle cannot make Read allocate more than a large one.
	if total > max {
		return m, fmt.Errorf("%w: its files are %d bytes unpacked; %s", ErrTooBig, total, limitWords(max))
	}
	return m, nil
}

// heldFiles checks that the zip holds the manifest, each file the manifest lists and the folders
// they are in, each once, and nothing else, and returns the files by name. A folder is an entry
// whose name ends with a slash and that holds nothing: some zip tools add one for each folder.
func heldFiles(listed []fileEntry, entries []*zip.File) (map[string]*zip.File, error) {
	inManifest := make(map[string]bool, len(listed))
	folders := map[string]bool{}
	for _, f := range listed {
		if inManifest[f.Name] {
			return nil, fmt.Errorf("%w: %s lists %s twice", ErrDamaged, ManifestName, f.Name)
		}
		inManifest[f.Name] = true
		for i := range len(f.Name) {
			if f.Name[i] == '/' {
				folders[f.Name[:i+1]] = true
			}
		}
	}
	held := make(map[string]*zip.File, len(listed))
	seen := make(map[string]bool, len(entries))
	for _, f := range entries {
		if seen[f.Name] {
			return nil, fmt.Errorf("%w: it holds %s twice", ErrDamaged, f.Name)
		}
		seen[f.Name] = true
		switch {
		case f.Name == ManifestName:
		case inManifest[f.Name]:
			held[f.Name] = f
		case folders[f.Name] && f.UncompressedSize64 == 0:
		default:
			return nil, fmt.Errorf("%w: it holds %s, which %s does not list", ErrDamaged, f.Name, ManifestName)
		}
	}
	for _, f := range listed {
		if held[f.Name] == nil {
			return nil, fmt.Errorf("%w: %s lists %s, which the bundle does not hold", ErrDamaged, ManifestName, f.Name)
		}
	}
	return held, nil
}

// contentOf returns a file's bytes after checking its size and SHA-256 against the manifest's
// entry: a stored file where it lies in data, a deflated one inflated into memory.
func contentOf(f *zip.File, entry fileEntry, data []byte) ([]byte, error) {
	if f.UncompressedSize64 != uint64(entry.Size) {
		return nil, fmt.Errorf("%w: %s is %d bytes, not the %d %s lists", ErrDamaged, entry.Name, f.UncompressedSize64, entry.Size, ManifestName)
	}
	var content []byte
	switch f.Method {
	case zip.Store:
		if f.CompressedSize64 != f.UncompressedSize64 {
			return nil, fmt.Errorf("%w: %s is stored, but its zip header gives it two sizes", ErrDamaged, entry.Name)
		}
		start, err := f.DataOffset()
		if err != nil || start < 0 || uint64(start)+f.UncompressedSize64 > uint64(len(data)) {
			return nil, fmt.Errorf("%w: %s lies outside the bundle (truncated?)", ErrDamaged, entry.Name)
		}
		end := start + entry.Size
		content = data[start:end:end]
	case zip.Deflate:
		inflated, err := readEntry(f)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrDamaged, entry.Name, err)
		}
		content = inflated
	default:
		return nil, fmt.Errorf("%w: %s is compressed with zip method %d; a bundle's files are stored or deflated", ErrDamaged, entry.Name, f.Method)
	}
	sum := sha256.Sum256(content)
	if hex.EncodeToString(sum[:]) != entry.SHA256 {
		return nil, fmt.Errorf("%w: %s does not match its SHA-256 in %s (altered or truncated)", ErrDamaged, entry.Name, ManifestName)
	}
	return content, nil
}

// readEntry reads what f holds through archive/zip, inflating it if it is deflated. Memory grows
// with what is read, not with the size the headers announce; archive/zip refuses an entry longer
// than that size (which Read has held to the manifest's, within MaxSize in all), and checks the
// CRC-32 at the end.
func readEntry(f *zip.File) ([]byte, error) {
	r, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}
