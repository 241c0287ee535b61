package bundle

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/pkg/policy"
)

const testPolicy = "testdata/policy.yaml"

var made = time.Date(2026, 11, 26, 10, 30, 15, 0, time.UTC)

// requests are the decisions the tests compare: every rule of testdata/policy.yaml decides one.
var requests = []struct {
	channel, operator string
	subscribers       []string
}{
	{"@TOA#_any", "107867", []string{"jared", "banned_x", "spammer42", "scam_1", "leckie", "fine"}},
	{"@TOA#_any", "administrator", []string{"jared"}},
	{"@TOA#_premium", "107867", []string{"vip_1", "vip_3", "founder", "jared", "other"}},
	{"@TOA#_news", "107867", []string{"bot_1", "news_reader", "spammer42"}},
	{"@TOA#_closed", "107867", []string{"anyone"}},
	{"@TOA#_any", "107867", []string{"a", "b", "c", "d", "e", "f"}},
}

func mustMake(t testing.TB) []byte {
	t.Helper()
	data, err := Make(testPolicy, made)
	require.NoError(t, err)
	return data
}

func TestRoundTrip(t *testing.T) {
	data := mustMake(t)
	b, err := Read(data)
	require.NoError(t, err)
	assert.Equal(t, made, b.Created())
	assert.Len(t, b.Revision(), 64)

	fromBundle, err := policy.LoadFrom(b.Files(), PolicyName)
	require.NoError(t, err)
	fromDisk, err := policy.Load(testPolicy)
	require.NoError(t, err)
	for _, r := range requests {
		assert.Equal(t, fromDisk.Decide(r.channel, r.operator, r.subscribers), fromBundle.Decide(r.channel, r.operator, r.subscribers), "%+v", r)
	}
	loaded, err := b.Load()
	require.NoError(t, err)
	assert.Equal(t, fromBundle.Decide(requests[0].channel, requests[0].operator, requests[0].subscribers),
		loaded.Decide(requests[0].channel, requests[0].operator, requests[0].subscribers))

	// The files are the policy's own bytes, found by the names the policy gives them.
	for name, file := range map[string]string{"policy.yaml": testPolicy, "lists/banned.txt": "testdata/lists/banned.txt",
		"./lists/vip.txt": "testdata/lists/vip.txt", "lists/vip.txt": "testdata/lists/vip.txt"} {
		want, err := os.ReadFile(file)
		require.NoError(t, err)
		got, err := b.Files().ReadFile(name)
		require.NoError(t, err, name)
		assert.Equal(t, want, got, name)
	}
	_, err = b.Files().ReadFile("lists/missing.txt")
	assert.ErrorIs(t, err, os.ErrNotExist)
	_, err = b.Files().ReadFile(ManifestName)
	assert.ErrorIs(t, err, os.ErrNotExist, "the manifest is not a policy file")

	// The index is the one policy.Prepare makes, and lies inside the bundle's bytes, not a copy.
	index, err := b.Files().ReadFile(PolicyName + policy.IndexSuffix)
	require.NoError(t, err)
	prepared, err := policy.Prepare(testPolicy)
	require.NoError(t, err)
	assert.Equal(t, prepared, index)
	assert.True(t, inside(index, data), "the index is used where it lies in the bundle")
}

// inside reports whether part lies within whole's memory.
func inside(part, whole []byte) bool {
	p, w := uintptr(unsafe.Pointer(unsafe.SliceData(part))), uintptr(unsafe.Pointer(unsafe.SliceData(whole)))
	return p >= w && p+uintptr(len(part)) <= w+uintptr(len(whole))
}

func TestRevisionIsThePolicyAndListsSHA256(t *testing.T) {
	sum := func(file string) string {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		s := sha256.Sum256(data)
		return hex.EncodeToString(s[:])
	}
	// As `sha256sum policy.yaml lists/banned.txt lists/vip.txt | sha256sum` in the policy's folder.
	lines := fmt.Sprintf("%s  policy.yaml\n%s  lists/banned.txt\n%s  lists/vip.txt\n",
		sum(testPolicy), sum("testdata/lists/banned.txt"), sum("testdata/lists/vip.txt"))
	want := sha256.Sum256([]byte(lines))

	b, err := Read(mustMake(t))
	require.NoError(t, err)
	assert.Equal(t, hex.EncodeToString(want[:]), b.Revision())

	// A policy loaded from its folder, and the policy loaded from the bundle (from its index), name
	// the same revision.
	fromDisk, err := policy.Load(testPolicy)
	require.NoError(t, err)
	assert.Equal(t, b.Revision()[:12], fromDisk.Info().Revision)
	fromBundle, err := b.Load()
	require.NoError(t, err)
	assert.True(t, fromBundle.Info().Indexed)
	assert.Equal(t, b.Revision()[:12], fromBundle.Info().Revision)

	// Made at another time, the bundle differs but its revision does not.
	later, err := Make(testPolicy, made.Add(time.Hour))
	require.NoError(t, err)
	assert.NotEqual(t, mustMake(t), later)
	b2, err := Read(later)
	require.NoError(t, err)
	assert.Equal(t, b.Revision(), b2.Revision())
	assert.Equal(t, made.Add(time.Hour), b2.Created())

	// Made twice at the same time, it is the same bytes.
	assert.Equal(t, mustMake(t), mustMake(t))
}

func TestUnzipSeesTheFiles(t *testing.T) {
	data := mustMake(t)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		assert.Equal(t, zip.Store, f.Method, f.Name)
		assert.Equal(t, made, f.Modified.UTC(), f.Name)
	}
	assert.Equal(t, []string{"bundle.json", "policy.yaml", "policy.yaml.index", "lists/banned.txt", "lists/vip.txt"}, names)
	r, err := zr.File[0].Open()
	require.NoError(t, err)
	defer r.Close()
	var m struct {
		Format   string
		Version  int
		Revision string
		Created  string
	}
	require.NoError(t, jsonDecode(r, &m))
	assert.Equal(t, Format, m.Format)
	assert.Equal(t, 1, m.Version)
	assert.Equal(t, "2026-11-26T10:30:15Z", m.Created)
}

func TestMakeRefusesBrokenPolicies(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "policy.yaml")
	require.NoError(t, os.WriteFile(broken, []byte("default: allow\ndenny: [x]\n"), 0o644))
	_, err := Make(broken, made)
	assert.EqualError(t, err, "policy "+broken+`: line 2: unknown key "denny" in the policy (known keys: `+
		"default, mode, trusted_operators, deny, deny_file, allow, allow_file, max_subscribers, max_members, channels, groups)")

	out := filepath.Join(dir, "policy.bundle")
	_, err = WriteFile(out, broken, made)
	require.Error(t, err)
	_, statErr := os.Stat(out)
	assert.ErrorIs(t, statErr, os.ErrNotExist, "nothing is written for a refused policy")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file is left behind")

	missing := filepath.Join(dir, "missing.yaml")
	require.NoError(t, os.WriteFile(missing, []byte("deny_file: lists/none.txt\n"), 0o644))
	_, err = Make(missing, made)
	assert.ErrorContains(t, err, "lists/none.txt")
	_, err = Make(filepath.Join(dir, "absent.yaml"), made)
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestMakeRefusesNamesItCannotStore(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "p")
	require.NoError(t, os.MkdirAll(filepath.Join(sub, "lists"), 0o755))
	for _, f := range []string{filepath.Join(dir, "up.txt"), filepath.Join(sub, `back\slash.txt`), filepath.Join(sub, "bundle.json"),
		filepath.Join(sub, "lists", "ok.txt")} {
		require.NoError(t, os.WriteFile(f, []byte("x\n"), 0o644))
	}
	abs := filepath.Join(dir, "up.txt")
	for _, c := range []struct{ name, list, why string }{
		{"Parent", "../up.txt", "it must be in the policy's folder or below it (not an absolute path, no ..)"},
		{"ParentInside", "lists/../../up.txt", "it must be in the policy's folder or below it (not an absolute path, no ..)"},
		{"Absolute", abs, "it must be in the policy's folder or below it (not an absolute path, no ..)"},
		{"Backslash", `back\slash.txt`, `name it with / between folders, not \`},
		{"Manifest", "bundle.json", "the bundle keeps the name bundle.json for itself"},
		{"ThePolicy", "lists/../policy.yaml", "the bundle keeps the name policy.yaml for itself"},
	} {
		t.Run(c.name, func(t *testing.T) {
			file := filepath.Join(sub, "policy.yaml")
			require.NoError(t, os.WriteFile(file, []byte(fmt.Sprintf("deny_file: %q\n", c.list)), 0o644))
			_, err := Make(file, made)
			assert.EqualError(t, err, fmt.Sprintf("policy %s: list file %q cannot be bundled: %s", file, c.list, c.why))
		})
	}
}

func TestWriteFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "policy.bundle")
	require.NoError(t, os.WriteFile(out, []byte("an older bundle"), 0o600))
	b, err := WriteFile(out, testPolicy, made)
	require.NoError(t, err)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, mustMake(t), data)
	again, err := Read(data)
	require.NoError(t, err)
	assert.Equal(t, b.Revision(), again.Revision())
	info, err := os.Stat(out)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), info.Mode().Perm())
}

// refused checks that Read refuses data with an error wrapping want, and returns the message.
func refused(t *testing.T, data []byte, want ...error) string {
	t.Helper()
	b, err := Read(data)
	require.Error(t, err)
	assert.Nil(t, b)
	for _, w := range want {
		if errors.Is(err, w) {
			return err.Error()
		}
	}
	t.Errorf("Read refused with %v, want one of %v", err, want)
	return err.Error()
}

func TestReadRefusesTruncatedBundles(t *testing.T) {
	data := mustMake(t)
	for n := range len(data) {
		refused(t, data[:n:n], ErrDamaged, ErrNotBundle)
	}
	assert.Equal(t, "damaged policy bundle: it does not end with a zip directory (truncated, or bytes added after it)",
		refused(t, data[:len(data)-1], ErrDamaged))
	assert.Equal(t, "not a policy bundle: it is not a zip file (make one with subgate bundle)", refused(t, nil, ErrNotBundle))
}

// TestReadRefusesAlteredBundles changes every byte of a bundle, two ways. A change to the manifest
// or to a file is refused; so is nearly any other (a header, the directory), with one of Read's
// errors. A change that leaves what the bundle holds as it was (a date, a mode, a name in a local
// header, which the directory's overrides) may be read, and is then the very same bundle.
func TestReadRefusesAlteredBundles(t *testing.T) {
	data := mustMake(t)
	want, err := Read(data)
	require.NoError(t, err)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	held := make([]string, len(data)) // the entry each byte of a file or the manifest is of
	for _, f := range zr.File {
		start, err := f.DataOffset()
		require.NoError(t, err)
		for i := range int64(f.CompressedSize64) {
			held[start+i] = f.Name
		}
	}
	accepted := 0
	for i := range data {
		for _, flip := range []byte{0x01, 0xff} {
			altered := bytes.Clone(data)
			altered[i] ^= flip
			b, err := Read(altered)
			if err != nil {
				if !errors.Is(err, ErrDamaged) && !errors.Is(err, ErrNotBundle) && !errors.Is(err, ErrVersion) && !errors.Is(err, ErrTooBig) {
					t.Errorf("byte %d ^ %#x: refused with an error of no kind: %v", i, flip, err)
				}
				continue
			}
			accepted++
			if !assert.Empty(t, held[i], "byte %d ^ %#x, in a file, changed and accepted", i, flip) {
				continue
			}
			assert.Equal(t, want.Revision(), b.Revision(), "byte %d", i)
			assert.Equal(t, want.Created(), b.Created(), "byte %d", i)
			assert.Equal(t, want.files, b.files, "byte %d", i)
		}
	}
	assert.Positive(t, accepted, "the zip's dates and modes are not what a bundle holds")

	policyAt := bytes.Index(data, []byte("# The policy the bundle tests"))
	require.Positive(t, policyAt)
	altered := bytes.Clone(data)
	altered[policyAt] = '#' + 1
	assert.Equal(t, "damaged policy bundle: policy.yaml does not match its SHA-256 in bundle.json (altered or truncated)",
		refused(t, altered, ErrDamaged))
}

// The index is a file like the others: one that does not match its SHA-256 in the manifest is
// refused, even when it is a valid index, of the same size, of another policy. Loading trusts an
// index whose recorded sizes and CRC-32s match the files beside it (a check against staleness, not
// against a deliberate change), so the manifest's SHA-256 is what ties the index to the policy.
func TestReadRefusesAnIndexOfAnotherPolicy(t *testing.T) {
	data := mustMake(t)
	b, err := Read(data)
	require.NoError(t, err)
	index, err := b.Files().ReadFile(indexName)
	require.NoError(t, err)

	// Another policy: the same but for one letter of a denied ID, so its index has the same size.
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "lists"), 0o755))
	for _, name := range []string{"lists/banned.txt", "lists/vip.txt"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), readFile(t, filepath.Join("testdata", name)), 0o644))
	}
	other := strings.Replace(string(readFile(t, testPolicy)), `deny: ["jared"`, `deny: ["jarex"`, 1)
	require.NotEqual(t, string(readFile(t, testPolicy)), other)
	require.NoError(t, os.WriteFile(filepath.Join(dir, PolicyName), []byte(other), 0o644))
	otherIndex, err := policy.Prepare(filepath.Join(dir, PolicyName))
	require.NoError(t, err)
	require.Len(t, otherIndex, len(index))
	require.NotEqual(t, index, otherIndex)

	// In the bundle's bytes, where the index lies: the manifest and everything else untouched.
	at := bytes.Index(data, index)
	require.Positive(t, at)
	altered := bytes.Clone(data)
	copy(altered[at:], otherIndex)
	assert.Equal(t, "damaged policy bundle: policy.yaml.index does not match its SHA-256 in bundle.json (altered or truncated)",
		refused(t, altered, ErrDamaged))
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	require.NoError(t, err)
	return data
}

// withManifest is the bundle of testdata/policy.yaml with its manifest changed by edit, written by
// the bundle writer itself, so only the change differs from a real bundle.
func withManifest(t testing.TB, edit func(*manifest)) []byte {
	t.Helper()
	b, err := Read(mustMake(t))
	require.NoError(t, err)
	names := []string{PolicyName, indexName, "lists/banned.txt", "lists/vip.txt"}
	var files [][]byte
	for _, n := range names {
		files = append(files, b.files[n])
	}
	c, err := newContent(names, files, made)
	require.NoError(t, err)
	edit(&c.manifest)
	c.encoded, err = encodeManifest(c.manifest)
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, c.write(&out))
	return out.Bytes()
}

func TestReadRefusesOtherVersionsAndFormats(t *testing.T) {
	v2 := withManifest(t, func(m *manifest) { m.Version = 2 })
	assert.Equal(t, "policy bundle of another format version: the bundle is format version 2; this subgate reads version 1 "+
		"(make the bundle with the subgate the function runs)", refused(t, v2, ErrVersion))

	other := withManifest(t, func(m *manifest) { m.Format = "another format" })
	assert.Equal(t, `not a policy bundle: bundle.json does not name the format "subgate policy bundle"`, refused(t, other, ErrNotBundle))

	wrongRevision := withManifest(t, func(m *manifest) { m.Revision = strings.Repeat("0", 64) })
	assert.Contains(t, refused(t, wrongRevision, ErrDamaged), "bundle.json: revision 0000")

	wrongSum := withManifest(t, func(m *manifest) { m.Files[3].SHA256 = strings.Repeat("a", 64) })
	assert.Equal(t, "damaged policy bundle: lists/vip.txt does not match its SHA-256 in bundle.json (altered or truncated)",
		refused(t, wrongSum, ErrDamaged))

	wrongSize := withManifest(t, func(m *manifest) { m.Files[2].Size++ })
	assert.Equal(t, "damaged policy bundle: lists/banned.txt is 50 bytes, not the 51 bundle.json lists", refused(t, wrongSize, ErrDamaged))

	badName := withManifest(t, func(m *manifest) { m.Files[2].Name = "../banned.txt" })
	assert.Equal(t, `damaged policy bundle: bundle.json lists "../banned.txt", a name no bundle holds`, refused(t, badName, ErrDamaged))

	badTime := withManifest(t, func(m *manifest) { m.Created = "yesterday" })
	assert.Contains(t, refused(t, badTime, ErrDamaged), `created "yesterday"`)
	notUTC := withManifest(t, func(m *manifest) { m.Created = "2026-11-26T18:30:15+08:00" })
	assert.Contains(t, refused(t, notUTC, ErrDamaged), "is not an RFC 3339 time in UTC")

	for name, data := range map[string][]byte{
		"text":       []byte("default: allow\n"),
		"empty file": {},
		"JSON":       []byte(`{"format":"subgate policy bundle","version":1}`),
	} {
		assert.Equal(t, "not a policy bundle: it is not a zip file (make one with subgate bundle)", refused(t, data, ErrNotBundle), name)
	}

	// A deployment zip is a zip, but not a bundle.
	var plain bytes.Buffer
	zw := zip.NewWriter(&plain)
	w, err := zw.Create("policy.yaml")
	require.NoError(t, err)
	_, err = w.Write([]byte("default: allow\n"))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	assert.Equal(t, "not a policy bundle: it is a zip file, but holds no bundle.json", refused(t, plain.Bytes(), ErrNotBundle))
}

// The manifest is read as JSON, whatever its layout, strictly: an unknown key is refused, and so
// is anything after the object.
func TestReadTakesTheManifestAsJSON(t *testing.T) {
	manifestAs := func(encode func(m manifest) []byte) []byte {
		b, err := Read(mustMake(t))
		require.NoError(t, err)
		names := []string{PolicyName, indexName, "lists/banned.txt", "lists/vip.txt"}
		var files [][]byte
		for _, n := range names {
			files = append(files, b.files[n])
		}
		c, err := newContent(names, files, made)
		require.NoError(t, err)
		c.encoded = encode(c.manifest)
		var out bytes.Buffer
		require.NoError(t, c.write(&out))
		return out.Bytes()
	}
	want, err := Read(mustMake(t))
	require.NoError(t, err)
	compact := manifestAs(func(m manifest) []byte {
		encoded, err := json.Marshal(m)
		require.NoError(t, err)
		return encoded
	})
	b, err := Read(compact)
	require.NoError(t, err)
	assert.Equal(t, want.Revision(), b.Revision())
	assert.Equal(t, want.files, b.files)

	unknown := manifestAs(func(m manifest) []byte {
		encoded, err := json.Marshal(struct {
			manifest
			Signed bool `json:"signed"`
		}{m, true})
		require.NoError(t, err)
		return encoded
	})
	assert.Equal(t, `damaged policy bundle: bundle.json: json: unknown field "signed"`, refused(t, unknown, ErrDamaged))

	trailing := manifestAs(func(m manifest) []byte {
		encoded, err := json.Marshal(m)
		require.NoError(t, err)
		return append(encoded, "{}"...)
	})
	assert.Equal(t, `not a policy bundle: bundle.json does not name the format "subgate policy bundle"`, refused(t, trailing, ErrNotBundle))
}

func TestReadRefusesTooManyFiles(t *testing.T) {
	var many bytes.Buffer
	zw := zip.NewWriter(&many)
	for i := range MaxFiles + 1 {
		_, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("f%d", i), Method: zip.Store})
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	assert.Equal(t, "policy bundle too big: it holds 10001 files; a bundle holds at most 10000", refused(t, many.Bytes(), ErrTooBig))
}

var update = flag.Bool("update", false, "write testdata/v1.bundle again (only when the format version changes)")

// TestReadsBundlesOfThisFormat reads a bundle made by an earlier build: bundles already in users'
// stores must stay readable, whatever this build's zip writer now writes.
func TestReadsBundlesOfThisFormat(t *testing.T) {
	const golden = "testdata/v1.bundle"
	if *update {
		require.NoError(t, os.WriteFile(golden, mustMake(t), 0o644))
	}
	data, err := os.ReadFile(golden)
	require.NoError(t, err)
	b, err := Read(data)
	require.NoError(t, err)
	assert.Equal(t, made, b.Created())
	p, err := b.Load()
	require.NoError(t, err)
	fromDisk, err := policy.Load(testPolicy)
	require.NoError(t, err)
	for _, r := range requests {
		assert.Equal(t, fromDisk.Decide(r.channel, r.operator, r.subscribers), p.Decide(r.channel, r.operator, r.subscribers), "%+v", r)
	}
}

func jsonDecode(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }
