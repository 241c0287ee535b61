package bundle

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/subgate/subgate/pkg/policy"
)

// member is one entry of a zip as a zip writer is given it: a file, or a folder (a name ending
// with a slash, and no data).
type member struct {
	name string
	data []byte
}

// membersOf reads the entries of the zip data, in its order.
func membersOf(t testing.TB, data []byte) []member {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	var out []member
	for _, f := range zr.File {
		r, err := f.Open()
		require.NoError(t, err)
		content, err := io.ReadAll(r)
		require.NoError(t, err)
		require.NoError(t, r.Close())
		out = append(out, member{f.Name, content})
	}
	return out
}

// zipOf writes members with archive/zip, each added by add.
func zipOf(t testing.TB, members []member, add func(zw *zip.Writer, m member)) []byte {
	t.Helper()
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, m := range members {
		add(zw, m)
	}
	require.NoError(t, zw.Close())
	return out.Bytes()
}

// deflate adds m deflated, as zw.Create does: with a data descriptor after the data, and the
// writer's date.
func deflate(t testing.TB, zw *zip.Writer, m member) {
	t.Helper()
	w, err := zw.Create(m.name)
	require.NoError(t, err)
	_, err = w.Write(m.data)
	require.NoError(t, err)
}

// storeRaw adds m stored, with its CRC-32 and sizes in its local header and no data descriptor
// (as Info-ZIP's zip writes to a file), dated another day than Make dates a bundle.
func storeRaw(t testing.TB, zw *zip.Writer, m member) {
	t.Helper()
	raw(t, zw, m, zip.Store, m.data)
}

// raw adds m as another writer would: its bytes compressed by method, its headers giving m's
// size and CRC-32.
func raw(t testing.TB, zw *zip.Writer, m member, method uint16, compressed []byte) {
	t.Helper()
	h := &zip.FileHeader{Name: m.name, Method: method, Modified: made.AddDate(0, 1, 0), CRC32: crc32.ChecksumIEEE(m.data),
		CompressedSize64: uint64(len(compressed)), UncompressedSize64: uint64(len(m.data))}
	h.SetMode(0o600)
	w, err := zw.CreateRaw(h)
	require.NoError(t, err)
	_, err = w.Write(compressed)
	require.NoError(t, err)
}

// backward is members in reverse order.
func backward(members []member) []member {
	out := slices.Clone(members)
	slices.Reverse(out)
	return out
}

// deflated is data deflated at the best compression.
func deflated(t testing.TB, data []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	fw, err := flate.NewWriter(&out, flate.BestCompression)
	require.NoError(t, err)
	_, err = fw.Write(data)
	require.NoError(t, err)
	require.NoError(t, fw.Close())
	return out.Bytes()
}

// A bundle is what it holds: its files written again by another zip writer, deflated or stored,
// in another order, with folders, other dates and modes, are the same bundle: the same revision,
// the same files and the same decisions.
func TestReadAcceptsTheSameFilesZippedAnyWay(t *testing.T) {
	original := mustMake(t)
	want, err := Read(original)
	require.NoError(t, err)
	files := membersOf(t, original) // bundle.json, policy.yaml, policy.yaml.index, lists/banned.txt, lists/vip.txt
	require.Len(t, files, 5)
	byName := slices.Clone(files)
	byName = append(byName, member{name: "lists/"})
	slices.SortFunc(byName, func(a, b member) int { return strings.Compare(a.name, b.name) })

	tests := []struct {
		name          string
		data          []byte
		methods       []uint16 // of the entries, in the zip's order
		inPlace       bool     // the index is used where it lies in the bundle's bytes
		manifestFirst bool     // bundle.json is the first entry
	}{
		{name: "DeflatedInReverseOrder",
			data:    zipOf(t, backward(files), func(zw *zip.Writer, m member) { deflate(t, zw, m) }),
			methods: []uint16{zip.Deflate, zip.Deflate, zip.Deflate, zip.Deflate, zip.Deflate}},
		{name: "BestCompressionByNameWithAFolder",
			data: func() []byte {
				var out bytes.Buffer
				zw := zip.NewWriter(&out)
				zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestCompression) })
				for _, m := range byName {
					deflate(t, zw, m)
				}
				require.NoError(t, zw.Close())
				return out.Bytes()
			}(),
			// lists/ is a folder: archive/zip stores it.
			methods: []uint16{zip.Deflate, zip.Store, zip.Deflate, zip.Deflate, zip.Deflate, zip.Deflate}, manifestFirst: true},
		{name: "StoredWithoutDataDescriptors",
			data:    zipOf(t, append(slices.Clone(files[1:]), files[0]), func(zw *zip.Writer, m member) { storeRaw(t, zw, m) }),
			methods: []uint16{zip.Store, zip.Store, zip.Store, zip.Store, zip.Store}, inPlace: true},
		{name: "SomeStoredSomeDeflated",
			data: zipOf(t, []member{files[2], files[0], files[4], files[1], files[3]}, func(zw *zip.Writer, m member) {
				if m.name == indexName || m.name == "lists/vip.txt" {
					storeRaw(t, zw, m)
					return
				}
				raw(t, zw, m, zip.Deflate, deflated(t, m.data))
			}),
			methods: []uint16{zip.Store, zip.Deflate, zip.Store, zip.Deflate, zip.Deflate}, inPlace: true},
	}
	fromDisk, err := policy.Load(testPolicy)
	require.NoError(t, err)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zr, err := zip.NewReader(bytes.NewReader(tt.data), int64(len(tt.data)))
			require.NoError(t, err)
			var methods []uint16
			for _, f := range zr.File {
				methods = append(methods, f.Method)
			}
			require.Equal(t, tt.methods, methods, "the zip is written as the test says")
			assert.Equal(t, tt.manifestFirst, zr.File[0].Name == ManifestName)

			b, err := Read(tt.data)
			require.NoError(t, err)
			assert.Equal(t, want.Revision(), b.Revision())
			assert.Equal(t, made, b.Created(), "the manifest's time, not the zip's dates")
			assert.Equal(t, want.files, b.files)
			index, err := b.Files().ReadFile(indexName)
			require.NoError(t, err)
			assert.Equal(t, tt.inPlace, inside(index, tt.data), "a stored index is used where it lies; a deflated one is inflated")

			p, err := b.Load()
			require.NoError(t, err)
			assert.True(t, p.Info().Indexed, "the policy is read from its index")
			assert.Equal(t, want.Revision()[:12], p.Info().Revision)
			for _, r := range requests {
				assert.Equal(t, fromDisk.Decide(r.channel, r.operator, r.subscribers), p.Decide(r.channel, r.operator, r.subscribers), "%+v", r)
			}
		})
	}
}

// Whatever wrote the zip, adding a file, dropping one or changing one is refused, each saying
// which.
func TestReadRefusesWhatTheManifestDoesNotSay(t *testing.T) {
	files := membersOf(t, mustMake(t))
	rezip := func(members ...member) []byte {
		return zipOf(t, backward(members), func(zw *zip.Writer, m member) { deflate(t, zw, m) })
	}
	without := func(name string) []member {
		return slices.DeleteFunc(slices.Clone(files), func(m member) bool { return m.name == name })
	}
	with := func(name string, data []byte) []member {
		out := slices.Clone(files)
		for i := range out {
			if out[i].name == name {
				out[i].data = data
			}
		}
		return out
	}
	vip := files[4]
	require.Equal(t, "lists/vip.txt", vip.name)
	require.Equal(t, "vip_1\nvip_2\nfounder\n", string(vip.data))

	// archive/zip writes no data into a folder; another writer might: the name is made one after.
	folderHoldingData := zipOf(t, append(slices.Clone(files), member{"lists!", []byte("x")}), func(zw *zip.Writer, m member) { storeRaw(t, zw, m) })
	require.Equal(t, 2, bytes.Count(folderHoldingData, []byte("lists!")), "in the local header and the directory")
	folderHoldingData = bytes.ReplaceAll(folderHoldingData, []byte("lists!"), []byte("lists/"))

	tests := []struct {
		name string
		data []byte
		kind error
		want string
	}{
		{"FileAdded", rezip(append(slices.Clone(files), member{"lists/extra.txt", []byte("extra\n")})...),
			ErrDamaged, "damaged policy bundle: it holds lists/extra.txt, which bundle.json does not list"},
		{"FolderOfNoFileAdded", rezip(append(slices.Clone(files), member{name: "extra/"})...),
			ErrDamaged, "damaged policy bundle: it holds extra/, which bundle.json does not list"},
		{"FolderHoldingData", folderHoldingData,
			ErrDamaged, "damaged policy bundle: it holds lists/, which bundle.json does not list"},
		{"ListFileDropped", rezip(without("lists/vip.txt")...),
			ErrDamaged, "damaged policy bundle: bundle.json lists lists/vip.txt, which the bundle does not hold"},
		{"IndexDropped", rezip(without(indexName)...),
			ErrDamaged, "damaged policy bundle: bundle.json lists policy.yaml.index, which the bundle does not hold"},
		{"ManifestDropped", rezip(without(ManifestName)...),
			ErrNotBundle, "not a policy bundle: it is a zip file, but holds no bundle.json"},
		{"FileChanged", rezip(with("lists/vip.txt", []byte("vip_1\nvip_2\nfounDer\n"))...),
			ErrDamaged, "damaged policy bundle: lists/vip.txt does not match its SHA-256 in bundle.json (altered or truncated)"},
		{"FileGrown", rezip(with("lists/vip.txt", []byte("vip_1\nvip_2\nfounder\nvip_3\n"))...),
			ErrDamaged, "damaged policy bundle: lists/vip.txt is 26 bytes, not the 20 bundle.json lists"},
		{"FileTwice", rezip(append(slices.Clone(files), vip)...),
			ErrDamaged, "damaged policy bundle: it holds lists/vip.txt twice"},
		{"ManifestTwice", rezip(append(slices.Clone(files), files[0])...),
			ErrDamaged, "damaged policy bundle: it holds bundle.json twice"},
		{"FileCompressedOtherwise", zipOf(t, files, func(zw *zip.Writer, m member) {
			if m.name == vip.name {
				raw(t, zw, m, 12, []byte("BZh9 not read")) // 12: bzip2, which archive/zip does not read
				return
			}
			storeRaw(t, zw, m)
		}), ErrDamaged, "damaged policy bundle: lists/vip.txt is compressed with zip method 12; a bundle's files are stored or deflated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, refused(t, tt.data, tt.kind))
		})
	}
}

// A deflated file is inflated to the size its headers and the manifest give it, and no further: a
// file that inflates to more (a zip bomb) is refused having cost about that size.
func TestReadInflatesNoMoreThanTheManifestSays(t *testing.T) {
	files := membersOf(t, mustMake(t))
	bomb := bombOf(t, 64<<20) // 64 MiB of zeros, in about 80 KiB
	data := zipOf(t, files, func(zw *zip.Writer, m member) {
		if m.name == "lists/vip.txt" {
			raw(t, zw, m, zip.Deflate, bomb) // headers (and the manifest): its 20 bytes
			return
		}
		storeRaw(t, zw, m)
	})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	msg := refused(t, data, ErrDamaged)
	runtime.ReadMemStats(&after)
	assert.Equal(t, "damaged policy bundle: lists/vip.txt: zip: not a valid zip file", msg)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "bytes allocated reading it")

	// Headers that give the file's inflated size are refused before anything is inflated, and a
	// manifest that gives its files more than a bundle holds is refused before anything is read.
	honest := zipOf(t, files, func(zw *zip.Writer, m member) {
		if m.name == "lists/vip.txt" {
			m.data = make([]byte, 64<<20)
			raw(t, zw, m, zip.Deflate, bomb)
			return
		}
		storeRaw(t, zw, m)
	})
	assert.Equal(t, "damaged policy bundle: lists/vip.txt is 67108864 bytes, not the 20 bundle.json lists", refused(t, honest, ErrDamaged))
	var total int64
	huge := withManifest(t, func(m *manifest) {
		m.Files[3].Size = MaxSize
		for _, f := range m.Files {
			total += f.Size
		}
	})
	assert.Equal(t, fmt.Sprintf("policy bundle too big: its files are %d bytes unpacked; a bundle holds at most 268435456 (256 MiB)", total),
		refused(t, huge, ErrTooBig))
	negative := withManifest(t, func(m *manifest) { m.Files[3].Size = -1 })
	assert.Equal(t, "damaged policy bundle: bundle.json: lists/vip.txt: size -1 is not a size a bundle holds", refused(t, negative, ErrDamaged))
}

// endOf is the zip's end record (a bundle's has no comment): where it starts, and its directory's
// entries, size and offset.
func endOf(t testing.TB, data []byte) (at int, entries uint16, size, offset uint32) {
	t.Helper()
	at = len(data) - endLen
	require.Equal(t, endMagic, string(data[at:at+4]))
	le := binary.LittleEndian
	return at, le.Uint16(data[at+10:]), le.Uint32(data[at+12:]), le.Uint32(data[at+16:])
}

// endRecord writes a zip's end record.
func endRecord(entries uint16, size, offset uint32) []byte {
	le := binary.LittleEndian
	rec := []byte(endMagic)
	rec = le.AppendUint32(rec, 0) // this disk, and the directory's
	rec = le.AppendUint16(rec, entries)
	rec = le.AppendUint16(rec, entries)
	rec = le.AppendUint32(rec, size)
	rec = le.AppendUint32(rec, offset)
	return le.AppendUint16(rec, 0) // no comment
}

// A bundle is one zip and nothing else: bytes before or after it, a comment, a zip64 end record or
// a directory that is not what its end record says are refused, before archive/zip reads it.
func TestReadRefusesWhatIsAroundTheZip(t *testing.T) {
	data := mustMake(t)
	at, entries, size, offset := endOf(t, data)
	require.Equal(t, uint16(5), entries)

	var commented bytes.Buffer
	zw := zip.NewWriter(&commented)
	for _, m := range membersOf(t, data) {
		storeRaw(t, zw, m)
	}
	require.NoError(t, zw.SetComment("made by hand"))
	require.NoError(t, zw.Close())

	// The zip64 form of the same end: a zip64 end record and its locator before an end record
	// whose fields say to look there.
	le := binary.LittleEndian
	zip64 := bytes.Clone(data[:at])
	zip64 = append(zip64, "PK\x06\x06"...)
	zip64 = le.AppendUint64(zip64, 44)
	zip64 = le.AppendUint16(zip64, 45)
	zip64 = le.AppendUint16(zip64, 45)
	zip64 = le.AppendUint64(zip64, 0)
	zip64 = le.AppendUint64(zip64, uint64(entries))
	zip64 = le.AppendUint64(zip64, uint64(entries))
	zip64 = le.AppendUint64(zip64, uint64(size))
	zip64 = le.AppendUint64(zip64, uint64(offset))
	zip64 = append(zip64, zip64LocatorMagic...)
	zip64 = le.AppendUint32(zip64, 0)
	zip64 = le.AppendUint64(zip64, uint64(at))
	zip64 = le.AppendUint32(zip64, 1)
	locatorOnly := append(bytes.Clone(zip64), endRecord(entries, size, offset)...)
	zip64 = append(zip64, endRecord(0xffff, 0xffffffff, 0xffffffff)...)
	_, err := zip.NewReader(bytes.NewReader(zip64), int64(len(zip64)))
	require.NoError(t, err, "archive/zip reads the zip64 form")

	const after = "damaged policy bundle: it does not end with a zip directory (truncated, or bytes added after it)"
	tests := []struct {
		name string
		data []byte
		kind error
		want string
	}{
		{"BytesBefore", append([]byte("PK\x03\x04 a prefix"), data...),
			ErrDamaged, "damaged policy bundle: its zip directory is not where its end record says (bytes added before the zip, or a damaged directory)"},
		{"BytesAfter", append(bytes.Clone(data), "after"...), ErrDamaged, after},
		{"Comment", commented.Bytes(), ErrDamaged, after},
		{"Zip64", zip64, ErrNotBundle, "not a policy bundle: it is a zip64 file; a bundle, at most 256 MiB and 10000 files, is a plain zip"},
		{"Zip64LocatorOnly", locatorOnly, ErrNotBundle, "not a policy bundle: it is a zip64 file; a bundle, at most 256 MiB and 10000 files, is a plain zip"},
		{"FewerFilesThanItsEndSays", append(bytes.Clone(data[:at]), endRecord(entries+1, size, offset)...),
			ErrDamaged, "damaged policy bundle: its zip directory does not hold the 6 files its end record says"},
		{"MoreFilesThanItsEndSays", append(bytes.Clone(data[:at]), endRecord(entries-1, size, offset)...),
			ErrDamaged, "damaged policy bundle: its zip directory does not hold the 4 files its end record says"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, refused(t, tt.data, tt.kind))
		})
	}
}

// A directory of 65,537 files whose end record says 1 (the count is 16 bits: archive/zip would
// read them all) is refused at its second header.
func TestReadCountsTheDirectoryItself(t *testing.T) {
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for i := range 1<<16 + 1 {
		_, err := zw.CreateHeader(&zip.FileHeader{Name: string(rune('a' + i%26)), Method: zip.Store})
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	// archive/zip wrote a zip64 end (65,537 entries need one); write the plain end in its place.
	data := out.Bytes()
	const zip64Tail = 56 + zip64LocatorLen
	tail := data[len(data)-endLen-zip64Tail:]
	require.Equal(t, "PK\x06\x06", string(tail[:4]))
	size, offset := binary.LittleEndian.Uint64(tail[40:]), binary.LittleEndian.Uint64(tail[48:])
	plain := append(bytes.Clone(data[:len(data)-endLen-zip64Tail]), endRecord(1, uint32(size), uint32(offset))...)
	zr, err := zip.NewReader(bytes.NewReader(plain), int64(len(plain)))
	require.NoError(t, err)
	require.Len(t, zr.File, 1<<16+1, "archive/zip reads every header")

	assert.Equal(t, "damaged policy bundle: its zip directory does not hold the 1 files its end record says", refused(t, plain, ErrDamaged))
}

// bombOf is a deflate stream of n zeros (n a multiple of 1 MiB), made without deflating them
// all: one MiB deflated and flushed to a byte boundary, repeated (each copy refers only to the
// zeros just before it), then the final block.
func bombOf(t testing.TB, n int) []byte {
	t.Helper()
	var out bytes.Buffer
	fw, err := flate.NewWriter(&out, flate.BestSpeed)
	require.NoError(t, err)
	_, err = fw.Write(make([]byte, 1<<20))
	require.NoError(t, err)
	require.NoError(t, fw.Flush())
	mib := bytes.Clone(out.Bytes())
	out.Reset()
	require.NoError(t, fw.Close())
	bomb := append(bytes.Repeat(mib, n>>20), out.Bytes()...)
	inflated, err := io.Copy(io.Discard, flate.NewReader(bytes.NewReader(bomb)))
	require.NoError(t, err)
	require.Equal(t, int64(n), inflated)
	return bomb
}

// ReadWithin holds a bundle to the caller's cap twice: its bytes, and its files unpacked, so that a
// small bundle of deflated files cannot make a function inflate more than a stored one of the cap
// would hold.
func TestReadWithinCapsTheFilesUnpacked(t *testing.T) {
	dir := t.TempDir()
	ids := strings.Repeat("spammer\n", 100_000) // 800 kB that deflate to next to nothing
	require.NoError(t, os.WriteFile(filepath.Join(dir, "banned.txt"), []byte(ids), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "policy.yaml"), []byte("deny_file: banned.txt\n"), 0o644))
	stored, err := Make(filepath.Join(dir, "policy.yaml"), made)
	require.NoError(t, err)
	var unpacked int64
	for _, m := range membersOf(t, stored) {
		if m.name != ManifestName {
			unpacked += int64(len(m.data))
		}
	}
	small := zipOf(t, membersOf(t, stored), func(zw *zip.Writer, m member) { deflate(t, zw, m) })
	require.Less(t, int64(len(small))*10, unpacked, "the deflated bundle is a tenth of its files' size")

	_, err = ReadWithin(small, unpacked-1)
	require.ErrorIs(t, err, ErrTooBig)
	assert.Equal(t, fmt.Sprintf("policy bundle too big: its files are %d bytes unpacked; the limit is %d", unpacked, unpacked-1), err.Error())
	b, err := ReadWithin(small, unpacked)
	require.NoError(t, err)
	within, err := Read(stored)
	require.NoError(t, err)
	assert.Equal(t, within.Revision(), b.Revision())

	_, err = ReadWithin(stored, int64(len(stored))-1)
	require.ErrorIs(t, err, ErrTooBig)
	assert.Equal(t, fmt.Sprintf("policy bundle too big: it is %d bytes; the limit is %d", len(stored), len(stored)-1), err.Error())
}
